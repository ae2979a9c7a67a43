"""What every messaging platform's channel does the same way: check a webhook secret, hold a client.

Telegram proves a webhook with a secret header, WhatsApp with an HMAC of the body; both are
compared in constant time and refused the same way (missing → 401, wrong → 403). Each channel
talks to its platform over one aiohttp session opened when the server starts and closed when it
stops (a session belongs to the event loop that made it).
"""

from __future__ import annotations

import hmac
from typing import Optional

import aiohttp
from sanic.response import HTTPResponse

from connectors.messaging.channel import refuse

#: Bot API and Graph API calls answer within seconds; longer means the platform is down.
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)


def check_secret(
    given: Optional[str], expected: str, header: str, wrong: str
) -> Optional[HTTPResponse]:
    """Return ``None`` if ``given`` equals ``expected`` (constant time), else the refusal.

    ``header`` names what was missing (401); ``wrong`` says what did not match (403).
    ``surrogatepass``: a header that is not UTF-8 (Sanic keeps such bytes as surrogates) is
    simply a wrong secret, never an encoding error.
    """
    if not given:
        return refuse(f"missing {header}", 401)
    if not hmac.compare_digest(given.strip().encode(errors="surrogatepass"), expected.encode()):
        return refuse(wrong, 403)
    return None


class PlatformSession:
    """The channel's one HTTP session to its platform, opened at start and closed at stop."""

    def __init__(self) -> None:
        self._session: Optional[aiohttp.ClientSession] = None

    def open(self) -> aiohttp.ClientSession:
        """Open the session (call from the server's event loop)."""
        self._session = aiohttp.ClientSession(timeout=REQUEST_TIMEOUT)
        return self._session

    async def close(self) -> None:
        """Close the session if it was opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None
