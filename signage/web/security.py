"""Security headers on every response: CSP without inline script, no framing, no sniffing."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

# Inline styles stay allowed (templates set widths and colours in style attributes); inline
# script does not: every script is a static file of the console.
_CONSOLE_CSP = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
HSTS = "max-age=31536000; includeSubDomains"


def _csp() -> str:
    host = request.host
    return "; ".join((*_CONSOLE_CSP, f"connect-src 'self' ws://{host} wss://{host}"))


def add_security_headers(resp: Response) -> Response:
    """Headers every page, API answer and file gets (the /player pages keep their stricter CSP)."""
    headers = resp.headers
    headers.setdefault("Content-Security-Policy", _csp())
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["SIGNAGE"].session_cookie_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return resp


def init_app(app: Flask) -> None:
    """Add the headers after every request, whatever blueprint answered."""
    app.after_request(add_security_headers)
