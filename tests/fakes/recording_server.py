"""A local HTTP server that records every call and can be told to fail the next N calls."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple


@dataclass
class Call:
    method: str
    path: str
    headers: Dict[str, str]
    body: Any
    at: float
    answered: int = 0


class RecordingServer:
    """Subclasses implement ``answer(call) -> (status, json body)``."""

    def __init__(self) -> None:
        self.calls: List[Call] = []
        self._failures: List[Tuple[int, Dict[str, Any]]] = []
        self._refusals: List[Tuple[Callable[[Call], bool], int, Dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                call = Call(self.command, self.path, dict(self.headers), body, time.monotonic())
                status, answer = server._dispatch(call)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, call: Call) -> Tuple[int, Any]:
        raise NotImplementedError

    def fail_next(self, count: int, status: int, body: Dict[str, Any]) -> None:
        """Answer the next ``count`` calls with ``status``/``body`` (recorded all the same)."""
        with self._lock:
            self._failures.extend([(status, body)] * count)

    def refuse_where(
        self, predicate: Callable[[Call], bool], status: int, body: Dict[str, Any]
    ) -> None:
        """Answer every call matching ``predicate`` with ``status``/``body`` (until
        ``stop_refusing``), recorded all the same."""
        with self._lock:
            self._refusals.append((predicate, status, body))

    def stop_refusing(self) -> None:
        """Answer every call normally again."""
        with self._lock:
            self._refusals.clear()

    def _dispatch(self, call: Call) -> Tuple[int, Any]:
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
            for predicate, status, body in self._refusals:
                if failure is None and predicate(call):
                    failure = (status, body)
        status, answer = failure if failure else self.answer(call)
        call.answered = status
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return status, answer

    def calls_where(self, predicate: Callable[[Call], bool]) -> List[Call]:
        with self._lock:
            return [call for call in self.calls if predicate(call)]

    def wait_for(
        self, predicate: Callable[[Call], bool], count: int = 1, timeout: float = 30
    ) -> List[Call]:
        """Wait until ``count`` recorded calls match; return them (raises on timeout)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matching = [call for call in self.calls if predicate(call)]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"only {len(matching)} of {count} expected calls within {timeout}s; "
                        f"recorded: {[(c.path, c.body) for c in self.calls[-10:]]}"
                    )
                self._changed.wait(remaining)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def quiet_for(server: RecordingServer, predicate: Callable[[Call], bool], seconds: float) -> int:
    """Wait ``seconds``; return how many matching calls arrived (for "nothing was sent")."""
    time.sleep(seconds)
    return len(server.calls_where(predicate))


def optional(value: Optional[Any]) -> Any:
    return value
