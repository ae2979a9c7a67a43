"""``GET /webhooks/agent_desk/metrics``: the process's Prometheus metrics, in the text format.

What it serves is the process's private registry (``connectors.services``): the store's
figures, read from the handoff store during the scrape (``handoff.analytics.metrics``, the
same on every replica) and this process's own latencies and turn counts
(``connectors.messaging.latency``, ``handoff_process_*``). docs/metrics.md lists them all.

Only the desk's service token may read it (``Authorization: Bearer <api_token>``, what an
operator's Prometheus holds), checked before anything is read: missing → 401, any other token
— an agent's login, the action server's token, a wrong one — → 403. Queue lengths and
backlogs are operators' business, and a scrape reads the store, so nobody else may trigger
one. The store is read in a worker thread, so a slow store never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import secrets

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, raw

from connectors.agent_desk.auth import bearer_token, unauthorised
from connectors.agent_desk.http import error

METRICS_PATH = "/metrics"


def is_service_token(token: str, service_token: str) -> bool:
    """Tell whether ``token`` is the service token, in constant time (any bytes may come)."""
    try:
        return secrets.compare_digest(token.encode(), service_token.encode())
    except UnicodeEncodeError:  # header bytes that are not UTF-8: not our token
        return False


def register_metrics_route(
    desk: Blueprint, registry: CollectorRegistry, service_token: str
) -> None:
    """Add ``GET /metrics`` serving ``registry`` to the service token (module docstring)."""

    @desk.get(METRICS_PATH)
    async def metrics(request: Request) -> HTTPResponse:
        token = bearer_token(request)
        if token is None:
            return unauthorised("missing bearer token (Authorization: Bearer <token>)")
        if not is_service_token(token, service_token):
            return error("the metrics are for the desk's service token only", 403)
        body = await asyncio.to_thread(generate_latest, registry)
        return raw(body, content_type=CONTENT_TYPE_PLAIN_0_0_4)  # what generate_latest writes
