"""One ``aiohttp.ClientSession`` per event loop, shared by the kit's API clients in a process.

A session owns a connection pool and belongs to the event loop it was opened on, so it cannot
be created at import time or shared between loops. The servers (the action server, the Rasa
server with the agent desk) run one loop per process (per Sanic worker); the clients ask for
that loop's session on each call, it is opened on first use and the server closes it when it
stops (``rasa_sdk_plugins`` for the action server, the desk's ``after_server_stop`` listener).
Opening a session per action run would pay a new TCP (and TLS) handshake for every call.
"""

from __future__ import annotations

import asyncio
import weakref

import aiohttp

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = (
    weakref.WeakKeyDictionary()
)


def loop_session() -> aiohttp.ClientSession:
    """Return the running loop's shared session, opening it on first use.

    Must be called from a coroutine. Timeouts are set per request by the clients, so the
    session has none of its own.
    """
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        _forget_closed_loops()
        session = _sessions[loop] = aiohttp.ClientSession()
    return session


async def close_loop_session() -> None:
    """Close the running loop's shared session, if one was opened (on server stop)."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None:
        await session.close()


def _forget_closed_loops() -> None:
    """Drop sessions of loops that ended without closing them (a session keeps its loop alive)."""
    for loop in [loop for loop in list(_sessions.keys()) if loop.is_closed()]:
        _sessions.pop(loop, None)
