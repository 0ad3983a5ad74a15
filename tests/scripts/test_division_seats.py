"""scripts/division_seats.py: a seat outside its own county is moved inside it, nothing else."""

import shapely

from geo.core.boundaries import shipped_boundaries
from scripts.division_seats import inner_point, seats_inside


def test_a_seat_outside_its_county_is_moved_inside_and_reported() -> None:
    boundaries = shipped_boundaries()
    # 抚顺县's old seat lies in 顺城区 (the county government moved); 长沙县's is inside
    seats = {"210421": (124.0918311, 41.9201839), "430121": (113.0752321, 28.2500948)}
    before = dict(seats)
    moved = seats_inside(seats, {"210421": "抚顺县", "430121": "长沙县"}, boundaries)
    assert [m.adcode for m in moved] == ["210421"]
    assert moved[0].old == before["210421"] and moved[0].found_in == "210403"
    assert boundaries.locate(*seats["210421"]) == "210421"
    assert seats["430121"] == before["430121"]


def test_the_inner_point_is_inside_the_largest_part() -> None:
    small = shapely.box(0, 0, 0.1, 0.1)
    large = shapely.box(10, 10, 11, 12)
    x, y = inner_point(shapely.MultiPolygon([small, large]))
    assert large.contains(shapely.Point(x, y))
    # as far from every edge as any point can be (0.5 in a 1 x 2 box)
    assert large.exterior.distance(shapely.Point(x, y)) > 0.49
