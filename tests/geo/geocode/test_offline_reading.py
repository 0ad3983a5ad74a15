"""geo.geocode.offline: text as people write it, held to the province the row names (issue 15)."""

import pytest

from geo.geocode.base import GeocodeQuery
from geo.geocode.offline import OfflineGeocoder


def _answer(geocoder: OfflineGeocoder, query: GeocodeQuery) -> tuple[str, str] | None:
    placement = geocoder.place(query)
    return None if placement is None else (placement.resolved, placement.precision)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # 清河区: Huai'an's until 2016 (now 清江浦区), Tieling's today. The province decides.
        (GeocodeQuery("清河区承德南路88号", province="江苏省"), "江苏省 淮安市 清江浦区"),
        (GeocodeQuery("清河区银州路", province="辽宁省"), "辽宁省 铁岭市 清河区"),
        # without any context the name in use today wins over the retired one
        (GeocodeQuery("清河区人民路"), "辽宁省 铁岭市 清河区"),
        # a province in the text constrains as a province column does
        (GeocodeQuery("浙江省杭州市江干区"), "浙江省 杭州市 上城区"),
        # stale names from the change events: 郫县 (2016), 富阳市 (2014), 临安市 (2017)
        (GeocodeQuery("郫县郫筒镇东大街125号", province="四川省"), "四川省 成都市 郫都区"),
        (GeocodeQuery("富阳市富阳镇桂花路4号", province="浙江省"), "浙江省 杭州市 富阳区"),
        (GeocodeQuery("临安市衣锦街548号"), "浙江省 杭州市 临安区"),
    ],
)
def test_province_and_history(
    geocoder: OfflineGeocoder, query: GeocodeQuery, expected: str
) -> None:
    assert _answer(geocoder, query) == (expected, "county")


def test_a_name_outside_the_named_province_is_never_taken(geocoder: OfflineGeocoder) -> None:
    # 鼓楼区 exists in Fujian, Jiangsu, Henan; none in Guangdong: only the province is sure
    assert _answer(geocoder, GeocodeQuery("鼓楼区五四路", province="广东省")) == (
        "广东省",
        "province",
    )
    assert _answer(geocoder, GeocodeQuery("鼓楼区五四路", province="福建省")) == (
        "福建省 福州市 鼓楼区",
        "county",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("阜蒙县公安局", "辽宁省 阜新市 阜新蒙古族自治县"),  # place's and people's first characters
        ("喀左县利州街", "辽宁省 朝阳市 喀喇沁左翼蒙古族自治县"),  # the wing
        ("前郭县", "吉林省 松原市 前郭尔罗斯蒙古族自治县"),  # the place's first two characters
        ("莫旗尼尔基镇", "内蒙古自治区 呼伦贝尔市 莫力达瓦达斡尔族自治旗"),  # a banner's first
        ("阜新蒙古自治县", "辽宁省 阜新市 阜新蒙古族自治县"),  # without 族
        ("长白县", "吉林省 白山市 长白朝鲜族自治县"),  # 白 here is not 白族
        ("攀市东区", "四川省 攀枝花市 东区"),  # a city's first character and 市
    ],
)
def test_short_forms_by_rule(geocoder: OfflineGeocoder, text: str, expected: str) -> None:
    placement = geocoder.resolve_text(text)
    assert placement is not None and placement.resolved == expected


def test_a_city_short_form_is_a_place_name_only_as_a_word(geocoder: OfflineGeocoder) -> None:
    assert geocoder.divisions.lookup("张市")  # 张家口, 张家界, 张掖: one per province
    assert geocoder.resolve_text("张市") is None  # ... so alone it is no answer
    assert _answer(geocoder, GeocodeQuery("张市", province="河北省")) == (
        "河北省 张家口市",
        "city",
    )


def test_one_character_typo_only_where_unambiguous(geocoder: OfflineGeocoder) -> None:
    # 朝杨区 in Beijing can only be 朝阳区
    assert _answer(geocoder, GeocodeQuery("北京市朝杨区朝阳门外大街")) == (
        "北京市 朝阳区",
        "county",
    )
    # 岳簏区 fits 岳麓区 (长沙) and 岳塘区 (湘潭): the city named decides, else only the province
    assert _answer(geocoder, GeocodeQuery("湖南省长沙市岳簏区麓山南路")) == (
        "湖南省 长沙市 岳麓区",
        "county",
    )
    assert _answer(geocoder, GeocodeQuery("湖南省岳簏区")) == ("湖南省", "province")
    # no province or city named: a typo is never read
    assert geocoder.resolve_text("朝杨区") is None


def test_a_township_unique_in_the_province_gives_the_county(geocoder: OfflineGeocoder) -> None:
    assert _answer(geocoder, GeocodeQuery("星沙街道开元东路", province="湖南省")) == (
        "湖南省 长沙市 长沙县",
        "county",
    )


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        # 塘栖镇 is 临平区's since the 2021 split of 余杭区; the old address still says 余杭区
        ("浙江省杭州市余杭区塘栖镇致和堂街100号", "浙江省 杭州市 临平区"),
        # ... also with the township's older suffix (义蓬镇, now 钱塘区's 义蓬街道)
        ("浙江省杭州市萧山区义蓬镇义盛路281号", "浙江省 杭州市 钱塘区"),
        # a township the named county still has changes nothing
        ("浙江省杭州市余杭区仓前街道", "浙江省 杭州市 余杭区"),
    ],
)
def test_a_township_that_moved_to_a_neighbour_county(
    geocoder: OfflineGeocoder, address: str, expected: str
) -> None:
    assert _answer(geocoder, GeocodeQuery(address)) == (expected, "county")


def test_a_township_name_many_counties_share_never_overrides_the_named_county(
    geocoder: OfflineGeocoder,
) -> None:
    # 城关镇 is a township of many counties (in Tianjin only 武清区's); after 宝坻区 it is an
    # old name of 宝坻区's own seat town, not a sign that the address moved to 武清区
    counties = {e.adcode for e in geocoder.divisions.lookup("城关镇") if e.kind == "township"}
    assert len(counties) > 10 and "120114" in counties and "120115" not in counties
    for address in ("宝坻区城关镇南关大街115号", "天津市宝坻区城关镇南关大街115号"):
        query = GeocodeQuery(address, province="天津市")
        assert _answer(geocoder, query) == ("天津市 宝坻区", "county"), address
    assert _answer(geocoder, GeocodeQuery("宝坻区城关镇南关大街115号")) == (
        "天津市 宝坻区",
        "county",
    )


@pytest.mark.parametrize("province", [None, "四川省"])
def test_the_address_beats_a_province_named_in_the_unit_name(
    geocoder: OfflineGeocoder, province: str | None
) -> None:
    name = "西藏自治区人民政府驻成都办事处医院"
    query = GeocodeQuery("成都市洗面桥横街20号", name=name, province=province)
    assert _answer(geocoder, query) == ("四川省 成都市", "city")
    # a province written in the address wins too
    query = GeocodeQuery("四川省成都市武侯区洗面桥横街20号", name=name, province=province)
    assert _answer(geocoder, query) == ("四川省 成都市 武侯区", "county")


def test_a_province_in_the_unit_name_counts_where_the_address_gives_none(
    geocoder: OfflineGeocoder,
) -> None:
    # the address names nothing: the name's province is all there is
    assert _answer(geocoder, GeocodeQuery("人民路1号", name="西藏自治区人民医院")) == (
        "西藏自治区",
        "province",
    )
    # the address names a district of two provinces: the name's municipality settles it
    query = GeocodeQuery("朝阳区朝阳门外大街", name="北京市公安局朝阳分局")
    assert _answer(geocoder, query) == ("北京市 朝阳区", "county")
    query = GeocodeQuery("朝阳区人民大街", name="吉林省长春市公安局朝阳分局")
    assert _answer(geocoder, query) == ("吉林省 长春市 朝阳区", "county")


@pytest.mark.parametrize(
    ("text", "written", "expected"),
    [
        # 金牛区's 天回镇街道, written as the town it was or as a street
        ("成都市天回镇", "天回镇", "四川省 成都市 金牛区"),
        ("成都市天回街道", "天回街道", "四川省 成都市 金牛区"),
        ("四川省成都市天回镇", "天回镇", "四川省 成都市 金牛区"),
        # 钱塘区's 义蓬街道, written as the town it was
        ("杭州市义蓬镇义盛路281号", "义蓬镇", "浙江省 杭州市 钱塘区"),
    ],
)
def test_a_township_written_with_another_suffix(
    geocoder: OfflineGeocoder, text: str, written: str, expected: str
) -> None:
    assert geocoder.divisions.lookup(written) == ()  # no township has this spelling
    assert _answer(geocoder, GeocodeQuery(text)) == (expected, "county")


def test_another_suffix_never_takes_a_spelling_a_county_has(geocoder: OfflineGeocoder) -> None:
    # 临平镇 is 乾县's (Shaanxi): read as written; after 余杭区 the move rule still finds
    # 临平区's 临平街道, since that spelling is one county's
    assert _answer(geocoder, GeocodeQuery("陕西省临平镇")) == ("陕西省 咸阳市 乾县", "county")
    assert _answer(geocoder, GeocodeQuery("浙江省杭州市余杭区临平镇保健路28号")) == (
        "浙江省 杭州市 临平区",
        "county",
    )


def test_a_county_a_township_moved_out_of_reads_the_same_in_the_unit_name(
    geocoder: OfflineGeocoder,
) -> None:
    # the hospital is named after 余杭区 as it was; its address is in today's 临平区
    query = GeocodeQuery("浙江省杭州市余杭区临平镇保健路28号", name="余杭区第一人民医院")
    assert _answer(geocoder, query) == ("浙江省 杭州市 临平区", "county")
    # a township 余杭区 still has leaves the name's 余杭区 as it is
    query = GeocodeQuery("浙江省杭州市余杭区仓前街道", name="余杭区第一人民医院")
    assert _answer(geocoder, query) == ("浙江省 杭州市 余杭区", "county")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # X街 for X街道, followed by more address text: 从化区's 街口街道, 番禺区's 大石街道
        (GeocodeQuery("街口街逸泉山庄", province="广东省"), ("广东省 广州市 从化区", "county")),
        (GeocodeQuery("大石街大山村内", province="广东省"), ("广东省 广州市 番禺区", "county")),
        # a house number or a lane after X街 is a road's: no township reading
        (GeocodeQuery("街口街12号", province="广东省"), ("广东省", "province")),
        (GeocodeQuery("朝阳街三巷四号", province="广东省"), ("广东省", "province")),
        # a name three 街道 of 广东 share: their common parent, never one of them
        (GeocodeQuery("新华街茶园路东城花园G栋", province="广东省"), ("广东省", "province")),
    ],
)
def test_a_street_written_short(
    geocoder: OfflineGeocoder, query: GeocodeQuery, expected: tuple[str, str]
) -> None:
    assert geocoder.divisions.lookup("街口街") == ()
    assert _answer(geocoder, query) == expected


def test_a_street_written_short_never_moves_the_named_county(geocoder: OfflineGeocoder) -> None:
    # 星桥街道 is 临平区's alone: written in full after 余杭区 it moves the county; 星桥街 may be
    # a road of 余杭区 itself, so it leaves the county as named
    moved = GeocodeQuery("浙江省杭州市余杭区星桥街道人民大道")
    assert _answer(geocoder, moved) == ("浙江省 杭州市 临平区", "county")
    kept = GeocodeQuery("浙江省杭州市余杭区星桥街人民大道")
    assert _answer(geocoder, kept) == ("浙江省 杭州市 余杭区", "county")
