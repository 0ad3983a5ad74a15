"""geo.geocode.offline: the offline geocoder on official-style records and typed text."""

import pytest
from geopy.exc import GeocoderServiceError
from geopy.location import Location

from bench.geocoder_accuracy import TARGETS, offline_locator, read_rows, score
from geo.core.divisions import load_divisions
from geo.geocode.base import GeocodeQuery, Placer
from geo.geocode.offline import OfflineGeocoder


def test_meets_the_accuracy_targets_on_the_list(geocoder: OfflineGeocoder) -> None:
    rows = read_rows()
    assert len(rows) >= 300
    result = score(rows, geocoder.divisions, offline_locator(geocoder, address_only=False))
    assert result.county / result.total >= TARGETS["county"]
    assert result.city / result.total >= TARGETS["city"]


def test_a_miss_is_never_a_wrong_city(geocoder: OfflineGeocoder) -> None:
    divisions = geocoder.divisions
    for row in read_rows():
        placement = geocoder.place(row.query())
        if placement is None or placement.adcode is None:
            continue
        if placement.precision == "county":
            assert placement.adcode == row.county_adcode, row
        elif placement.precision == "city":
            assert divisions.city_of(placement.adcode) == row.city_adcode, row


@pytest.mark.parametrize(
    ("name", "address", "adcode"),
    [
        # the address names only a street; the unit name names the county
        ("长沙县公安局刑事侦查大队", "星沙街道开元东路", "430121"),
        # a township unique in the country is enough
        ("", "星沙街道开元东路238号", "430121"),
        # no province, no city
        ("", "岳麓区麓山南路1号", "430104"),
        # a district bureau: city in the name, district as a bare stem before 分局
        ("长春市公安局九台分局", "人民大街1号", "220113"),
        # stale names: 九台市 (2014), 横县 (2021), 宜宾县 (2018), 襄樊市襄阳区 (2010)
        ("九台市公安局", "九台市九台北大街", "220113"),
        ("", "广西南宁市横县横州镇", "450181"),
        ("宜宾县公安局", "柏溪镇", "511504"),
        ("", "襄樊市襄阳区航空路", "420607"),
        # the short form of an autonomous county
        ("城步县公安局", "儒林镇", "430529"),
        # a county-level city moved to another prefecture of its province
        ("", "四川省资阳市简阳市", "510185"),
        # 旗, 林区, 特区
        ("", "鄂托克旗乌兰镇", "150624"),
        ("神农架林区公安局", "松柏镇", "429021"),
        ("", "六盘水市六枝特区", "520203"),
    ],
)
def test_places_records_at_their_county(
    geocoder: OfflineGeocoder, name: str, address: str, adcode: str
) -> None:
    placement = geocoder.place(GeocodeQuery(address, name=name))
    assert placement is not None
    assert (placement.adcode, placement.precision, placement.source) == (
        adcode,
        "county",
        "offline",
    )
    div = geocoder.divisions[adcode]
    assert (placement.lon, placement.lat) == (div.lon, div.lat)
    assert placement.resolved == geocoder.divisions.path(adcode)


@pytest.mark.parametrize(
    ("query", "adcode"),
    [
        # context settles a name shared by Beijing and Changchun
        (GeocodeQuery("朝阳区朝阳门外大街", name="北京市公安局朝阳分局"), "110105"),
        (GeocodeQuery("朝阳区人民大街", name="长春市公安局朝阳分局"), "220104"),
        # ... so does a province column
        (GeocodeQuery("朝阳区人民大街", province="吉林省"), "220104"),
        (GeocodeQuery("鼓楼区五四路", city="福州市"), "350102"),
    ],
)
def test_ambiguous_names_resolved_from_context(
    geocoder: OfflineGeocoder, query: GeocodeQuery, adcode: str
) -> None:
    placement = geocoder.place(query)
    assert placement is not None and (placement.adcode, placement.precision) == (adcode, "county")


@pytest.mark.parametrize(
    ("text", "adcode", "precision"),
    [
        ("长沙", "430100", "city"),  # the city, not 长沙县
        # two counties of one city, as old habit writes them (临平 was 余杭's until 2021):
        # the city they share, not the province
        ("余杭临平", "330100", "city"),
        ("湖南省岳麓区", "430104", "county"),
        ("北京朝阳", "110105", "county"),
        ("上海浦东", "310115", "county"),
        ("吉林", "220000", "province"),  # the province and its city 吉林市 agree on the province
        ("北京", "110000", "city"),  # a municipality is a city
        # a name shared across provinces with no context: nothing, never a guess
        ("朝阳区", None, None),
        ("鼓楼区", None, None),
        # a county name that is not in the city the text names: only the city is sure
        ("淮安市岳麓区", "320800", "city"),
        # a name retired in Jiangsu (清河区, 2016) but current in Liaoning: the city named
        # settles it, and the history tables give today's successor
        ("淮安市清河区", "320812", "county"),
        # road names that are place names are not places
        ("中山路88号", None, None),
        ("北京路", None, None),
        # text that names nothing
        ("火星基地", None, None),
        ("", None, None),
        ("   ", None, None),
    ],
)
def test_resolve_text(
    geocoder: OfflineGeocoder, text: str, adcode: str | None, precision: str | None
) -> None:
    placement = geocoder.resolve_text(text)
    if adcode is None:
        assert placement is None
    else:
        assert placement is not None and (placement.adcode, placement.precision) == (
            adcode,
            precision,
        )


def test_full_width_and_spaces_are_folded(geocoder: OfflineGeocoder) -> None:
    placement = geocoder.resolve_text("湖南省　长沙市，岳麓区　麓山南路１号")
    assert placement is not None and placement.adcode == "430104"


def test_a_division_without_its_own_seat_says_so(geocoder: OfflineGeocoder) -> None:
    # 和康县 is new; no source has its seat, so it sits at its prefecture's point.
    placement = geocoder.resolve_text("和田地区和康县")
    assert placement is not None
    assert (placement.adcode, placement.precision) == ("653228", "city")


def test_geopy_interface(geocoder: OfflineGeocoder) -> None:
    location = geocoder.geocode("湖南省长沙市岳麓区")
    assert isinstance(location, Location)
    div = load_divisions()["430104"]
    assert (location.latitude, location.longitude) == (div.lat, div.lon)  # geopy: (lat, lon)
    assert location.address == "湖南省 长沙市 岳麓区"
    assert location.raw["adcode"] == "430104" and location.raw["precision"] == "county"
    assert location.raw["names"] == ["湖南省", "长沙市", "岳麓区"]
    many = geocoder.geocode("湖南省长沙市岳麓区", exactly_one=False, timeout=1)
    assert isinstance(many, list) and [m.raw for m in many] == [location.raw]
    assert geocoder.geocode("火星基地") is None
    assert geocoder.geocode("火星基地", exactly_one=False) is None
    # records, as GeocodeQuery or as a mapping of its fields
    record = {"address": "星沙街道开元东路", "name": "长沙县公安局", "city": None}
    for query in (record, GeocodeQuery("星沙街道开元东路", name="长沙县公安局")):
        found = geocoder.geocode(query)
        assert isinstance(found, Location) and found.raw["adcode"] == "430121"


def test_is_a_placer_and_never_uses_the_network(geocoder: OfflineGeocoder) -> None:
    placer: Placer = geocoder
    assert placer.name == "offline"
    with pytest.raises(GeocoderServiceError, match="never uses the network"):
        geocoder.adapter.get_json("http://127.0.0.1:9/", timeout=1, headers={})
