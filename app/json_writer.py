"""JSON answers assembled from pre-serialised pieces: the one place that splices JSON bytes.

Serialising each point once per loaded version and joining bytes per request is what makes
/nearest fast (app/served.py). Every piece handed between functions here follows these rules:

- a *value* is complete JSON, as `orjson.dumps` writes it (UTF-8, no spaces);
- an *open object* is an object's JSON without its closing brace, b'{"id":"a","lat":1.5',
  always with at least one member, so `,"name":value` may be appended before closing it;
- *members* are `"name":value` pairs joined by commas, with no braces and never empty, so
  they can be joined with other members by a comma;
- member names are spelt by this code base: plain ASCII needing no escapes, written as is;
- numbers spliced in by `close_each_with_number` are finite floats written by `repr`,
  which is valid JSON for them ("1e+16" included).

>>> point = open_object({"id": "a"})
>>> point, close(point), members({"total": 1, "limit": 5})
(b'{"id":"a"', b'{"id":"a"}', b'"total":1,"limit":5')
>>> results = array(close_each_with_number([point], "d", [1.5]))
>>> obj(member("ok", value(True)), member("results", results))
b'{"ok":true,"results":[{"id":"a","d":1.5}]}'

On the hot path a body is also written as *pieces*: a list of bytes whose concatenation is a
value or members, joined once at the end, so a 15 kB answer is copied once, not per layer.

>>> obj_of_pieces(member_pieces("results", array_closing_each([point], "d", [1.5])), [b'"n":1'])
b'{"results":[{"id":"a","d":1.5}],"n":1}'
"""

from collections.abc import Iterable, Mapping
from typing import Any

import orjson


def value(data: Any) -> bytes:
    """`data` as complete JSON."""
    return orjson.dumps(data)


def open_object(mapping: Mapping[str, Any]) -> bytes:
    """`mapping` (not empty) as an open object: its JSON without the closing brace."""
    return orjson.dumps(mapping)[:-1]


def close(open_json: bytes) -> bytes:
    """An open object closed: complete JSON."""
    return open_json + b"}"


def members(mapping: Mapping[str, Any]) -> bytes:
    """`mapping` (not empty) as members: its JSON without either brace."""
    return orjson.dumps(mapping)[1:-1]


def member(name: str, value_json: bytes) -> bytes:
    """One `"name":value` member from a complete JSON value."""
    return b'"' + name.encode() + b'":' + value_json


def joined(*parts: bytes) -> bytes:
    """Members (each one or several) joined: still members."""
    return b",".join(parts)


def obj(*parts: bytes) -> bytes:
    """An object from members (each one or several)."""
    return b"{" + b",".join(parts) + b"}"


def array(values: Iterable[bytes]) -> bytes:
    """An array from complete JSON values."""
    return b"[" + b",".join(values) + b"]"


def member_pieces(name: str, value_pieces: list[bytes]) -> list[bytes]:
    """`member(name, value)` as pieces, from a value given as pieces."""
    return [b'"' + name.encode() + b'":', *value_pieces]


def array_closing_each(
    open_objects: Iterable[bytes], name: str, numbers: Iterable[float]
) -> list[bytes]:
    """`array(close_each_with_number(...))` as pieces: the same bytes once joined.

    >>> b"".join(array_closing_each([], "d", []))
    b'[]'
    """
    name_json = b',"' + name.encode() + b'":'
    pieces = [b"["]
    for open_json, number in zip(open_objects, numbers, strict=True):
        pieces += (open_json, name_json, repr(number).encode(), b"},")
    if len(pieces) > 1:
        pieces[-1] = b"}]"  # the last object's brace, and the array's instead of a comma
    else:
        pieces.append(b"]")
    return pieces


def obj_of_pieces(*members: list[bytes]) -> bytes:
    """`obj(...)` from members (at least one), each given as pieces."""
    pieces = [b"{"]
    for member_as_pieces in members:
        pieces += member_as_pieces
        pieces.append(b",")
    pieces[-1] = b"}"  # the last comma
    return b"".join(pieces)


def close_each_with_number(
    open_objects: Iterable[bytes], name: str, numbers: Iterable[float]
) -> list[bytes]:
    """Each open object given one more member `name` (a number, paired in order) and closed."""
    template = b'%s,"' + name.encode() + b'":%r}'
    return [template % pair for pair in zip(open_objects, numbers, strict=True)]
