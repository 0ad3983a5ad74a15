"""Townships written without their suffix, and names after a word the tables do not know.

Guangzhou's lists write 棠下 for 天河区's 棠下街道 and 登峰 for 越秀区's 登峰街道, and start a
street's name right after an unknown zone (广州开发区萝岗街…). A bare stem is read only short of
a county, inside a city the record names (by its text or its phone), never for a stem that names
roads everywhere (人民路), and never after the house number, where an estate's name follows.
"""

import pytest

from geo.geocode.base import GeocodeQuery
from geo.geocode.offline import OfflineGeocoder


@pytest.mark.parametrize(
    ("address", "codes", "expected"),
    [
        ("棠下竹基西南六巷1号", ("020",), "广东省 广州市 天河区"),
        ("登峰下塘新村28号", ("020",), "广东省 广州市 越秀区"),
        ("广州市多宝路125号", (), "广东省 广州市 荔湾区"),  # a road named after its street
        ("广州开发区萝岗街线坑村", (), "广东省 广州市 黄埔区"),  # after an unknown zone
        ("赤岗路赤岗街靖晖街1号", ("020",), "广东省 广州市 海珠区"),  # after a road
        ("大石街北联村新北西路2号", ("020",), "广东省 广州市 番禺区"),  # a village after X街
    ],
)
def test_bare_and_unbounded_townships(
    geocoder: OfflineGeocoder, address: str, codes: tuple[str, ...], expected: str
) -> None:
    placement = geocoder.place(GeocodeQuery(address, province="广东省", area_codes=codes))
    assert placement is not None and placement.resolved == expected


@pytest.mark.parametrize(
    ("address", "codes", "expected"),
    [
        # the province alone is too wide: 环市 is 江门's 环市街道, and this is 广州's 环市东路
        ("环市东路华侨新村爱国路24号", (), "广东省"),
        # after the house number comes an estate: 珠江帝景 is no 南沙区 珠江街道
        ("艺洲路灏景街28号（珠江帝景内）", ("020",), "广东省 广州市"),
        # 人民 names roads in every city: 越秀区's 人民街道 is no reading of 人民路
        ("广州市人民路100号", (), "广东省 广州市"),
    ],
)
def test_what_a_bare_stem_does_not_read(
    geocoder: OfflineGeocoder, address: str, codes: tuple[str, ...], expected: str
) -> None:
    placement = geocoder.place(GeocodeQuery(address, province="广东省", area_codes=codes))
    assert placement is not None and placement.resolved == expected


def test_a_road_after_a_road_gives_its_county(geocoder: OfflineGeocoder) -> None:
    placement = geocoder.place(GeocodeQuery("陕西省宝鸡市经二路新华巷24号"))
    assert placement is not None and placement.resolved == "陕西省 宝鸡市 渭滨区"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        # a county's short form followed by its own township, suffix dropped or not
        ("增城新塘新康花园内", "广东省 广州市 增城区"),
        ("天河棠下棠德花园C区", "广东省 广州市 天河区"),
        ("番禺石碁镇金山大道", "广东省 广州市 番禺区"),
        # a short form followed by anything else stays no place name (增城大道 is a road)
        ("增城大道69号", "广东省"),
    ],
)
def test_a_short_form_before_its_own_township(
    geocoder: OfflineGeocoder, address: str, expected: str
) -> None:
    placement = geocoder.place(GeocodeQuery(address, province="广东省"))
    assert placement is not None and placement.resolved == expected
