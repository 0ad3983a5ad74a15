"""A real HTTP server on 127.0.0.1 standing in for an online geocoder, counting its requests;
and the offline geocoder the reading tests share."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from geo.geocode.offline import OfflineGeocoder


@pytest.fixture(scope="session")
def geocoder() -> OfflineGeocoder:
    """One offline geocoder for every test that reads addresses (its tables load once)."""
    return OfflineGeocoder()


@dataclass(frozen=True)
class Request:
    path: str
    params: dict[str, str]
    user_agent: str = ""


@dataclass(frozen=True)
class Reply:
    body: Any  # JSON-serialisable, or str sent as is
    status: int = 200
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


Responder = Callable[[Request], Reply]


@dataclass
class ProviderServer:
    """Answers every GET with `respond(request)`; `requests` records what it was asked."""

    domain: str  # host:port, what the geocoders take as `domain`
    respond: Responder = lambda request: Reply({}, status=404)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def replies(self, *replies: Reply) -> None:
        """Answer with these in turn, then repeat the last one."""
        queue = list(replies)

        def respond(request: Request) -> Reply:
            return queue.pop(0) if len(queue) > 1 else queue[0]

        self.respond = respond


def _handler(server_state: ProviderServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            request = Request(parts.path, params, self.headers.get("User-Agent", ""))
            with server_state.lock:
                server_state.requests.append(request)
                reply = server_state.respond(request)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
            data = body.encode("utf-8")
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def provider_server() -> Iterator[ProviderServer]:
    state = ProviderServer(domain="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.domain = f"127.0.0.1:{httpd.server_address[1]}"
    # A short poll interval: shutdown() waits up to one interval.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def placer_for(name: str, server: ProviderServer, key: str = "test-key", **options: Any) -> Any:
    """make_placer aimed at the loopback server, with short waits so tests stay fast."""
    from geo.geocode.registry import PROVIDERS, make_placer

    settings: dict[str, Any] = {
        "min_delay_seconds": 0.0,
        "backoff_s": 0.01,
        "timeout_s": 2.0,
        "max_retries": 2,
    }
    settings.update(options)
    return make_placer(
        name,
        domain=server.domain,
        scheme="http",
        environ={PROVIDERS[name].key_variable: key},
        **settings,
    )
