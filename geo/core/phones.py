"""Phone cells as official lists publish them: full-width digits, several numbers, extensions.

`split_phones("0731-8888888、138 0000 0000")` gives each number in a dialable form; the cell's
original text is always kept beside it by the caller, so nothing published is lost. A landline's
area code (`area_code`) names the unit's city, which the offline geocoder reads.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from geo.core.text import fold_width

# Never start inside a longer number. A landline: optional area code (0 + 2–3 digits, maybe
# in brackets), 7–8 digit local number, optional extension. A mobile: 11 digits from
# 1[3-9]. Optional +86 / 0086 in front. Ten digits that start with a two-digit area code
# (10, 2x) and an 8-digit local number are a landline whose trunk 0 was dropped: 广州's lists
# write 2087654321 for 020-87654321.
_PHONE_RE = re.compile(
    r"""
    (?<![\d+])
    (?:(?:\+|00)86[\s-]?)?
    (?:
        (?P<mobile>1[3-9](?:[\s-]?\d){9})
      |
        (?P<trunkless>(?:10|2\d)[2-9]\d{7})
      |
        (?:\(?(?P<area>0\d{2,3})\)?[\s-]?)?
        (?P<local>[2-9]\d{2,3}[\s-]?\d{4})
        (?:\s*(?:-|转|ext\.?|x)\s*(?P<ext>\d{1,6}))?
    )
    (?!\d)
    """,
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True)
class Phone:
    """One dialable number: `display` for people, `tel` for a tel: link; `trunk_added` when
    the cell wrote it without the area code's leading 0 (2087654321), which both put back."""

    display: str
    tel: str
    trunk_added: bool = False


# Dashes that cells write between an area code and its number (020–36000000).
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-"})


def split_phones(cell: str) -> list[Phone]:
    """Every phone number found in one published cell, in order, without duplicates.

    >>> [p.display for p in split_phones("0731-8888888、１３８ ０００ ０００００")]
    ['0731-8888888', '13800000000']
    >>> split_phones("（010）60000000转123")[0]
    Phone(display='010-60000000-123', tel='tel:01060000000,123', trunk_added=False)
    >>> [p.display for p in split_phones("2060000000；020–60000001")]
    ['020-60000000', '020-60000001']
    """
    found: list[Phone] = []
    for match in _PHONE_RE.finditer(fold_width(cell).translate(_DASHES)):
        mobile, area, local, ext = match.group("mobile", "area", "local", "ext")
        if trunkless := match.group("trunkless"):
            area, number = f"0{trunkless[:2]}", trunkless[2:]
            phone = Phone(f"{area}-{number}", f"tel:{area}{number}", trunk_added=True)
        elif mobile:
            digits = re.sub(r"\D", "", mobile)
            phone = Phone(display=digits, tel=f"tel:{digits}")
        else:
            local_digits = re.sub(r"\D", "", local)
            number = f"{area}-{local_digits}" if area else local_digits
            dial = f"{area or ''}{local_digits}"
            # A comma makes phones pause and then dial the extension.
            phone = Phone(
                display=f"{number}-{ext}" if ext else number,
                tel=f"tel:{dial},{ext}" if ext else f"tel:{dial}",
            )
        if phone not in found:
            found.append(phone)
    return found


def area_code(number: str) -> str | None:
    """The area code of a number as `split_phones` displays it; None for a mobile, or a local
    number written without one.

    >>> [area_code(n) for n in ("0731-8888888", "010-60000000-123", "13800000000", "86000000")]
    ['0731', '010', None, None]
    """
    head, separator, _ = number.partition("-")
    return head if separator and head.startswith("0") else None


def area_codes(numbers: Iterable[str]) -> tuple[str, ...]:
    """Each distinct area code among `numbers`, in order."""
    return tuple(dict.fromkeys(c for c in map(area_code, numbers) if c))
