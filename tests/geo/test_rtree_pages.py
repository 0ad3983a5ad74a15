"""The R-tree stored in the sidecar: opened, never rebuilt, answering as a tree built in memory,
and never changing the published file."""

import gc
import hashlib
from pathlib import Path

import numpy as np
import pytest
from rtree.exceptions import RTreeError

from geo.core.geodesy import ecef_m
from geo.dataset import load_version, published_dir
from geo.packed import PACKED_NAME
from geo.query import index as index_module
from geo.query.catalogue import Catalogue
from geo.query.index import PointIndex
from geo.query.reference import brute_force_nearest
from geo.rtree_pages import RtreePages, build_rtree_pages, open_rtree
from scripts.make_synthetic_dataset import china_like_points, publish_synthetic


def _points(count: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lons, lats = china_like_points(count, seed)
    return lons, lats, np.arange(count, dtype=np.int64)


def test_a_stored_tree_answers_exactly_as_one_built_in_memory() -> None:
    lons, lats, keys = _points(30_000, 11)
    stored = RtreePages.in_blob(*build_rtree_pages(ecef_m(lons, lats)))
    from_pages = PointIndex(lons, lats, keys, stored_rtree=stored)
    in_memory = PointIndex(lons, lats, keys)
    query_lons, query_lats = china_like_points(300, 12)
    for lon, lat in zip(query_lons.tolist(), query_lats.tolist(), strict=True):
        for k in (1, 10, 200):
            hits, same = from_pages.nearest(lon, lat, k), in_memory.nearest(lon, lat, k)
            assert hits.positions.tolist() == same.positions.tolist()
            assert hits.distances_m.tolist() == same.distances_m.tolist()
        near, same_near = from_pages.within(lon, lat, 20_000), in_memory.within(lon, lat, 20_000)
        assert near.positions.tolist() == same_near.positions.tolist()
    for lon, lat in zip(query_lons[:40].tolist(), query_lats[:40].tolist(), strict=True):
        brute = brute_force_nearest(lons, lats, keys, lon, lat, 10)
        assert from_pages.nearest(lon, lat, 10).positions.tolist() == brute.positions.tolist()


def test_building_the_pages_is_deterministic() -> None:
    lons, lats, _ = _points(5_000, 2)
    first, second = build_rtree_pages(ecef_m(lons, lats)), build_rtree_pages(ecef_m(lons, lats))
    assert first[0].tolist() == second[0].tolist()
    assert first[1].tobytes() == second[1].tobytes()


def test_a_missing_page_is_an_error_for_the_query_not_a_crash() -> None:
    lons, lats, keys = _points(2_000, 3)
    offsets, blob = build_rtree_pages(ecef_m(lons, lats))
    lengths = np.diff(offsets)
    # Drop every page but the header (page 1): a root that points nowhere.
    holed = offsets.copy()
    holed[2:] = offsets[2]
    pages = RtreePages.in_blob(holed, blob[: offsets[2]])
    assert int(lengths[1]) > 0
    with pytest.raises(RTreeError, match="page"):
        PointIndex(lons, lats, keys, stored_rtree=pages).nearest(110.0, 30.0, 5)


def test_closing_a_stored_tree_writes_nothing() -> None:
    lons, lats, _ = _points(3_000, 4)
    offsets, blob = build_rtree_pages(ecef_m(lons, lats))
    before = blob.tobytes()
    reads: list[tuple[int, int]] = []

    def read(begin: int, end: int) -> bytes:
        reads.append((begin, end))
        return blob[begin:end].tobytes()

    tree = open_rtree(RtreePages(offsets, read))
    assert len(list(tree.nearest((0.0, 0.0, 0.0, 0.0, 0.0, 0.0), 3))) == 3
    tree.close()
    del tree
    gc.collect()
    assert reads and blob.tobytes() == before


def test_a_published_sidecar_opens_its_tree_without_building_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_synthetic(tmp_path, 20_000, seed=5, version="s20k")
    sidecar = published_dir(tmp_path) / "s20k" / PACKED_NAME
    digest = hashlib.sha256(sidecar.read_bytes()).hexdigest()

    def no_build(*_: object) -> None:
        raise AssertionError("the tree was rebuilt although the sidecar stores it")

    monkeypatch.setattr(index_module, "_bulk_loaded_rtree", no_build)
    catalogue = Catalogue.build(load_version(tmp_path, "s20k"))
    dataset = catalogue.dataset
    keys = np.array(list(dataset.ids))
    query_lons, query_lats = china_like_points(40, 6)
    for lon, lat in zip(query_lons.tolist(), query_lats.tolist(), strict=True):
        brute = brute_force_nearest(dataset.lons, dataset.lats, keys, lon, lat, 10)
        assert catalogue.nearest(lon, lat, 10).positions.tolist() == brute.positions.tolist()
    del catalogue, dataset
    gc.collect()
    assert hashlib.sha256(sidecar.read_bytes()).hexdigest() == digest


def test_a_page_that_cannot_be_read_fails_the_query_and_the_process_lives_on() -> None:
    lons, lats, keys = _points(2_000, 7)
    offsets, blob = build_rtree_pages(ecef_m(lons, lats))
    reads = 0

    def failing_read(begin: int, end: int) -> bytes:
        nonlocal reads
        reads += 1
        if reads > 1:  # the header reads, the first node does not
            raise OSError("disk went away")
        return blob[begin:end].tobytes()

    index = PointIndex(lons, lats, keys, stored_rtree=RtreePages(offsets, failing_read))
    with pytest.raises(RTreeError, match="page"):
        index.nearest(110.0, 30.0, 5)
