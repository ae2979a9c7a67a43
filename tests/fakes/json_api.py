"""An in-loop aiohttp fake of a JSON API: answers what the test scripts, records what arrived.

Run it inside the test's event loop (``async with FakeJsonApi(...) as api``); ``api.url`` is
its root. Each request gets ``status`` and ``body`` after ``delay`` seconds; ``body`` may be a
JSON value or raw ``bytes`` (for non-JSON answers).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from aiohttp import web


@dataclass
class Received:
    method: str
    path: str
    headers: Dict[str, str]
    body: Any


class FakeJsonApi:
    def __init__(self, status: int = 200, body: Any = None, delay: float = 0.0) -> None:
        self.status = status
        self.body = {} if body is None else body
        self.delay = delay
        self.received: List[Received] = []
        self._runner: Optional[web.AppRunner] = None
        self.url = ""

    async def _answer(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.received.append(
            Received(
                request.method,
                request.path_qs,
                dict(request.headers),
                json.loads(raw) if raw else None,
            )
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if isinstance(self.body, bytes):
            return web.Response(status=self.status, body=self.body, content_type="text/html")
        return web.json_response(self.body, status=self.status)

    async def __aenter__(self) -> FakeJsonApi:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, shutdown_timeout=0.1)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_: Any) -> None:
        assert self._runner is not None
        await self._runner.cleanup()
