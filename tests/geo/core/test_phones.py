"""Phone cells as official lists publish them, split into dialable numbers."""

import pytest

from geo.core.phones import split_phones

# Placeholder numbers only (runs of zeros and repeated digits), never a real person's.
CASES = [
    # (cell as published, [(display, tel uri)])
    ("0731-8888888、13000000000",
     [("0731-8888888", "tel:07318888888"), ("13000000000", "tel:13000000000")]),
    ("０７３１－８８８８８８８，１３０００００００００",  # full-width digits and comma
     [("0731-8888888", "tel:07318888888"), ("13000000000", "tel:13000000000")]),
    ("0731 22222222 / 0731-22222223",  # space inside a number, slash between numbers
     [("0731-22222222", "tel:073122222222"), ("0731-22222223", "tel:073122222223")]),
    ("办公电话：020-30000000转8001；手机:13000000000",  # extension, labels, semicolon
     [("020-30000000-8001", "tel:02030000000,8001"), ("13000000000", "tel:13000000000")]),
    ("+86 130 0000 0000", [("13000000000", "tel:13000000000")]),
    ("（0898）6000 0000", [("0898-60000000", "tel:089860000000")]),  # bracketed area code
    ("60000000", [("60000000", "tel:60000000")]),  # local number without area code
    ("13000000000 13000000000", [("13000000000", "tel:13000000000")]),  # duplicate once
    # 广州's lists drop the trunk 0 of 020 (2060000000); an en dash after the area code
    ("2060000000、1060000000", [("020-60000000", "tel:02060000000"),
                                ("010-60000000", "tel:01060000000")]),
    ("020–36000000", [("020-36000000", "tel:02036000000")]),
    ("7310000000", []),  # a three-digit code without its 0 (731) is not guessed
    ("无", []),
    ("", []),
    ("110", []),  # too short to be a unit's number
]  # fmt: skip


@pytest.mark.parametrize(("cell", "expected"), CASES)
def test_split_phones(cell, expected):
    assert [(p.display, p.tel) for p in split_phones(cell)] == expected
