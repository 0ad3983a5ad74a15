"""The SQLite geocode cache: reruns ask nothing, errors are not stored, a killed writer is safe."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from geopy.exc import GeocoderQuotaExceeded

from geo.geocode.base import GeocodeQuery, Placement
from geo.pipeline.cache import SCHEMA_VERSION, CachedPlacer, CacheError, GeocodeCache
from tests.geo.geocode.conftest import ProviderServer, Reply, Request, placer_for

REPO = Path(__file__).resolve().parents[3]


def amap_like(request: Request) -> Reply:
    address = request.params["address"]
    if "无此" in address:
        return Reply(
            {"status": "1", "info": "OK", "infocode": "10000", "count": "0", "geocodes": []}
        )
    item = {
        "formatted_address": address,
        "adcode": "430104",
        "location": "112.944162,28.225014",
        "level": "兴趣点",
    }
    return Reply(
        {"status": "1", "info": "OK", "infocode": "10000", "count": "1", "geocodes": [item]}
    )


QUERIES = [
    GeocodeQuery("岳麓区示例路1号", province="湖南省", city="长沙市"),
    GeocodeQuery("岳麓区示例路2号", province="湖南省", city="长沙市"),
    GeocodeQuery("无此地址", province="湖南省"),
]


def test_rerun_makes_zero_requests(provider_server: ProviderServer, tmp_path: Path) -> None:
    provider_server.respond = amap_like
    path = tmp_path / "geocode.sqlite"
    with GeocodeCache(path) as cache:
        placer = CachedPlacer(placer_for("amap", provider_server), cache)
        first = [placer.place(query) for query in QUERIES]
        assert (placer.hits, placer.misses) == (0, 3)
    assert len(provider_server.requests) == 3
    assert first[2] is None and first[0] is not None

    with GeocodeCache(path) as cache:
        placer = CachedPlacer(placer_for("amap", provider_server), cache)
        # The same records again, written a little differently: still the same cache entries.
        again = [placer.place(query) for query in QUERIES]
        again.append(
            placer.place(GeocodeQuery("岳麓区示例路１号 ", province="湖南省", city="长沙市"))
        )
        assert (placer.hits, placer.misses) == (4, 0)
        assert (cache.hits, cache.misses) == (4, 0)
    assert len(provider_server.requests) == 3  # nothing asked on the rerun
    assert again[:3] == first and again[3] == first[0]
    assert again[0] is not None and again[0].raw["adcode"] == "430104"


def test_errors_are_not_stored(provider_server: ProviderServer, tmp_path: Path) -> None:
    provider_server.replies(
        Reply({"status": "0", "info": "DAILY_QUERY_OVER_LIMIT", "infocode": "10003"})
    )
    with GeocodeCache(tmp_path / "c.sqlite") as cache:
        placer = CachedPlacer(placer_for("amap", provider_server), cache)
        with pytest.raises(GeocoderQuotaExceeded):
            placer.place(QUERIES[0])
        assert cache.count() == 0
        provider_server.respond = amap_like  # the next day
        assert placer.place(QUERIES[0]) is not None
        assert cache.count("amap") == 1
    assert len(provider_server.requests) == 2


def test_providers_do_not_share_answers(tmp_path: Path) -> None:
    placement = Placement(112.9, 28.2, "poi", "amap", "示例")
    with GeocodeCache(tmp_path / "c.sqlite") as cache:
        cache.store("amap", "示例地址", placement)
        assert cache.lookup("tencent", "示例地址") is None
        cached = cache.lookup("amap", "示例地址")
        assert cached is not None and cached.placement == placement


def test_future_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    GeocodeCache(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(CacheError, match="newer than this program"):
        GeocodeCache(path)


def test_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CacheError, match="not a usable geocode cache"):
        GeocodeCache(path)


WRITER = """
import sys
from geo.geocode.base import Placement
from geo.pipeline.cache import GeocodeCache

cache = GeocodeCache(sys.argv[1])
number = 0
while True:
    placement = Placement(112.9, 28.2, "poi", "amap", "示例", raw={"n": number})
    cache.store("amap", f"示例地址{number}", placement)
    number += 1
    if number == 50:
        print("ready", flush=True)
"""


def test_killed_mid_write_leaves_a_usable_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.2)  # let it write on, then kill it wherever it is
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        if writer.stdout is not None:
            writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    with GeocodeCache(path) as cache:
        stored = cache.count()
        assert stored >= 50
        with sqlite3.connect(path) as check:
            assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        check.close()
        # Every committed answer is readable, and the cache takes new ones.
        for number in range(stored):
            answer = cache.lookup("amap", f"示例地址{number}")
            assert answer is not None and answer.placement is not None
            assert answer.placement.raw == {"n": number}
        cache.store("amap", "新地址", None)
        assert cache.count() == stored + 1
