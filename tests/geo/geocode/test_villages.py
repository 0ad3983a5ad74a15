"""geo.geocode: villages (X村, X社区) and township typos (石基镇) read against the real tables.

The rows are data/divisions/villages.json's and divisions.json's as committed: 冯马三村 is only
in 南沙区 (横沥镇), 大稳村 is in 南沙区 and in 罗定市 (云浮市), 大龙村 in 番禺区 and 花都区 among
others, 石碁镇 is 番禺区's; 上海's 河间路居委会 is 杨浦区's, and 北大街 has committees in several
districts of 上海.
"""

from geo.core.divisions import load_divisions
from geo.geocode.base import GeocodeQuery
from geo.geocode.offline import OfflineGeocoder
from geo.geocode.townships import AMBIGUOUS, load_villages
from geo.geocode.typos import TownshipTypoIndex

NANSHA, PANYU, HUADU, ZENGCHENG = "440115", "440113", "440114", "440118"


def _answer(geocoder: OfflineGeocoder, address: str, province: str | None) -> tuple[str, str]:
    placement = geocoder.place(GeocodeQuery(address, province=province))
    assert placement is not None
    return placement.adcode, placement.precision


def test_the_table_holds_the_rows_the_tests_rely_on() -> None:
    villages, divisions = load_villages(), load_divisions()
    assert villages.place("冯马三村", "440000", divisions) == NANSHA
    assert villages.place("大稳村", "440000", divisions) == AMBIGUOUS  # 南沙区, 罗定市
    assert villages.place("大稳村", "440100", divisions) == NANSHA  # alone in 广州市
    assert villages.place("大龙村", "440100", divisions) == AMBIGUOUS  # 番禺区, 花都区
    assert villages.place("冯马三村", "430000", divisions) is None
    assert villages.place("华侨新村", "440000", divisions) is None  # X新村: an estate's name


def test_a_village_unique_in_the_named_province_gives_its_county(
    geocoder: OfflineGeocoder,
) -> None:
    assert _answer(geocoder, "横沥镇冯马三村", "广东省") == (NANSHA, "county")
    assert _answer(geocoder, "樟边村安岗坊5巷2号", "广东省") == (PANYU, "county")
    assert _answer(geocoder, "广州市冯马三村", None) == (NANSHA, "county")  # the city named


def test_an_ambiguous_village_gives_no_county(geocoder: OfflineGeocoder) -> None:
    assert _answer(geocoder, "大稳村", "广东省") == ("440000", "province")
    assert _answer(geocoder, "广州市大龙村", None) == ("440100", "city")


def test_a_township_in_two_counties_and_a_village_in_one_of_them(
    geocoder: OfflineGeocoder,
) -> None:
    # 东涌镇 and 大稳村 are each in two counties of 广东; only 南沙区 has both.
    assert _answer(geocoder, "东涌镇大稳村", "广东省") == (NANSHA, "county")
    # 新塘镇 (several counties) with 新墩村 (增城区's): 增城区.
    assert _answer(geocoder, "新塘镇新墩村", "广东省") == (ZENGCHENG, "county")


def test_a_named_county_still_wins(geocoder: OfflineGeocoder) -> None:
    assert _answer(geocoder, "花都区冯马三村", "广东省") == (HUADU, "county")
    assert _answer(geocoder, "番禺区大稳村", None) == (PANYU, "county")


def test_a_village_never_contradicts_a_township_the_text_names(
    geocoder: OfflineGeocoder,
) -> None:
    # 石滩镇 is only 增城区's in 广东, read as a word of its own after the unknown 增X市 (a 市
    # ends a word); 屋山村 is 霞山区's (湛江市) in the 2023 list: it must not win against it.
    placement = geocoder.place(GeocodeQuery("增X市石滩镇三江街屋山村路", province="广东省"))
    assert placement is not None and placement.adcode == "440118"
    # Nor after a name that means nothing in 广东 (三江街 is a street of 浙江 and 重庆).
    placement = geocoder.place(GeocodeQuery("三江街屋山村路", province="广东省"))
    assert placement is not None and placement.adcode == "440000"


def test_no_village_reading_without_a_named_province_or_city_or_elsewhere(
    geocoder: OfflineGeocoder,
) -> None:
    assert geocoder.place(GeocodeQuery("冯马三村")) is None
    placement = geocoder.place(GeocodeQuery("冯马三村", province="湖南省"))
    assert placement is not None and placement.adcode == "430000"


def test_a_village_name_must_start_a_word() -> None:
    villages = load_villages()
    assert villages.mentions("横沥镇冯马三村", {3}) == ["冯马三村"]  # after 横沥镇, a known name
    assert villages.mentions("横沥镇冯马三村", set()) == []  # after a word nobody read
    assert villages.mentions("(冯马三村)", set()) == ["冯马三村"]
    assert villages.mentions("大冯马三村", set()) == []  # 冯马三村 inside another word
    assert villages.mentions("冯马三村镇银行", set()) == []


def test_a_township_written_with_a_common_character(geocoder: OfflineGeocoder) -> None:
    # 碁 is not in GB2312: lists write 石基镇.
    assert _answer(geocoder, "石基镇茶东路68号", "广东省") == (PANYU, "county")
    assert _answer(geocoder, "石碁镇茶东路68号", "广东省") == (PANYU, "county")
    # "镇城区" is one character from eight X城区 of 广东: no county reading, so the township's
    # still counts (guangzhou_kindergartens: 石基镇城区大道121号).
    assert _answer(geocoder, "石基镇城区大道121号", "广东省") == (PANYU, "county")
    index = TownshipTypoIndex(load_divisions())
    assert index.find("石基镇", {"110000"}) == set()  # not a typo of anything in 北京
    # 石龙镇, 石楼镇: two-character stems differing in a common character are other towns.
    assert index.find("石龙镇", {"440000"}) == set()
    placement = geocoder.place(GeocodeQuery("石基镇茶东路68号", province="北京市"))
    assert placement is None or placement.adcode == "110000"


YANGPU, CHANGNING = "310110", "310105"


def test_a_road_a_committee_is_named_after_gives_its_county(geocoder: OfflineGeocoder) -> None:
    assert load_villages().place("河间路", "310000", load_divisions()) == YANGPU
    assert _answer(geocoder, "河间路31号", "上海市") == (YANGPU, "county")
    assert _answer(geocoder, "上海市河间路三十一号", None) == (YANGPU, "county")


def test_a_road_is_read_only_with_a_house_number_and_never_over_a_named_county(
    geocoder: OfflineGeocoder,
) -> None:
    assert _answer(geocoder, "河间路小学", "上海市") == ("310000", "city")  # a unit's name
    assert _answer(geocoder, "上海市长宁区河间路31号", None) == (CHANGNING, "county")
    assert _answer(geocoder, "北大街1号", "上海市") == ("310000", "city")  # several districts
    assert _answer(geocoder, "河间路31号", "浙江省") == ("330000", "province")  # not there
