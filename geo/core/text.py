"""Published Chinese text folded for one purpose each: reading cells, matching, looking up.

Every function starts from NFKC, which folds full-width digits, letters and punctuation
(１３８ → 138, （ → (); they differ in what else they drop, so pick the one named for the job.
"""

import re
import unicodedata

# Control and format characters that survive NFKC (zero-width spaces, BOMs, bidi marks);
# tab, newline and the other whitespace controls are kept, for callers to collapse.
_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u061c\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
# Spaces and the punctuation that separates parts of a place name, for `place_name_key`.
_PLACE_NAME_DROP = str.maketrans("", "", " \t\r\n\u3000,，、;；:：()（）[]【】\"'“”‘’")


def fold_width(text: str) -> str:
    """Full-width forms folded (NFKC) and nothing else, e.g. before matching phone numbers.

    >>> fold_width("（０１０）６０００００００")
    '(010)60000000'
    """
    return unicodedata.normalize("NFKC", text)


def fold_cell(text: str) -> str:
    """A cell as published, read: NFKC, no invisible characters, whitespace as one space.

    >>> fold_cell(" 长沙市\\u3000天心区\\n１２３号\\u200b ")
    '长沙市 天心区 123号'
    """
    # str.split() splits on exactly the characters `\\s` matches, so this collapses all runs.
    return " ".join(_INVISIBLE_RE.sub("", fold_width(text)).split())


def match_key(text: str) -> str:
    """What two cells must share to be the same: `fold_cell`, no spaces, case-folded.

    >>> match_key("ＸＸ县公安局 刑侦大队") == match_key("xx县公安局刑侦大队")
    True
    """
    return fold_cell(text).replace(" ", "").casefold()


def lookup_text(text: str) -> str:
    """The form a query is asked, cached and matched in: NFKC, whitespace as one space.

    >>> lookup_text("  长沙市　岳麓区\\t麓山南路１号 ")
    '长沙市 岳麓区 麓山南路1号'
    """
    return " ".join(fold_width(text).split())


def place_name_key(text: str) -> str:
    """Text to find place names in: NFKC, no whitespace or separating punctuation.

    >>> place_name_key("湖南省 长沙市，岳麓区（麓山南路１号）")
    '湖南省长沙市岳麓区麓山南路1号'
    """
    return fold_width(text).translate(_PLACE_NAME_DROP)
