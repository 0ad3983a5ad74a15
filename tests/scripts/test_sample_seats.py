"""The committed sample's points sit where data/divisions/ puts each seat: inside the county
(or city) their adcode names, by the polygons of data/boundaries/, not at a seat that moved."""

import orjson
import shapely

from geo.core.boundaries import DivisionBoundaries
from tests.support import REPO_DATA_DIR

SAMPLE = REPO_DATA_DIR / "published" / "sample-20251231" / "points.geojson"
DIVISIONS = REPO_DATA_DIR / "divisions" / "divisions.json"
# New since the boundary source was drawn (2021+): no polygon to check them against.
WITHOUT_BOUNDARY = {"653228", "653229", "659011", "659012"}
# cpca's seat (or, for 两江新区, 重庆市's point) lay in a neighbour: moved inside at build.
MOVED = {"210421": "抚顺县", "330110": "余杭区", "410522": "安阳县", "500157": "两江新区"}


def test_every_sample_point_lies_inside_its_own_division_at_the_tables_seat() -> None:
    features = orjson.loads(SAMPLE.read_bytes())["features"]
    seats = {row[0]: row for row in orjson.loads(DIVISIONS.read_bytes())["divisions"]}
    boundaries = DivisionBoundaries.load()
    outside, unchecked, elsewhere = [], set(), []
    for feature in features:
        props = feature["properties"]
        code, (lon, lat) = props["adcode"], feature["geometry"]["coordinates"]
        assert props["id"] == f"sample-{code}" and props["note"].startswith("样例数据")
        seat = seats[code]
        if (seat[4], seat[5]) != (lon, lat):
            elsewhere.append(code)
        if code not in boundaries:
            unchecked.add(code)
        elif not shapely.intersects_xy(boundaries.geometries[list(boundaries.members(code))],
                                       lon, lat).any():  # fmt: skip
            outside.append((code, boundaries.locate(lon, lat)))
    assert outside == [] and elsewhere == []
    assert unchecked == WITHOUT_BOUNDARY

    by_code = {f["properties"]["adcode"]: f["properties"] for f in features}
    for code, name in MOVED.items():
        props = by_code[code]
        assert props["district"] == name and props["precision"] == "county"
        assert "区县辖区内一点" in props["note"] and "区县辖区内一点" in props["address"]
        assert seats[code][6] == "county"  # the geocoder's table says the same
