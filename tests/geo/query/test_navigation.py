"""Map-app links carry each app's own coordinate system."""

from urllib.parse import parse_qs, urlparse

import pytest

from geo.core.crs import Crs, from_wgs84
from geo.query.navigation import navigation_links

CHANGCHUN = (125.3235, 43.8171)
HONG_KONG = (114.1694, 22.3193)


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


@pytest.mark.parametrize("place", [CHANGCHUN, HONG_KONG])
def test_each_app_gets_its_own_coordinate_system(place):
    lon, lat = place
    link = navigation_links([lon], [lat], ["测试单位 A&B"], ["测试地址"])[0]
    gcj_lon, gcj_lat = from_wgs84(lon, lat, target=Crs.GCJ02)
    bd_lon, bd_lat = from_wgs84(lon, lat, target=Crs.BD09)

    amap = query(link.amap)
    assert amap["position"] == f"{gcj_lon:.6f},{gcj_lat:.6f}"
    assert amap["coordinate"] == "gaode" and amap["name"] == "测试单位 A&B"

    baidu = query(link.baidu)
    assert baidu["location"] == f"{bd_lat:.6f},{bd_lon:.6f}"  # Baidu wants lat,lon
    assert baidu["coord_type"] == "bd09ll" and baidu["title"] == "测试单位 A&B"

    tencent = query(link.tencent)
    assert tencent["marker"] == f"coord:{gcj_lat:.6f},{gcj_lon:.6f};title:测试单位 A&B"
    assert baidu["content"] == "测试地址"

    assert link.geo.startswith(f"geo:{lat:.6f},{lon:.6f}?q=")


def test_offset_applies_in_the_mainland_only():
    (inside,) = navigation_links([CHANGCHUN[0]], [CHANGCHUN[1]], ["a"], ["b"])
    (outside,) = navigation_links([HONG_KONG[0]], [HONG_KONG[1]], ["a"], ["b"])
    assert query(inside.amap)["position"] != f"{CHANGCHUN[0]:.6f},{CHANGCHUN[1]:.6f}"
    assert query(outside.amap)["position"] == f"{HONG_KONG[0]:.6f},{HONG_KONG[1]:.6f}"
