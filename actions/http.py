"""The action server's HTTP session: one aiohttp session per event loop, closed on stop.

Actions call the desk through :class:`handoff.clients.desk_api.DeskClient`, which by default
uses the running loop's shared session (:mod:`handoff.clients.sessions`): opened by the first
action run that calls out, reused by every later one (no handshake per run), never created at
import.
rasa_sdk has no "server stopped" hook for actions, so :func:`attach_http_session` is called by
the action server plugin (``rasa_sdk_plugins``) and closes the session in Sanic's
``after_server_stop``, once the last action run has finished.
"""

from __future__ import annotations

from typing import Any

from sanic import Sanic

from handoff.clients.sessions import close_loop_session


def attach_http_session(app: Sanic) -> None:
    """Close the shared session when the action server ``app`` stops (each worker's own)."""

    async def close_http_session(*_: Any) -> None:
        await close_loop_session()

    app.register_listener(close_http_session, "after_server_stop")
