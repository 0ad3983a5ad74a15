"""Landline area codes as evidence of a record's city (geo.geocode.area_codes, issue 15).

The Ministry's list gives each unit's office phone. Its area code names the unit's city where the
address names only a road or a township that several cities have; it never outweighs a name the
text writes, and never leaves the province the row names.
"""

import pytest

from geo.core.divisions import load_divisions
from geo.core.phones import area_codes, split_phones
from geo.geocode.area_codes import load_area_codes
from geo.geocode.base import GeocodeQuery
from geo.geocode.offline import OfflineGeocoder


def _answer(geocoder: OfflineGeocoder, query: GeocodeQuery) -> tuple[str, str] | None:
    placement = geocoder.place(query)
    return None if placement is None else (placement.resolved, placement.precision)


def test_area_codes_from_a_published_cell() -> None:
    numbers = [p.display for p in split_phones("（020）3456 7890、13800000000、0731-8888888转12")]
    assert area_codes(numbers) == ("020", "0731")
    assert area_codes([p.display for p in split_phones("88888888；13900000000")]) == ()


def test_the_table_maps_codes_to_todays_cities() -> None:
    table, divisions = load_area_codes(), load_divisions()
    named = {code: sorted(divisions[c].name for c in cities) for code, cities in table.items()}
    assert named["010"] == ["北京市"]
    assert named["0731"] == ["株洲市", "湘潭市", "长沙市"]  # one code since the numbers merged
    assert named["0634"] == ["济南市"]  # 莱芜市 became two districts of 济南 in 2019
    assert named["0914"] == ["商洛市"]  # the registry also writes the district 商州
    assert named["0728"] == ["仙桃市", "天门市", "潜江市"]  # not 武汉's 江汉区 (江汉 oilfield)
    assert named["0433"] == ["延边朝鲜族自治州"]  # not jionlp's 吉林/吉林
    assert "0565" not in table  # 巢湖's old code: a prefecture split among three cities
    assert all(divisions[c].level in (1, 2, 3) for cities in table.values() for c in cities)


@pytest.mark.parametrize(
    ("address", "codes", "expected"),
    [
        # a township two cities of 广东 have (南沙区's and 汕尾市城区's 东涌镇): the code decides
        ("东涌镇吉祥南路", (), ("广东省", "province")),
        ("东涌镇吉祥南路", ("020",), ("广东省 广州市 南沙区", "county")),
        # a road alone: the city, ranked and labelled as a city
        ("滨江东路136号", ("020",), ("广东省 广州市", "city")),
        # a village unique inside the city the code names
        ("新塘镇大墩村原大墩小学", ("020",), ("广东省 广州市 增城区", "county")),
        # a township written with a wrong character (石基镇 for 番禺区's 石碁镇): the phone's
        # city does not make 镇城区 a one-character typo of 增城区, which is unique in 广州 only
        ("石基镇城区大道121号", ("020",), ("广东省 广州市 番禺区", "county")),
        # a code of another province is no evidence: the row names 广东
        ("滨江东路136号", ("0731",), ("广东省", "province")),
        # a mobile or an unknown code says nothing
        ("滨江东路136号", ("0000",), ("广东省", "province")),
    ],
)
def test_the_code_names_the_city(
    geocoder: OfflineGeocoder,
    address: str,
    codes: tuple[str, ...],
    expected: tuple[str, str],
) -> None:
    assert _answer(geocoder, GeocodeQuery(address, province="广东省", area_codes=codes)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # the text's county wins over the phone of another city (a provincial office's line)
        (
            GeocodeQuery("岳麓区麓山南路1号", province="湖南省", area_codes=("0730",)),
            "湖南省 长沙市 岳麓区",
        ),
        # and so does the text's city
        (
            GeocodeQuery("株洲市建设中路", province="湖南省", area_codes=("0730",)),
            "湖南省 株洲市",
        ),
        # a code three cities share settles nothing between them
        (GeocodeQuery("建设中路", province="湖南省", area_codes=("0731",)), "湖南省"),
        # a township outweighs the code too: 那大镇 is 儋州's, and 0898 (the table knows it as
        # 海口's and 三亚's) is dialled all over 海南; once they tied, giving 海南省
        (GeocodeQuery("那大镇人民中路1号", area_codes=("0898",)), "海南省 儋州市"),
        # and so does a village, read inside the city the text names (东涌镇大稳村, 南沙区)
        # against 佛山's code on a kindergarten near the boundary
        (
            GeocodeQuery("广州市东涌镇大稳村", province="广东省", area_codes=("0757",)),
            "广东省 广州市 南沙区",
        ),
    ],
)
def test_the_text_outweighs_the_phone(
    geocoder: OfflineGeocoder, query: GeocodeQuery, expected: str
) -> None:
    placement = geocoder.place(query)
    assert placement is not None and placement.resolved == expected
