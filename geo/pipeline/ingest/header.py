"""Finding a sheet's header: the row (or two) naming a unit-name and an address column."""

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from geo.core.text import fold_cell, match_key
from geo.pipeline.ingest.records import SourceField
from geo.pipeline.ingest.sheet import Row, Sheet

HEADER_SEARCH_ROWS = 30  # a header below this many rows is not a header

# Header cell text (after `_header_key`) → field. Variants seen in provincial lists.
_HEADER_ALIASES: Mapping[SourceField, tuple[str, ...]] = {
    SourceField.SEQ: ("序号", "编号", "序", "no", "no.", "number"),
    SourceField.NAME: (
        "单位名称", "采血点名称", "采血点", "采血单位", "采血单位名称", "采血点单位",
        "采血点单位名称", "单位", "名称", "机构名称", "采血机构", "公安机关", "公安机关名称",
    ),
    SourceField.ADDRESS: (
        "地址", "详细地址", "采血点地址", "单位地址", "采血地址", "采血地点", "办公地址",
        "地点", "具体地址", "所在地址", "联系地址", "通讯地址", "采血点详细地址",
    ),
    SourceField.CONTACT: (
        "负责人", "联系人", "负责民警", "联系民警", "负责人姓名", "联系人姓名", "民警姓名",
        "责任民警", "采血民警", "责任人", "姓名",
    ),
    SourceField.OFFICE_PHONE: (
        "电话", "办公电话", "联系电话", "座机", "固定电话", "值班电话", "咨询电话",
        "办公室电话", "电话号码", "联系方式", "座机电话",
    ),
    SourceField.MOBILE: (
        "手机", "民警手机", "手机号", "手机号码", "移动电话", "负责人手机", "联系人手机",
        "民警手机号", "手机电话",
    ),
    SourceField.PROVINCE: ("省份", "省", "省区市", "省级", "所属省份", "省别"),
    SourceField.CITY: (
        "地市", "市", "城市", "地级市", "市州", "所属地市", "地区", "地州市", "州市",
    ),
    SourceField.DISTRICT: (
        "区县", "县区", "县", "区", "县市区", "区县市", "县区市", "所属区县", "区/县", "县/区",
    ),
}  # fmt: skip
_FIELD_BY_ALIAS: Mapping[str, SourceField] = {
    alias: source_field for source_field, aliases in _HEADER_ALIASES.items() for alias in aliases
}
# Fallback for header cells no alias names, tried in order on short cells only, so that a
# title row ("XX省免费采血点地址及电话一览表") is never taken for a header.
_HEADER_PATTERNS: tuple[tuple[re.Pattern[str], SourceField], ...] = (
    (re.compile(r"手机|移动电话"), SourceField.MOBILE),
    (re.compile(r"电话|座机|联系方式"), SourceField.OFFICE_PHONE),
    (re.compile(r"地址"), SourceField.ADDRESS),
    (re.compile(r"名称$"), SourceField.NAME),
    (re.compile(r"负责人|联系人|民警"), SourceField.CONTACT),
)
_HEADER_PATTERN_MAX_LENGTH = 10
_SINGLE_COLUMN_FIELDS = frozenset(SourceField) - {SourceField.OFFICE_PHONE, SourceField.MOBILE}
# A header cell such as "联系方式" may stand over several of these in a second header row.
_GROUP_FIELDS = frozenset({SourceField.CONTACT, SourceField.OFFICE_PHONE, SourceField.MOBILE})
_BRACKETED_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕")


@dataclass(frozen=True)
class Layout:
    """A sheet's header: rows it spans, a label per column and the columns of each field."""

    header_rows: tuple[int, ...]  # indexes into Sheet.rows
    labels: tuple[str, ...]
    fields: Mapping[SourceField, tuple[int, ...]]
    extra_same_field: tuple[str, ...]  # labels of second columns of single-column fields

    def label(self, column: int) -> str:
        """A column's header label; "(F)" for a column beyond the header."""
        if column < len(self.labels):
            return self.labels[column]
        return f"({get_column_letter(column + 1)})"


def field_for_header(text: str) -> SourceField | None:
    """The field a header cell names, if any.

    >>> [field_for_header(text) for text in ("单位\\n名称", "县（市、区）", "民警手机号码")]
    [<SourceField.NAME: 'name'>, <SourceField.DISTRICT: 'district'>, <SourceField.MOBILE: 'mobile'>]
    """
    key = match_key(text).strip("*:：")
    if not key:
        return None
    unbracketed = _BRACKETED_RE.sub("", key)
    for candidate in (key, unbracketed):
        if candidate in _FIELD_BY_ALIAS:
            return _FIELD_BY_ALIAS[candidate]
    if len(unbracketed) <= _HEADER_PATTERN_MAX_LENGTH:
        for pattern, source_field in _HEADER_PATTERNS:
            if pattern.search(unbracketed):
                return source_field
    return None


def find_layout(sheet: Sheet) -> Layout | None:
    """The header of a sheet within its first `HEADER_SEARCH_ROWS` rows, or None."""
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        top = _row_fields(row)
        if SourceField.NAME not in top or SourceField.ADDRESS not in top:
            continue
        labels = [_header_label(cell.text) for cell in row.cells]
        if index + 1 < len(sheet.rows) and _is_sub_header(sheet.rows[index + 1], row):
            below = sheet.rows[index + 1]
            _refine(labels, top, below)
            return _make_layout((index, index + 1), labels, top)
        return _make_layout((index,), labels, top)
    return None


def _refine(labels: list[str], fields: list[SourceField | None], below: Row) -> None:
    """Fold a second header row ("联系方式" over "办公电话 | 手机") into the labels and fields.

    Its own cells (not those merged down from the row above) name fields that refine the
    columns above them; the label becomes "above/below".
    """
    width = max(len(labels), len(below.cells))
    labels += [""] * (width - len(labels))
    fields += [None] * (width - len(fields))
    for column, (cell, below_field) in enumerate(zip(below.cells, _row_fields(below), strict=True)):
        if below_field is None:
            continue
        fields[column] = below_field
        parts = [labels[column], _header_label(cell.text)]
        labels[column] = "/".join(dict.fromkeys(part for part in parts if part))


def _header_label(text: str) -> str:
    """A header cell as a label: normalised, without the line breaks and spaces of layout."""
    return fold_cell(text).replace(" ", "")


def _row_fields(row: Row) -> list[SourceField | None]:
    return [field_for_header(cell.text) for cell in row.cells]


def _is_sub_header(row: Row, header: Row) -> bool:
    """Whether a row refines the header row above it ("联系方式" over "办公电话 | 手机").

    Most of its own cells (not those merged down from the header) name a field, each under a
    header cell that groups it: an unrecognised label, or a phone or contact label, found
    directly above or, for a blank cell above, as the nearest label to the left (a CSV keeps
    a merged group label in its first column only). At least one must add to the header, so
    a repeated header is not taken for a second header row; a data row names no field.
    """
    own = [
        (column, field_for_header(cell.text))
        for column, cell in enumerate(row.cells)
        if cell.merged_from is None and fold_cell(cell.text)
    ]
    named = [(column, named_field) for column, named_field in own if named_field is not None]
    if not named or len(named) * 2 < len(own):
        return False
    labels = [fold_cell(cell.text) for cell in header.cells]
    refines = False
    for column, source_field in named:
        group = next((c for c in range(min(column, len(labels) - 1), -1, -1) if labels[c]), None)
        if group is None:
            return False
        above = field_for_header(labels[group])
        if above == source_field and group == column:
            continue
        if above is not None and not (above in _GROUP_FIELDS and source_field in _GROUP_FIELDS):
            return False
        refines = True
    return refines


def _make_layout(
    header_rows: tuple[int, ...], labels: Sequence[str], fields: Sequence[SourceField | None]
) -> Layout:
    unique_labels: list[str] = []
    label_counts = Counter(label.strip() for label in labels)
    for column, label in enumerate(labels, start=1):
        label = label.strip()
        letter = get_column_letter(column)
        if not label:
            label = f"({letter})"
        elif label_counts[label] > 1:
            label = f"{label} ({letter})"
        unique_labels.append(label)
    columns: dict[SourceField, list[int]] = defaultdict(list)
    extra: list[str] = []
    for column, source_field in enumerate(fields):
        if source_field is None:
            continue
        if source_field in _SINGLE_COLUMN_FIELDS and columns[source_field]:
            extra.append(unique_labels[column])
            continue
        columns[source_field].append(column)
    return Layout(
        header_rows=header_rows,
        labels=tuple(unique_labels),
        fields={key: tuple(value) for key, value in columns.items()},
        extra_same_field=tuple(extra),
    )
