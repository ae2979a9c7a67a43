"""Security headers on every answer of the desk: the web inbox and the API.

- ``Content-Security-Policy``: the inbox loads only its own scripts, styles and images and talks
  only to its own origin; no plugins, no ``<base>``, and no framing at all
  (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older browsers), so another
  site cannot overlay the inbox to trick an agent into clicking.
- ``X-Content-Type-Options: nosniff``: a customer's upload is never run as a script or page.
- ``Referrer-Policy: no-referrer``: links an agent follows do not reveal the desk's URLs.
- ``Cache-Control: no-store`` on the API: its answers hold customers' personal data and agents'
  tokens, which neither the browser nor a proxy may keep. The inbox's static files may be
  cached (they hold nothing personal).
"""

from __future__ import annotations

from sanic.request import Request
from sanic.response import HTTPResponse

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def add_security_headers(request: Request, response: HTTPResponse) -> None:
    """Set the headers above on ``response`` (a Sanic response middleware)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if "/api/" in request.path:
        response.headers["Cache-Control"] = "no-store"
