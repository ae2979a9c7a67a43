"""``GraphApi``: the WhatsApp Cloud API client for one business phone number.

``POST /<phone number id>/messages`` sends; ``GET /<phone number id>`` reads the number's
profile (``python -m ops.channels check whatsapp`` uses it to verify the token and the id).
One injected ``aiohttp.ClientSession`` with explicit timeouts; every call goes through
``_request``, which raises ``GraphApiError`` with the Graph API's ``error.code``. The token
travels in a header and is never put into error messages.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional

import aiohttp

from connectors.messaging.outbox import SendOutcome

DEFAULT_API_URL = "https://graph.facebook.com/v19.0"

# Graph/Cloud API error codes worth retrying: temporary errors and rate limits
# (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
RETRYABLE_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133016})
REENGAGEMENT_CODE = 131047  # "Re-engagement message": more than 24 hours since the customer wrote


class GraphApiError(Exception):
    """A Cloud API call failed; ``code`` is the Graph error code (None: network error)."""

    def __init__(self, status: Optional[int], code: Optional[int], message: str) -> None:
        super().__init__(f"{code if code is not None else status}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def outcome(self) -> SendOutcome:
        """Classify for the outbox: rate limits, 5xx and network errors retry; others fail."""
        if self.status is None or self.status == 429 or self.status >= 500:
            return SendOutcome.later(str(self))
        if self.code in RETRYABLE_CODES:
            return SendOutcome.later(str(self))
        return SendOutcome.failed(str(self))


class GraphApi:
    """Sends messages from one WhatsApp business phone number."""

    def __init__(
        self,
        access_token: str,
        phone_number_id: str,
        session: aiohttp.ClientSession,
        api_url: str = DEFAULT_API_URL,
    ) -> None:
        self._url = f"{api_url.rstrip('/')}/{phone_number_id}"
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._session = session

    async def send_message(self, body: Dict[str, Any]) -> Optional[str]:
        """Send one message body; return the message id (``wamid``) the API assigned."""
        answer = await self._request("POST", "/messages", body)
        messages = answer.get("messages") if isinstance(answer, dict) else None
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            return messages[0].get("id")
        return None

    async def phone_number(self) -> Dict[str, Any]:
        """Return the phone number's profile (``id``, ``display_phone_number``, ...).

        Answers only when the token may use this phone number id, so it verifies both.
        """
        answer = await self._request("GET", "")
        if not isinstance(answer, dict):
            raise GraphApiError(None, None, "the Graph API answered without a JSON object")
        return answer

    async def _request(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        url, headers = self._url + path, self._headers
        try:
            async with self._session.request(method, url, json=body, headers=headers) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = None
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise GraphApiError(None, None, f"network error ({type(error).__name__})") from None
        if 200 <= status < 300:
            return answer
        problem = answer.get("error") if isinstance(answer, dict) else None
        problem = problem if isinstance(problem, dict) else {}
        raise GraphApiError(
            status, problem.get("code"), str(problem.get("message") or f"HTTP {status}")
        )
