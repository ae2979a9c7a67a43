"""A real local HTTP server that answers like the agent desk's ``POST /api/handoffs``.

It records what reached it (path, headers, JSON body), so tests assert on what the action
server really sent, and it can answer an error or stall to exercise the fallback.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: Dict[str, str]
    body: Any


@dataclass
class FakeDesk:
    """Answers ``status`` with ``reply`` after ``delay`` seconds; records every request."""

    status: int = 201
    reply: Dict[str, Any] = field(
        default_factory=lambda: {
            "id": "h-0001",
            "status": "queued",
            "queue_position": 3,
            "created": True,
        }
    )
    delay: float = 0.0
    received: List[ReceivedRequest] = field(default_factory=list)
    _server: Optional[ThreadingHTTPServer] = None
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        assert self._server is not None, "start the desk first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/webhooks/agent_desk"

    def __enter__(self) -> FakeDesk:
        desk = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                desk.received.append(
                    ReceivedRequest(
                        "POST", self.path, dict(self.headers), json.loads(raw) if raw else None
                    )
                )
                if desk._stop.wait(desk.delay):
                    return  # shutting down: a stalled desk never answers
                payload = json.dumps(desk.reply).encode()
                self.send_response(desk.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting (time-out tests)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()


def closed_port_url() -> str:
    """A desk URL nobody listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/webhooks/agent_desk"
