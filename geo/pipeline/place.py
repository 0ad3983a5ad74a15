"""From a source list to a dataset ready to publish: ingest, place, validate, account, diff.

Every input row ends in exactly one place: a published feature, or the report with its reason.
Nothing here writes to the published tree; `scripts/build_index.py` decides whether to publish.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from geopy import exc as geopy_exc

from geo.core.boundaries import DivisionBoundaries
from geo.core.boundaries import Status as BoundaryStatus
from geo.core.crs import in_mainland
from geo.core.divisions import COUNTY, Divisions
from geo.core.errors import GeocoderStopped
from geo.core.phones import area_codes
from geo.dataset import PointRecord, make_feature
from geo.geocode.base import GeocodeQuery, Placement, Placer, precision_rank
from geo.geocode.offline import OfflineGeocoder
from geo.pipeline.diff import DatasetDiff
from geo.pipeline.ingest import IngestResult, Reason, RowIssue, SourceRecord, point_id
from geo.pipeline.overrides import OverrideProblem, Overrides

FlagPolicy = Literal["warn", "hold"]
# "merged": a later row of a unit already listed at the same address, published in its point.
RowStatus = Literal["published", "flagged", "held", "rejected", "merged", "blank", "skipped"]

# What a person reading a point should know about how precisely it is placed.
_PRECISION_NOTES = {
    "county": "位置为所在区县政府驻地附近（按地址估计），并非单位门址；前往前请先电话确认。",
    "city": "位置仅精确到地市（地市政府驻地附近），并非单位门址；前往前请务必电话确认。",
    "province": "尚无位置：仅知所在省份，不参与距离排序；前往前请先电话确认地址。",
    "township": "位置为所在乡镇或街道附近，并非单位门址；前往前请先电话确认。",
    "street": "位置为所在道路附近，可能与单位门口有一段距离。",
}


@dataclass(frozen=True)
class RowOutcome:
    """Where one source row ended, and why."""

    source_row: int
    sheet: str | None
    status: RowStatus
    reason: str | None = (
        None  # machine-readable: outside_county, no_placement, missing_address, ...
    )
    detail: str | None = None  # for a person
    point_id: str | None = None
    name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if value is not None}


@dataclass
class BuildResult:
    """A built dataset (not yet published) and the account of every row."""

    features: list[dict[str, Any]]
    outcomes: list[RowOutcome]
    rows_read: int
    geocoder: str
    override_problems: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    diff: DatasetDiff | None = None
    cache: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counted = Counter[str](outcome.status for outcome in self.outcomes)
        return {status: counted.get(status, 0) for status in _STATUSES}

    def by_precision(self) -> dict[str, int]:
        return dict(Counter(feature["properties"]["precision"] for feature in self.features))

    def by_reason(self) -> dict[str, int]:
        return dict(
            Counter(o.reason for o in self.outcomes if o.reason and o.status != "published")
        )

    def needs_location(self) -> list[PointRecord]:
        """Published points known only to their province: listed, never ranked by distance,
        until ops give them coordinates in data/overrides.csv."""
        records = (PointRecord.from_properties(f["properties"]) for f in self.features)
        return [record for record in records if not record.located]


_STATUSES = ("published", "flagged", "held", "rejected", "merged", "blank", "skipped")


# What a provider raises when asking again now will not help: the build stops (GeocoderStopped).
GeocoderErrors: tuple[type[BaseException], ...] = (
    geopy_exc.GeocoderQuotaExceeded,
    geopy_exc.GeocoderRateLimited,
    geopy_exc.GeocoderAuthenticationFailure,
    geopy_exc.GeocoderInsufficientPrivileges,
    geopy_exc.GeocoderUnavailable,
    geopy_exc.GeocoderServiceError,
)


@dataclass(frozen=True)
class PlaceCheck:
    """Where a placement lies relative to the division its text names; `status` None: not
    checked (the text names no division, or there is no boundary for it)."""

    status: BoundaryStatus | None
    distance_m: float | None = None


@dataclass(frozen=True)
class PlacedDivision:
    """The division a published point is filed under."""

    province: str
    city: str | None
    district: str | None
    adcode: str


@dataclass(frozen=True)
class Pipeline:
    """The pieces a build uses; each can be swapped in tests or by command-line options."""

    placer: Placer  # the chosen geocoder, usually wrapped in a cache
    offline: OfflineGeocoder  # always: it tells which division a text names
    divisions: Divisions
    boundaries: DivisionBoundaries
    overrides: Overrides
    override_problems: tuple[OverrideProblem, ...] = ()
    flag_policy: FlagPolicy = "warn"
    tolerance_m: float = 2_000.0


def place_records(
    ingest: IngestResult,
    pipeline: Pipeline,
    *,
    progress: Callable[[Iterable[SourceRecord]], Iterable[SourceRecord]] = iter,
) -> BuildResult:
    """Place and validate every ingested record; account for every row of the source."""
    outcomes = [_issue_outcome(issue) for issue in ingest.issues]
    features: list[dict[str, Any]] = []
    records = list(ingest.records)
    for done, record in enumerate(progress(records)):
        try:
            outcome, feature = _place_one(record, pipeline)
            outcomes.extend(_same_unit_outcomes(record, outcome))
        except GeocoderErrors as exc:
            raise GeocoderStopped(
                f"{pipeline.placer.name} stopped answering after {done} of {len(records)} "
                f"records ({type(exc).__name__}: {exc})",
                placed=done,
                total=len(records),
            ) from exc
        outcomes.append(outcome)
        if feature is not None:
            features.append(feature)
    outcomes.sort(key=lambda o: (o.sheet or "", o.source_row))
    result = BuildResult(
        features=features,
        outcomes=outcomes,
        rows_read=ingest.rows_read,
        geocoder=pipeline.placer.name,
        override_problems=[
            {"row": problem.row, "message": problem.message}
            for problem in pipeline.override_problems
        ],
        warnings=[f"{w.code}: {w.detail}" for w in ingest.warnings],
    )
    accounted = sum(result.counts().values())
    if accounted != ingest.rows_read:  # never drop a row silently, even through a bug
        raise AssertionError(f"{ingest.rows_read} rows read but {accounted} accounted for")
    return result


_ISSUE_STATUS: Mapping[Reason, RowStatus] = {
    Reason.BLANK: "blank",
    Reason.REPEATED_HEADER: "skipped",
    Reason.NOTE_ROW: "skipped",
    Reason.SECTION_ROW: "skipped",
    Reason.MISSING_NAME: "rejected",
    Reason.MISSING_ADDRESS: "rejected",
}


def _issue_outcome(issue: RowIssue) -> RowOutcome:
    return RowOutcome(
        source_row=issue.source_row,
        sheet=issue.sheet,
        status=_ISSUE_STATUS.get(issue.reason, "rejected"),
        reason=issue.reason.value,
        detail=issue.detail,
    )


def _same_unit_outcomes(record: SourceRecord, first: RowOutcome) -> list[RowOutcome]:
    """The later rows of the same unit and address end where their first row ends: merged
    into its point when that is published, otherwise held or rejected with it."""
    published = first.status in ("published", "flagged")
    outcomes = []
    for position, row in enumerate(record.same_unit_rows, start=1):
        earlier = record.rows[:position]
        same = next((e for e in earlier if row.own_contact().same_as(e.own_contact())), None)
        if published:
            kept = (
                f"repeats {same.ref}" if same is not None
                else "its contact and phones are kept in that point"
            )  # fmt: skip
            detail = f"same name and address as {record.ref}: {kept}"
        else:
            detail = (
                f"same name and address as {record.ref}, which is {first.status}: {first.detail}"
            )
        outcomes.append(
            RowOutcome(
                source_row=row.source_row,
                sheet=row.sheet,
                status="merged" if published else first.status,
                reason="same_unit_and_address" if published else first.reason,
                detail=detail,
                point_id=first.point_id,
                name=row.name,
            )
        )
    return outcomes


def _dialled(query: GeocodeQuery, placement: Placement, pipeline: Pipeline) -> str | None:
    """A note if the offline placement owes its division to the phone's area code (the
    address names a road only, or a township several cities have), so a reader knows why."""
    if placement.source != "offline" or not query.area_codes:
        return None
    textual = pipeline.offline.place(replace(query, area_codes=()))
    if textual is not None and textual.adcode == placement.adcode:
        return None
    return f"所在地据办公电话区号（{'、'.join(query.area_codes)}）推定。"


def _place_one(
    record: SourceRecord, pipeline: Pipeline
) -> tuple[RowOutcome, dict[str, Any] | None]:
    identifier = point_id(record)
    query = GeocodeQuery(
        address=record.address,
        name=record.name,
        province=record.province,
        city=record.city,
        district=record.district,
        area_codes=area_codes(record.phones),
    )
    base = {"source_row": record.source_row, "sheet": record.sheet, "point_id": identifier}

    def outcome(status: str, reason: str | None = None, detail: str | None = None) -> RowOutcome:
        return RowOutcome(
            status=status,  # type: ignore[arg-type]
            reason=reason,
            detail=detail,
            name=record.name,
            **base,  # type: ignore[arg-type]
        )

    named = pipeline.offline.place(query)  # the division the text itself names
    override = pipeline.overrides.place(query, point_id=identifier)
    placement = override or pipeline.placer.place(query)
    warnings: list[str] = []
    reason = None
    if placement is None and named is not None:
        # The provider did not understand the text, but the text names a division: its seat,
        # labelled as coarse as it is, beats losing the point. Flagged, so ops can fix it.
        placement = named
        reason = "provider_found_nothing"
        warnings.append(
            f"{pipeline.placer.name} found nothing for 「{record.address}」; placed at the seat "
            f"of {named.resolved} instead"
        )
    if placement is None:
        return outcome(
            "rejected",
            "no_placement",
            f"nothing in 「{record.name}」 or 「{record.address}」 names a division the geocoder "
            "knows; add a line to data/overrides.csv",
        ), None

    check = _check_place(placement, named, pipeline)
    if check.status is BoundaryStatus.OUTSIDE_MAINLAND:
        return outcome(
            "held",
            "outside_mainland",
            f"{placement.source} put it at {placement.lon:.5f},{placement.lat:.5f}, outside "
            "mainland China",
        ), None
    if check.status is BoundaryStatus.OUTSIDE:
        assert named is not None
        reason = "outside_named_division"
        warnings.append(
            f"{placement.source} placed it {(check.distance_m or 0) / 1000:.1f} km outside "
            f"{named.resolved}, which the name or address names"
        )
    if (
        named is not None
        and placement.source not in ("offline", "override")
        and precision_rank(placement.precision) > precision_rank(named.precision)
    ):
        reason = reason or "coarser_than_named"
        warnings.append(
            f"{placement.source} only matched {placement.precision} level although the text "
            f"names a {named.precision}"
        )

    division = _division_of(named, placement, check, pipeline)
    if division is None:
        return outcome(
            "rejected",
            "no_division",
            "the point is placed but no province could be determined for it",
        ), None
    dialled = _dialled(query, placement, pipeline)
    notes = [_PRECISION_NOTES.get(placement.precision), dialled, *warnings]
    note = " ".join(filter(None, notes))
    contacts = record.contacts()
    point = PointRecord(
        id=identifier,
        name=record.name,
        address=record.address,
        province=division.province,
        city=division.city,
        district=division.district,
        adcode=division.adcode,
        contact=contacts.contact,
        phones=contacts.phones,
        phone_text=contacts.phone_text,
        precision=placement.precision,
        source_row=record.source_row,
        note=note or None,
        geocoder=placement.source,
        resolved=placement.resolved,
        # record notes: e.g. an unreadable phone cell, in any of the unit's rows
        warnings=(*warnings, *(n for row in record.rows for n in row.notes)),
        sheet=record.sheet,
        source_rows=tuple(row.source_row for row in record.rows),
        contacts=contacts.contacts,
    )
    feature = make_feature(placement.lon, placement.lat, point.to_properties())
    if warnings and pipeline.flag_policy == "hold":
        return outcome("held", reason, "; ".join(warnings)), None
    if warnings:
        return outcome("flagged", reason, "; ".join(warnings)), feature
    return outcome("published"), feature


def _check_place(placement: Placement, named: Placement | None, pipeline: Pipeline) -> PlaceCheck:
    """Inside, near or outside the division the text names (with the distance outside), outside
    mainland China, or not checked."""
    if named is not None and named.adcode is not None:
        verdict = pipeline.boundaries.check(
            placement.lon, placement.lat, named.adcode, tolerance_m=pipeline.tolerance_m
        )
        if verdict.status is not BoundaryStatus.UNKNOWN_DIVISION:
            return PlaceCheck(verdict.status, verdict.distance_m)
    if not bool(in_mainland([placement.lon], [placement.lat])[0]):
        return PlaceCheck(BoundaryStatus.OUTSIDE_MAINLAND)
    return PlaceCheck(None)


_AGREES = (BoundaryStatus.INSIDE, BoundaryStatus.NEAR, None)  # the text's division stands


def _division_of(
    named: Placement | None, placement: Placement, check: PlaceCheck, pipeline: Pipeline
) -> PlacedDivision | None:
    """The division for the feature: what the text names when the point agrees with it,
    otherwise where the point actually falls."""
    code = named.adcode if named is not None and check.status in _AGREES else None
    divisions = pipeline.divisions
    candidates = [code, placement.adcode, pipeline.boundaries.locate(placement.lon, placement.lat)]
    if named is not None:
        candidates.append(named.adcode)
    code = next((c for c in candidates if c is not None and c in divisions), None)
    if code is None:
        return None
    city = divisions.city_of(code)
    county = divisions[code] if divisions[code].level == COUNTY else None
    return PlacedDivision(
        province=divisions[divisions.province_of(code)].name,
        city=divisions[city].name if city is not None else None,
        district=county.name if county is not None else None,
        adcode=code,
    )
