"""Security headers for every response, and the optional CORS allow-list.

The web page (app/page.py) sends its own Content-Security-Policy, which lets it load its
script and style; a response that already names a header keeps its own value.
"""

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from app.settings import Settings

# API answers are JSON: nothing in them may load, run or be framed.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# The page asks for the phone's location itself; nothing else, and no embedded frame, may.
PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    (b"content-security-policy", API_CONTENT_SECURITY_POLICY.encode()),
)


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` (raw ASGI, lower-case names) plus each security header it does not set itself.

    >>> page = [(b"content-security-policy", b"default-src 'self'")]
    >>> [v for k, v in with_security_headers(page) if k == b"content-security-policy"]
    [b"default-src 'self'"]
    """
    present = {name for name, _ in headers}
    return headers + [header for header in SECURITY_HEADERS if header[0] not in present]


def install_cors(app: FastAPI, settings: Settings) -> None:
    """Let the listed browser origins call the API; nothing at all when the list is empty."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["content-type", "x-request-id"],
        expose_headers=["x-request-id", "retry-after"],
        allow_credentials=False,  # the API has no cookies; admin uses a bearer token
        max_age=600,
    )
