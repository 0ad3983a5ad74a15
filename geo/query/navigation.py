"""Links that open a point in the map apps people in China use, each in the system it expects.

Amap (高德) and Tencent (腾讯) maps take GCJ-02, Baidu takes BD-09, a `geo:` URI (RFC 5870,
used by Android's app chooser) takes WGS-84. Handing an app the wrong system puts the marker
hundreds of metres off; each link below names its system explicitly where the app allows it.
"""

from dataclasses import dataclass
from urllib.parse import quote

import numpy as np
import numpy.typing as npt

from geo.core.crs import Crs, from_wgs84

APP_NAME = "xunqin-locator"
# Baidu's URI API asks callers to identify themselves as webapp.<company>.<app>.
BAIDU_SOURCE = "webapp.xunqin.locator"


@dataclass(frozen=True)
class NavigationLinks:
    amap: str
    baidu: str
    tencent: str
    geo: str

    def as_dict(self) -> dict[str, str]:
        return {"amap": self.amap, "baidu": self.baidu, "tencent": self.tencent, "geo": self.geo}


def navigation_links(
    lons: npt.ArrayLike,
    lats: npt.ArrayLike,
    names: list[str],
    places: list[str],
) -> list[NavigationLinks]:
    """Links for many points at once (WGS-84 in); coordinates are converted once, vectorised.

    `places` is a short region text ("上海市黄浦区") for Baidu's marker body. Full addresses are
    left out on purpose: percent-encoded Chinese costs 9 bytes a character, in every link of
    every result, and the address is in the result already.

    >>> link = navigation_links([121.4737], [31.2304], ["上海市公安局"], ["上海市黄浦区"])[0]
    >>> link.geo
    'geo:31.230400,121.473700?q=31.230400,121.473700(%E4%B8%8A%E6%B5%B7%E5%B8%82%E5%85%AC%E5%AE%89%E5%B1%80)'
    >>> link.amap.startswith("https://uri.amap.com/marker?position=121.47")
    True
    """
    wgs_lons = np.asarray(lons, dtype=np.float64)
    wgs_lats = np.asarray(lats, dtype=np.float64)
    gcj_lons, gcj_lats = from_wgs84(wgs_lons, wgs_lats, target=Crs.GCJ02)
    bd_lons, bd_lats = from_wgs84(wgs_lons, wgs_lats, target=Crs.BD09)
    links = []
    # Each text is percent-encoded once and formatted in: urlencode() per link took most of
    # a dataset's load time. Commas and colons stay literal, as the apps' own examples have.
    for i, (name, place) in enumerate(zip(names, places, strict=True)):
        name_q, place_q = quote(name, safe=""), quote(place, safe="")
        gcj = f"{gcj_lons[i]:.6f},{gcj_lats[i]:.6f}"
        gcj_lat_lon = f"{gcj_lats[i]:.6f},{gcj_lons[i]:.6f}"
        bd_lat_lon = f"{bd_lats[i]:.6f},{bd_lons[i]:.6f}"
        wgs_lat_lon = f"{wgs_lats[i]:.6f},{wgs_lons[i]:.6f}"
        links.append(
            NavigationLinks(
                # coordinate=gaode means GCJ-02
                amap=f"https://uri.amap.com/marker?position={gcj}&name={name_q}"
                f"&coordinate=gaode&callnative=1&src={APP_NAME}",
                baidu=f"https://api.map.baidu.com/marker?location={bd_lat_lon}&title={name_q}"
                f"&content={place_q}&coord_type=bd09ll&output=html&src={BAIDU_SOURCE}",
                tencent=f"https://apis.map.qq.com/uri/v1/marker?marker=coord:{gcj_lat_lon}"
                f"%3Btitle:{name_q}&referer={APP_NAME}",
                geo=f"geo:{wgs_lat_lon}?q={wgs_lat_lon}({name_q})",
            )
        )
    return links
