"""``ApiError``: the one error every outbound JSON API call of the kit raises.

Callers turn a failed call into a fallback (the action server's self-service answer, a failed
ticket forward that an agent can retry), so they need to know *that* the API did not do the
work and, for logs and the desk's views, the HTTP status and why - never a transport-specific
exception of the HTTP library.
"""

from __future__ import annotations

from typing import Optional

CONNECTION_ERROR = "ConnectionError"  # refused, reset, DNS: the request never got an answer
CONNECT_TIMEOUT = "ConnectTimeout"  # no connection within the timeout
READ_TIMEOUT = "ReadTimeout"  # connected, but no (complete) answer within the timeout
INVALID_JSON = "invalid JSON"  # a 2xx answer whose body is not JSON


class ApiError(RuntimeError):
    """A JSON API call failed.

    Attributes:
        api: who was called, in the product's words ("agent desk", "help desk").
        status: the HTTP status of the answer; None when no answer came (unreachable, timed
            out) or the call was not made (e.g. no credentials configured).
        reason: why: for a non-2xx answer the start of the API's own error body (its reason);
            for a transport failure one of ``CONNECTION_ERROR``, ``CONNECT_TIMEOUT``,
            ``READ_TIMEOUT`` or the HTTP library's error name; ``INVALID_JSON``; or a sentence
            for a call that was not made (which is then the whole message).
    """

    def __init__(self, api: str, status: Optional[int], reason: str) -> None:
        super().__init__(_describe(api, status, reason))
        self.api = api
        self.status = status
        self.reason = reason


def _describe(api: str, status: Optional[int], reason: str) -> str:
    if reason == INVALID_JSON:
        return f"{api} answered with invalid JSON"
    if status is not None:
        return f"{api} answered {status}: {reason}"
    if reason.isidentifier():  # CONNECTION_ERROR, a timeout, the HTTP library's error name
        return f"{api} unreachable: {reason}"
    return reason
