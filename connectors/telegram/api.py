"""``TelegramApi``: the Bot API client the Telegram channel sends through.

One injected ``aiohttp.ClientSession`` with explicit timeouts; every call goes through
``call``, which raises ``TelegramApiError`` carrying the API's ``error_code`` and
``parameters.retry_after``. The token is part of the URL, so URLs are never logged or put into
error messages.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional

import aiohttp

from connectors.messaging.outbox import SendOutcome

DEFAULT_API_URL = "https://api.telegram.org"


class TelegramApiError(Exception):
    """A Bot API call failed; ``error_code`` is None for network errors and timeouts."""

    def __init__(
        self, error_code: Optional[int], description: str, retry_after: Optional[float] = None
    ) -> None:
        super().__init__(f"{error_code}: {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def outcome(self) -> SendOutcome:
        """Classify for the outbox: 429 honours retry_after, 5xx/network back off, else fail."""
        if self.error_code == 429:
            return SendOutcome.later(str(self), retry_after=self.retry_after)
        if self.error_code is None or self.error_code >= 500:
            return SendOutcome.later(str(self))
        return SendOutcome.failed(str(self))


class TelegramApi:
    """Calls Bot API methods for one bot."""

    def __init__(self, token: str, session: aiohttp.ClientSession, api_url: str = DEFAULT_API_URL):
        self._base = f"{api_url.rstrip('/')}/bot{token}"
        self._session = session

    async def call(self, method: str, body: Dict[str, Any]) -> Any:
        """Call ``method`` with a JSON body; return its ``result`` or raise TelegramApiError."""
        try:
            async with self._session.post(f"{self._base}/{method}", json=body) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = None
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise TelegramApiError(None, f"network error ({type(error).__name__})") from None
        if not isinstance(answer, dict):
            raise TelegramApiError(status, "the Bot API answered without JSON")
        if answer.get("ok") is True:
            return answer.get("result")
        parameters = answer.get("parameters") or {}
        raise TelegramApiError(
            int(answer.get("error_code") or status),
            str(answer.get("description") or "no description"),
            retry_after=parameters.get("retry_after"),
        )
