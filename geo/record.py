"""PointRecord: the one type of a published point, and the contacts it carries.

A point is one police unit at one address. The official list may give that unit on several
rows (an office line on one, an officer's mobile on another): they become one point whose
`contacts` keep every row's contact, numbers and phone text exactly as published, each with the
row it came from. The flat fields (`contact`, `phones`, `phone_text`) stay for older clients.

A point known only to its province (precision `province`) has no location a family can use:
`is_located` says so, and such a point is listed for browsing but never ranked by distance.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

# Joins the published texts of several phone cells (columns of one row, then rows of one
# point) in the flat `phone_text`; it never occurs inside a phone number, so `split_phones`
# reads the joined text like the cells. Each cell's own text is kept whole in `contacts`.
PHONE_TEXT_SEPARATOR = " | "
# Joins the distinct officers of a merged point in the flat `contact`.
CONTACT_SEPARATOR = "、"
# Precisions that place a point nowhere a family could go: listed, never ranked by distance.
UNLOCATED_PRECISIONS = frozenset({"province"})


def is_located(precision: str | None) -> bool:
    """Whether a point of this precision may be ranked by distance.

    >>> is_located("county"), is_located("city"), is_located("province")
    (True, True, False)
    """
    return precision not in UNLOCATED_PRECISIONS


@dataclass(frozen=True)
class Contact:
    """One source row's contact: the officer, the numbers found and the phone text verbatim."""

    contact: str | None
    phones: tuple[str, ...]
    phone_text: str  # the row's phone cells exactly as published (joined as in `phone_text`)
    source_row: int
    sheet: str | None = None  # only written when the source has sheets

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "contact": self.contact,
            "phones": list(self.phones),
            "phone_text": self.phone_text,
            "source_row": self.source_row,
        }
        if self.sheet is not None:
            shown["sheet"] = self.sheet
        return shown

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> "Contact":
        return cls(
            contact=item["contact"],
            phones=tuple(item["phones"]),
            phone_text=item["phone_text"],
            source_row=item["source_row"],
            sheet=item.get("sheet"),
        )

    def same_as(self, other: "Contact") -> bool:
        """Same officer and the same phone text: a row repeated, nothing new to keep."""
        return (self.contact, self.phone_text) == (other.contact, other.phone_text)


@dataclass(frozen=True)
class Contacts:
    """What the rows of one point give: each distinct contact, and the flat fields."""

    contacts: tuple[Contact, ...]
    contact: str | None  # the distinct officers, joined by CONTACT_SEPARATOR
    phones: tuple[str, ...]  # every number, in row order, each once
    phone_text: str  # every distinct row's phone text, joined by PHONE_TEXT_SEPARATOR


def combine_contacts(rows: Iterable[Contact]) -> Contacts:
    """The contacts of the rows of one point; a row repeating an earlier one adds nothing.

    >>> a = Contact("甲", ("0731-1",), "0731-1", 4)
    >>> b = Contact("乙", ("138",), "138", 9)
    >>> c = Contact("甲", ("0731-1",), "0731-1", 12)
    >>> merged = combine_contacts([a, b, c])
    >>> [x.source_row for x in merged.contacts], merged.contact, merged.phones, merged.phone_text
    ([4, 9], '甲、乙', ('0731-1', '138'), '0731-1 | 138')
    """
    kept: list[Contact] = []
    for row in rows:
        if not any(row.same_as(earlier) for earlier in kept):
            kept.append(row)
    officers = dict.fromkeys(row.contact for row in kept if row.contact)
    phones = dict.fromkeys(phone for row in kept for phone in row.phones)
    texts = [row.phone_text for row in kept if row.phone_text]
    return Contacts(
        contacts=tuple(kept),
        contact=CONTACT_SEPARATOR.join(officers) or None,
        phones=tuple(phones),
        phone_text=PHONE_TEXT_SEPARATOR.join(texts),
    )


# Written only when they hold something, so lists made otherwise keep their shape.
_OMITTED_WHEN_EMPTY = ("sheet", "source_rows", "contacts")


@dataclass(frozen=True)
class PointRecord:
    """A published point's properties: the one declaration of their names, types and order."""

    id: str
    name: str
    address: str
    province: str
    city: str | None
    district: str | None
    adcode: str | None
    contact: str | None  # of a merged point: its distinct officers, joined by "、"
    phones: tuple[str, ...]  # one number per entry; of a merged point, every row's
    phone_text: str  # the phone cells exactly as published (several joined by " | ")
    precision: str  # how precisely the location is known: exact, street, county, city, ...
    source_row: int  # row number in the source list, for tracing every record back
    # Written by the build pipeline; lists made otherwise (samples, tests) may lack them.
    note: str | None = None
    geocoder: str | None = None
    resolved: str | None = None
    warnings: tuple[str, ...] = ()
    sheet: str | None = None  # only written when the source has sheets
    source_rows: tuple[int, ...] = ()  # every row the point came from, `source_row` first
    contacts: tuple[Contact, ...] = ()  # each row's contact and phones, with its row

    @property
    def located(self) -> bool:
        """False for a point known only to its province: never ranked by distance."""
        return is_located(self.precision)

    def to_properties(self) -> dict[str, Any]:
        """The GeoJSON properties object, keys in declaration order (tuples as lists)."""
        props: dict[str, Any] = {}
        for name, value in vars(self).items():
            if name in _OMITTED_WHEN_EMPTY and not value:
                continue
            if name == "contacts":
                value = [contact.to_json() for contact in value]
            props[name] = list(value) if isinstance(value, tuple) else value
        return props

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> "PointRecord":
        """The record of validated properties (unknown keys ignored, absent ones default)."""
        values = {f.name: props[f.name] for f in fields(cls) if f.name in props}
        values.update(
            {n: tuple(values[n]) for n in ("phones", "warnings", "source_rows") if n in values}
        )
        if "contacts" in values:
            values["contacts"] = tuple(Contact.from_json(item) for item in values["contacts"])
        return cls(**values)

    def contact_rows(self) -> tuple[Contact, ...]:
        """Every row's contact: `contacts`, or for a list without them one from the flat fields
        (none when the point has neither an officer nor a phone text)."""
        if self.contacts:
            return self.contacts
        if self.contact is None and not self.phone_text:
            return ()
        return (Contact(self.contact, self.phones, self.phone_text, self.source_row, self.sheet),)


def check_contacts(value: Any) -> str | None:
    """What is wrong with a `contacts` property as read from JSON; None if nothing.

    >>> check_contacts([{"contact": None, "phones": ["1"], "phone_text": "1", "source_row": 2}])
    >>> check_contacts([{"contact": None, "phones": [1], "phone_text": "1", "source_row": 2}])
    "item 0: 'phones' must be a list of strings"
    """
    if not isinstance(value, list):
        return "must be a list"
    for position, item in enumerate(value):
        problem = _contact_problem(item)
        if problem is not None:
            return f"item {position}: {problem}"
    return None


def _contact_problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "must be an object"
    contact, phones, text, row = (
        item.get(k) for k in ("contact", "phones", "phone_text", "source_row")
    )
    if contact is not None and not isinstance(contact, str):
        return "'contact' must be a string or null"
    if not isinstance(phones, list) or not all(isinstance(p, str) for p in phones):
        return "'phones' must be a list of strings"
    if not isinstance(text, str):
        return "'phone_text' must be a string"
    if not _is_row_number(row):
        return "'source_row' must be a row number"
    if not isinstance(item.get("sheet", ""), str):
        return "'sheet' must be a string"
    return None


def check_source_rows(value: Any) -> str | None:
    """What is wrong with a `source_rows` property as read from JSON; None if nothing."""
    if not isinstance(value, list) or not all(_is_row_number(row) for row in value):
        return "must be a list of row numbers"
    return None


def _is_row_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
