"""Service settings, read from XUNQIN_* environment variables (or passed in by tests)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


class Settings(BaseSettings):
    """Every knob of the running service; see README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="XUNQIN_", frozen=True, extra="forbid")

    data_dir: Path = Field(
        default=REPO_DATA_DIR,
        description="Directory holding published/CURRENT and published/<version>/.",
    )
    default_n: int = Field(default=5, ge=1, le=50, description="Results when n is not given.")
    max_n: int = Field(default=50, ge=1, le=1000, description="Largest n a caller may ask for.")
    max_radius_m: float = Field(
        default=2_000_000.0, gt=0, le=20_100_000, description="Largest radius_m allowed."
    )
    max_batch: int = Field(
        default=100, ge=1, le=1000, description="Most queries in one POST /nearest/batch."
    )
    max_query_length: int = Field(
        default=1024, ge=64, le=65536, description="Longest query string accepted, in bytes."
    )
    reload_interval_s: float = Field(
        default=5.0,
        ge=0,
        le=3600,
        description="How often each worker checks published/CURRENT for a new version and "
        "swaps it in (0 = only on POST /admin/reload or restart).",
    )
    access_log: bool = Field(
        default=False,
        description="Log one line per request; coordinates are rounded to 0.01 degree (~1 km). "
        "Off by default: it costs about a third of a /nearest request (bench/http_throughput).",
    )
