"""How divisions are written besides their official names, derived by rule (build time).

Official names are long (阜新蒙古族自治县); lists write 阜新县, 阜新蒙古自治县, 阜蒙县, or a city as
its first character and 市 (攀市). Every form here is derived from the official names by a rule,
none is listed by hand, and a short form that two divisions of one province would share, or that
is already some division's name, is dropped: it could only be a guess.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from importlib.metadata import distribution
from pathlib import Path

PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "新疆维吾尔自治区": "新疆",
    "宁夏回族自治区": "宁夏",
    "香港特别行政区": "香港",
    "澳门特别行政区": "澳门",
}
# Suffixes a bare short form drops, longest first. 矿区 names (井陉矿区) are never shortened:
# their stem is another county's.
_SUFFIXES = ("新区", "林区", "特区", "地区", "省", "市", "县", "区", "旗", "盟")


def ethnic_pattern() -> re.Pattern[str]:
    path = Path(str(distribution("cpca").locate_file("cpca/resources/56_nations.csv")))
    names = [n.strip() for n in path.read_text(encoding="utf-8").split() if n.strip() != "汉族"]
    # 哈萨克 and 蒙古 appear with and without 族 in official names (伊犁哈萨克自治州).
    stems = sorted({n.removesuffix("族") for n in names}, key=len, reverse=True)
    return re.compile(f"((?:(?:{'|'.join(stems)})族?)+)自治(州|县|旗)$")


def split_autonomous(name: str, ethnic: re.Pattern[str]) -> tuple[str, str, str] | None:
    """(place, peoples, kind) of an autonomous unit's name, e.g. ('长白', '朝鲜族', '县'): the
    place keeps at least two characters, since 白 in 长白朝鲜族自治县 is not 白族."""
    match = ethnic.search(name)
    if not match:
        return None
    stem, peoples, kind = name[: match.start()], match.group(1), match.group(2)
    while 0 < len(stem) < 2:
        inner = ethnic.search(peoples[1:] + "自治" + kind)
        if not inner or inner.start():
            return None
        stem, peoples = stem + peoples[0], inner.group(1)
    return stem, peoples, kind


def short_forms(name: str, level: int, ethnic: re.Pattern[str]) -> tuple[list[str], list[str]]:
    """(aliases that keep a suffix, bare stems) by which a division is also written.

    An alias such as 城步县 for 城步苗族自治县 is as specific as the full name; a bare stem (城步,
    长沙, 朝阳) is only trusted where the text uses it as a place name, which the geocoder decides.
    """
    if level == 1:
        stem = PROVINCE_SHORT.get(name) or re.sub("(省|市)$", "", name)
        return [], [stem] if stem != name else []
    parts = split_autonomous(name, ethnic)
    if parts:
        stem, peoples, kind = parts
        if not stem:  # 鄂温克族自治旗: the people's name is the place's name
            return [peoples.removesuffix("族") + kind], []
        return [stem + kind], [stem]
    if name.endswith("矿区"):
        return [], []
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return [], [name[: -len(suffix)]]
    return [], []


def autonomous_forms(name: str, ethnic: re.Pattern[str]) -> list[str]:
    """Other ways an autonomous unit's name is written: without 族 (阜新蒙古自治县), without 自治
    (阜新蒙古族县), and the abbreviations lists use: place's first character and people's first
    (阜蒙县), the place's first two characters (前郭县), its wing (喀左县), a banner's first
    character (莫旗)."""
    parts = split_autonomous(name, ethnic)
    if not parts or not parts[0]:
        return []
    stem, peoples, kind = parts
    forms = [stem + peoples.replace("族", "") + "自治" + kind, stem + peoples + kind]
    if kind in ("县", "旗"):
        forms.append(stem[0] + peoples[0] + kind)
        if len(stem) > 2:
            forms.append(stem[:2] + kind)
        for wing in ("左", "右"):
            if f"{wing}翼" in stem:
                forms.append(stem[0] + wing + kind)
        if kind == "旗" and len(stem) >= 3:
            forms.append(stem[0] + kind)
    return [f for f in dict.fromkeys(forms) if f != name]


def city_forms(name: str) -> list[str]:
    """攀市 for 攀枝花市: a prefecture-level city's first character and 市 (a bare form, trusted
    only where the text uses it as a place name)."""
    if name.endswith("市") and len(name) >= 3:
        return [name[0] + "市"]
    return []


def unique_forms(
    candidates: Iterable[tuple[str, str, str]], taken: set[str]
) -> dict[str, list[str]]:
    """adcode → its forms, from (adcode, province, form) candidates: a form two divisions of one
    province share, or one that already names something (`taken`), is dropped."""
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for adcode, province, form in candidates:
        owners[province, form].add(adcode)
    kept: dict[str, list[str]] = defaultdict(list)
    for (_, form), codes in sorted(owners.items()):
        if len(codes) == 1 and form not in taken:
            kept[codes.pop()].append(form)
    return dict(kept)
