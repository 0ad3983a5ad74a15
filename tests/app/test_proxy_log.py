"""The README's nginx access-log format, run in a real nginx in front of a real uvicorn: the
log names the path and status but no location, typed address or client address.

Needs nginx (Debian: nginx-light); skipped without it, except in CI where it must run.
"""

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from tests.support import REPO_DATA_DIR, free_port, live_server

README = REPO_DATA_DIR.parent / "README.md"
# Somebody's position and what they typed: none of it may reach the proxy's log.
LAT, LON, ADDRESS = "43.8171234", "125.3235678", "吉林省长春市朝阳区人民大街7188号"


def readme_log_format() -> tuple[str, str]:
    """(name, directive) of the log_format in the README's nginx example."""
    (block,) = re.findall(r"```nginx\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    match = re.search(r"log_format\s+(\w+)\s+(.*?);", block, re.S)
    assert match, "the README's nginx example has no log_format"
    return match[1], match[0]


def test_the_format_has_no_variable_that_holds_the_query_or_the_client():
    _, directive = readme_log_format()
    variables = set(re.findall(r"\$(\w+)", directive))
    assert "uri" in variables
    leaking = {"request", "request_uri", "args", "query_string", "remote_addr",
               "http_x_forwarded_for", "proxy_add_x_forwarded_for", "http_referer"}  # fmt: skip
    assert not variables & leaking
    assert not [v for v in variables if v.startswith("arg_")]


@pytest.fixture(scope="module")
def nginx() -> str:
    found = shutil.which("nginx") or shutil.which("/usr/sbin/nginx")
    if found is None:
        reason = "the proxy log test needs nginx (apt-get install nginx-light)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    settings = Settings(data_dir=REPO_DATA_DIR, reload_interval_s=0)
    with live_server(
        create_app(settings), proxy_headers=True, forwarded_allow_ips="127.0.0.1"
    ) as url:
        yield url


def test_nginx_with_the_readme_format_logs_no_location(nginx: str, app_url: str, tmp_path: Path):
    name, directive = readme_log_format()
    port = free_port()
    log = tmp_path / "access.log"
    for temp in ("body", "proxy"):
        (tmp_path / temp).mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"""
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log crit;
events {{ worker_connections 64; }}
http {{
    {directive}
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    server {{
        listen 127.0.0.1:{port};
        access_log {log} {name};
        location / {{
            proxy_pass {app_url};
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
""",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # its errors go to error.log
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error_log = (tmp_path / "error.log").read_text(errors="replace")
                    raise RuntimeError(f"nginx did not start: {error_log}") from None
                time.sleep(0.05)
        proxy = f"http://127.0.0.1:{port}"
        by_point = httpx.get(f"{proxy}/nearest", params={"lat": LAT, "lon": LON, "n": 1})
        by_address = httpx.get(f"{proxy}/nearest", params={"address": ADDRESS, "n": 1})
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert by_point.status_code == 200 and by_point.json()["results"]
    assert by_address.status_code in (200, 422)
    lines = log.read_text(encoding="utf-8").splitlines()
    nearest = [line for line in lines if " /nearest " in line]
    assert len(nearest) == 2 and " GET /nearest 200 " in nearest[0]  # what ops need to see
    text = "\n".join(lines)
    for secret in (LAT[:5], LON[:5], "lat=", "address", "%E5", "吉林", "127.0.0.1"):
        assert secret not in text, secret
