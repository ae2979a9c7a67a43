"""``JsonApi``: the one call path of the kit's outbound JSON-over-HTTP clients.

The agent desk's API (``desk_api``) and the external help desk's (``helpdesk``) are both
"send a JSON body, read a JSON answer, treat anything else as the API not doing the work".
Every call goes through :meth:`JsonApi.call` on an injected ``aiohttp.ClientSession`` (default:
the running loop's shared one, :mod:`handoff.clients.sessions`) with explicit connect and read
timeouts, and every failure is one typed :class:`~handoff.clients.errors.ApiError` carrying
the HTTP status and the reason. Nothing here blocks the event loop.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Mapping, Optional, Type

import aiohttp

from handoff.clients.errors import (
    CONNECT_TIMEOUT,
    CONNECTION_ERROR,
    INVALID_JSON,
    READ_TIMEOUT,
    ApiError,
)
from handoff.clients.sessions import loop_session

ERROR_BODY_CHARS = 200  # how much of an error answer is kept as its reason


class JsonApi:
    """Calls one JSON API.

    Args:
        api: who is called, in the product's words; names the API in error messages.
        base_url: the API's root; paths are appended to it (a trailing slash is ignored).
        timeout: seconds to wait to connect (including for a pooled connection) and, once
            connected, for each read of the answer - like ``requests``' ``(connect, read)``.
        session: the aiohttp session to call through; None: the running loop's shared one.
        headers: sent with every call (e.g. a bearer token).
        auth: HTTP basic auth sent with every call.
        error: the ``ApiError`` subclass raised, so callers can tell the APIs apart.
    """

    def __init__(
        self,
        api: str,
        base_url: str,
        *,
        timeout: float,
        session: Optional[aiohttp.ClientSession] = None,
        headers: Optional[Mapping[str, str]] = None,
        auth: Optional[aiohttp.BasicAuth] = None,
        error: Type[ApiError] = ApiError,
    ) -> None:
        self.api = api
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=None, connect=timeout, sock_read=timeout)
        self._session = session
        self._headers = dict(headers or {})
        self._auth = auth
        self._error = error

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        """Send ``body`` as JSON to ``path``; return the decoded JSON answer of a 2xx.

        Raises:
            ApiError (``error``): status None on connection errors and time-outs; the status
                and the start of the answer on a non-2xx; ``INVALID_JSON`` on a 2xx whose body
                is not JSON.
        """
        session = self._session or loop_session()
        try:
            async with session.request(
                method,
                f"{self._base_url}{path}",
                json=body,
                headers=self._headers,
                auth=self._auth,
                timeout=self._timeout,
            ) as response:
                status = response.status
                raw = await response.read()
                charset = response.charset or "utf-8"
        except asyncio.TimeoutError as problem:
            raise self._error(self.api, None, _timeout_kind(problem)) from problem
        except aiohttp.ClientConnectionError as problem:
            raise self._error(self.api, None, CONNECTION_ERROR) from problem
        except aiohttp.ClientError as problem:
            raise self._error(self.api, None, type(problem).__name__) from problem
        if not 200 <= status < 300:
            raise self._error(self.api, status, _text(raw, charset)[:ERROR_BODY_CHARS])
        try:
            return json.loads(raw)
        except ValueError:  # also UnicodeDecodeError
            raise self._error(self.api, status, INVALID_JSON) from None


def _timeout_kind(problem: asyncio.TimeoutError) -> str:
    """Tell a connect time-out from a read time-out (aiohttp raises ServerTimeoutError for both)."""
    return CONNECT_TIMEOUT if str(problem).startswith("Connection timeout") else READ_TIMEOUT


def _text(raw: bytes, charset: str) -> str:
    try:
        return raw.decode(charset, errors="replace")
    except LookupError:  # an unknown charset in Content-Type
        return raw.decode("utf-8", errors="replace")
