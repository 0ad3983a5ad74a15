"""Response models: they document the API in OpenAPI and pin the shape tests check against."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DatasetInfo(_Frozen):
    version: str = Field(description="已发布数据集版本 / Published dataset version")
    points: int = Field(description="采血点数量 / Number of points")
    sample: bool = Field(
        description="是否为样例数据（非官方名单）/ True for sample data, not the official list"
    )
    built_at: str = Field(description="构建时间 / When the dataset was built (ISO 8601)")
    source: str = Field(description="数据来源 / Where the data came from")


CoordName = Literal["wgs84", "gcj02", "bd09"]


class Call(_Frozen):
    number: str = Field(description="电话号码 / Phone number, normalised for display")
    uri: str = Field(description="拨号链接 / tel: link for tap-to-call")


class Navigation(_Frozen):
    amap: str = Field(description="高德地图（GCJ-02）/ Open in Amap")
    baidu: str = Field(description="百度地图（BD-09）/ Open in Baidu Maps")
    tencent: str = Field(description="腾讯地图（GCJ-02）/ Open in Tencent Maps")
    geo: str = Field(description="geo: 链接（WGS-84）/ geo: URI for any map app")


class ContactEntry(_Frozen):
    contact: str | None = Field(description="负责人 / Officer, as published")
    phones: list[str] = Field(description="电话（拆分后）/ This officer's numbers")
    phone_text: str = Field(description="电话原文 / This row's phone cells exactly as published")
    calls: list[Call] = Field(description="可拨打的电话 / This officer's numbers with tel: links")


class Point(_Frozen):
    id: str = Field(description="采血点编号 / Stable point id")
    name: str = Field(description="单位名称 / Police unit name")
    address: str = Field(description="地址 / Address as published")
    province: str = Field(description="省 / Province")
    city: str | None = Field(description="地市 / Prefecture-level city")
    district: str | None = Field(description="区县 / County-level division")
    adcode: str | None = Field(description="行政区划代码 / Administrative division code")
    contact: str | None = Field(
        description="负责人（多人以“、”分隔）/ Officer in charge, as published; several "
        "joined by 、 (each with their numbers in `contacts`)"
    )
    phones: list[str] = Field(description="电话（拆分后）/ Every phone number, one per entry")
    phone_text: str = Field(
        description="电话原文 / Phone cells exactly as published; several joined by ' | '"
    )
    precision: str = Field(
        description="位置精度 / How precisely the location is known: exact, street, county,"
        " city, or province (no location yet)"
    )
    note: str | None = Field(description="备注 / Note on the record or how it was placed")
    located: bool = Field(
        description="是否有位置 / False: known only to its province, no location yet; listed"
        " by region but never returned by /nearest, and lat, lon and navigation are null"
    )
    contacts: list[ContactEntry] = Field(
        description="各负责人及其电话 / Every officer listed for this unit, with their numbers"
    )
    calls: list[Call] = Field(description="可拨打的电话 / Dialable numbers with tel: links")
    navigation: Navigation | None = Field(
        description="导航链接 / Links that open the point in map apps; null without a location"
    )
    lat: float | None = Field(
        description="纬度，坐标系同请求 / Latitude in the requested system; null without a location"
    )
    lon: float | None = Field(
        description="经度，坐标系同请求 / Longitude in the requested system;"
        " null without a location"
    )


class NearestResult(Point):
    """A ranked point: always located, so its coordinates and links are always there."""

    located: Literal[True] = Field(description="由近及远排序的点都有位置 / Always true here")
    navigation: Navigation = Field(description="导航链接 / Links that open the point in map apps")
    lat: float = Field(description="纬度，坐标系同请求 / Latitude in the requested system")
    lon: float = Field(description="经度，坐标系同请求 / Longitude in the requested system")
    distance_m: float = Field(description="大地线距离（米）/ Geodesic distance on WGS-84, metres")


class Resolved(_Frozen):
    """What an `address` was understood as: the place searched from is that division's seat."""

    text: str = Field(
        description="识别为 / The division the text was resolved to, e.g. 湖南省 长沙市 岳麓区"
    )
    precision: str = Field(
        description="精度：county（区县驻地）、city（地市驻地）、province（省会）"
        " / county, city or province: whose seat the search starts from"
    )
    adcode: str | None = Field(description="行政区划代码 / Division code")


class NearestQuery(_Frozen):
    lat: float = Field(description="查询点纬度（坐标系同 coord）/ Latitude searched from")
    lon: float = Field(description="查询点经度 / Longitude searched from")
    n: int
    radius_m: float | None
    coord: CoordName = Field(description="坐标系 / Coordinate system of lat/lon in and out")
    address: str | None = Field(
        default=None, description="请求中的地址文本 / The address given instead of lat/lon"
    )
    resolved: Resolved | None = Field(
        default=None, description="地址识别结果 / What the address was resolved to"
    )


class NearestResponse(_Frozen):
    query: NearestQuery
    dataset: DatasetInfo
    notice: str | None = Field(description="样例数据提示 / Present when the data is sample data")
    results: list[NearestResult] = Field(description="由近及远 / Nearest first")


class NearestAnswer(_Frozen):
    """One item of a batch: the same as /nearest's answer, or that item's error."""

    ok: bool
    query: NearestQuery | None = None
    results: list[NearestResult] | None = None
    error: "ErrorBody | None" = None


class BatchResponse(_Frozen):
    dataset: DatasetInfo
    notice: str | None
    answers: list[NearestAnswer] = Field(description="与请求顺序一致 / In the order asked")


class PointResponse(_Frozen):
    dataset: DatasetInfo
    notice: str | None
    coord: CoordName
    point: Point


class PointListResponse(_Frozen):
    dataset: DatasetInfo
    notice: str | None
    coord: CoordName
    total: int = Field(description="符合条件的总数 / Points matching the filters")
    limit: int
    offset: int
    results: list[Point] = Field(
        description="按行政区划代码、编号排序 / Ordered by adcode, then id"
    )


class Area(_Frozen):
    name: str = Field(
        description="地市，或“省直辖县级行政区划”，或“尚无位置，只知道所在省份”（located 为 false）"
        " / City, directly administered units, or the province's points with no location yet"
    )
    adcode: str = Field(
        description="与 located 一起用于 /points?adcode=…&located=… / With `located`, use as"
        " /points?adcode={adcode}&located={located}: exactly this area's points"
    )
    points: int
    located: bool = Field(
        description="false：本省只知道所在省份、尚无位置的点（不按距离排序）/ False for the"
        " province's points known only to the province, never ranked by /nearest"
    )


class Province(_Frozen):
    name: str
    adcode: str
    points: int
    areas: list[Area]


class RegionsResponse(_Frozen):
    dataset: DatasetInfo
    notice: str | None
    provinces: list[Province] = Field(description="按区划代码排序 / In adcode order")


class Health(_Frozen):
    status: Literal["ok"]


class Ready(_Frozen):
    status: Literal["ready"]
    dataset: DatasetInfo
    refused_version: str | None = Field(
        default=None,
        description="CURRENT 指向但未通过校验的新版本；仍在使用 dataset.version"
        " / A newer version CURRENT names that failed validation; dataset.version still serves",
    )


class ReloadAnswer(_Frozen):
    status: Literal["loaded", "unchanged"] = Field(
        description="loaded: a new version is now served; unchanged: CURRENT names the served one"
    )
    version: str = Field(description="此进程现在使用的版本 / Version this worker now serves")
    previous: str | None = Field(description="之前的版本 / Version served before")
    seconds: float = Field(description="加载与建索引耗时 / Load and index time, seconds")
    scope: str = Field(
        description="Only the worker that answered reloads now; other workers follow within"
        " reload_interval_s (they check published/CURRENT periodically)."
    )


class ErrorItem(_Frozen):
    param: str
    message: str


class ErrorBody(_Frozen):
    error: str = Field(description="机器可读的错误类别 / Machine-readable error kind")
    message: str = Field(description="可操作的说明 / What went wrong and how to fix it")
    errors: list[ErrorItem] = Field(default_factory=list)


NearestAnswer.model_rebuild()
