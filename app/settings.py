"""Service settings, read from XUNQIN_* environment variables (or passed in by tests)."""

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    opentelemetry: bool = Field(
        default=False,
        description="Let FastAPI's OpenTelemetry hooks trace and measure requests, for a process "
        "started with OpenTelemetry providers. Off: the service has its own /metrics and JSON "
        "logs, and the hooks look up the global providers on every request (about 5 µs of a "
        "/nearest's worker CPU, docs/benchmarks-history.md).",
    )
    log_client_address: bool = Field(
        default=False,
        description="Put the client address in access log lines. Off: an address can identify "
        "a person looking for family; turn on only where the operator must keep it.",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for /admin/* (XUNQIN_ADMIN_TOKEN); unset or empty disables "
        "the admin endpoints (they answer 404).",
    )
    rate_limit_per_s: float = Field(
        default=0.0,
        ge=0,
        le=100_000,
        description="Requests per second each client address may make, per worker "
        "(token bucket); 0 turns rate limiting off.",
    )
    rate_limit_burst: int = Field(
        default=30, ge=1, le=100_000, description="Requests a client may make at once."
    )
    rate_limit_clients: int = Field(
        default=50_000,
        ge=100,
        le=10_000_000,
        description="Most client addresses remembered per worker; the idlest are forgotten.",
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Origins allowed to call the API from a browser, comma-separated "
        "(e.g. https://a.example,https://b.example); empty: no CORS headers.",
    )
    gzip_minimum_bytes: int = Field(
        default=32_768,
        ge=0,
        le=1 << 30,
        description="Gzip JSON answers of at least this many bytes for clients that accept it "
        "(0 = never). Smaller answers are sent as they are: compressing a /nearest answer "
        "costs more server time than it saves on a fast link (bench/compression.py).",
    )
    max_body_bytes: int = Field(
        default=65_536,
        ge=1024,
        le=16 * 1024 * 1024,
        description="Largest request body accepted (POST /nearest/batch), in bytes.",
    )

    @field_validator("admin_token", mode="before")
    @classmethod
    def _empty_token_disables(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("admin_token")
    @classmethod
    def _token_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # A short token can be guessed; refuse it rather than run with it.
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("admin_token must be at least 16 characters (or empty to disable)")
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value
