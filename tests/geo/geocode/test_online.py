"""The provider table, make_placer's configuration checks, pacing, and the precision labels."""

import time

import pytest

from geo.core.crs import Crs
from geo.geocode.amap import amap_precision
from geo.geocode.baidu import baidu_precision
from geo.geocode.base import GeocodeQuery, Placer, precision_rank
from geo.geocode.nominatim import nominatim_precision
from geo.geocode.registry import PROVIDERS, GeocoderConfigError, make_placer, provider_named
from geo.geocode.tencent import tencent_precision
from geo.geocode.tianditu import tianditu_precision
from tests.geo.geocode.conftest import ProviderServer, Reply, placer_for


def test_table_names_every_provider_with_its_datum_and_key_variable() -> None:
    assert {name: (p.crs, p.key_variable) for name, p in PROVIDERS.items()} == {
        "amap": (Crs.GCJ02, "XUNQIN_AMAP_KEY"),
        "tianditu": (Crs.WGS84, "XUNQIN_TIANDITU_KEY"),  # CGCS2000
        "tencent": (Crs.GCJ02, "XUNQIN_TENCENT_KEY"),
        "baidu": (Crs.BD09, "XUNQIN_BAIDU_KEY"),
        "nominatim": (Crs.WGS84, "XUNQIN_NOMINATIM_USER_AGENT"),
    }


def test_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(GeocoderConfigError, match="amap, baidu, nominatim, tencent, tianditu"):
        provider_named("google")


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_missing_key_names_the_variable(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(GeocoderConfigError, match=PROVIDERS[name].key_variable):
        make_placer(name, environ={PROVIDERS[name].key_variable: "  "})
    # The process environment is read when none is given.
    monkeypatch.setenv(PROVIDERS[name].key_variable, "from-the-environment")
    placer = make_placer(name)
    assert placer.name == name
    conforming: Placer = placer
    assert conforming.name == name


def test_bad_settings_are_refused() -> None:
    environ = {"XUNQIN_AMAP_KEY": "k"}
    with pytest.raises(GeocoderConfigError, match="timeout_s"):
        make_placer("amap", environ=environ, timeout_s=0)
    with pytest.raises(GeocoderConfigError, match="max_retries"):
        make_placer("amap", environ=environ, max_retries=-1)


def test_requests_are_paced_by_min_delay(provider_server: ProviderServer) -> None:
    provider_server.replies(
        Reply({"status": "1", "info": "OK", "infocode": "10000", "geocodes": []})
    )
    placer = placer_for("amap", provider_server, min_delay_seconds=0.15)
    started = time.monotonic()
    for number in range(3):
        assert placer.place(GeocodeQuery(f"示例地址{number}")) is None
    # Three requests, at least two delays between them.
    assert time.monotonic() - started >= 0.3
    assert len(provider_server.requests) == 3


# Every provider's words for a division-level match: whatever else, never "poi" or "exact".
COARSE_ANSWERS = [
    (amap_precision, {"level": "市"}),
    (amap_precision, {"level": "区县"}),
    (amap_precision, {"level": "省"}),
    (amap_precision, {"level": "开发区"}),
    (tencent_precision, {"level": 1, "reliability": 9}),
    (tencent_precision, {"level": 2, "reliability": 9}),
    (baidu_precision, {"level": "城市", "precise": 1, "confidence": 100}),
    (baidu_precision, {"level": "区县", "precise": 1, "confidence": 100}),
    (tianditu_precision, {"level": "市"}),
    (nominatim_precision, {"addresstype": "city", "place_rank": 16}),
    (nominatim_precision, {"place_rank": 12}),
    # Answers with no recognisable level at all.
    (amap_precision, {}),
    (tencent_precision, {}),
    (baidu_precision, {}),
    (tianditu_precision, {}),
    (nominatim_precision, {}),
]


@pytest.mark.parametrize(("precision", "raw"), COARSE_ANSWERS)
def test_division_answers_are_labelled_coarse(precision: object, raw: dict[str, object]) -> None:
    label = precision(raw)  # type: ignore[operator]
    assert precision_rank(label) >= precision_rank("county")
