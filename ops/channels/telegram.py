"""Register, show and remove the Telegram webhook (Bot API ``setWebhook``/``getWebhookInfo``).

Every call goes through the channel's own client (:class:`connectors.telegram.api.TelegramApi`),
so the configured ``api_url`` applies and failures are ``TelegramApiError`` with the API's
code; the token is part of the URL and appears in no output.

What ``register`` sends, and why:

- ``secret_token``: the channel's ``secret_token`` credential. Telegram sends it in
  ``X-Telegram-Bot-Api-Secret-Token`` with every delivery and the channel refuses deliveries
  without it (401) or with another one (403), so the two must be the same value.
- ``allowed_updates``: :data:`connectors.telegram.updates.HANDLED_UPDATES`, the update types
  the channel acts on; Telegram then does not deliver edits and reactions only to have them
  ignored.
- ``max_connections``: :data:`DEFAULT_MAX_CONNECTIONS` (Telegram's default is 40).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Dict, List
from urllib.parse import urlsplit

from connectors.telegram.api import TelegramApi
from connectors.telegram.updates import HANDLED_UPDATES
from ops.channels.config import require_https

DEFAULT_MAX_CONNECTIONS = 15
"""Simultaneous deliveries Telegram may open to the server.

Each delivery is one insert into the handoff store's inbox before it is answered, and one
replica's store pool holds at most 15 connections (5 plus 10 overflow, SQLAlchemy's default
for PostgreSQL and ``handoff.store.engine``'s for SQLite). More connections would only wait
for a pooled connection while Telegram waits for the answer; fewer leave updates pending in
Telegram for longer in a burst. Raise it (up to 100) with several replicas.
"""
MAX_CONNECTIONS_RANGE = range(1, 101)  # the Bot API's limits
TELEGRAM_PORTS = (443, 80, 88, 8443)  # the only ports Telegram delivers webhooks to
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def check_secret_token(secret_token: str) -> None:
    """Refuse a secret Telegram would reject, without showing it.

    Raises:
        ValueError: if it is not 1-256 characters of ``A-Z``, ``a-z``, ``0-9``, ``_``, ``-``.
    """
    if not _SECRET.fullmatch(secret_token):
        raise ValueError(
            "Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as secret_token "
            "(the configured value is not shown)"
        )


def check_webhook_url(url: str) -> None:
    """Refuse a URL Telegram would not deliver to: it needs HTTPS on 443, 80, 88 or 8443.

    Raises:
        ValueError: saying what is wrong with ``url``.
    """
    require_https(url)
    port = urlsplit(url).port
    if port is not None and port not in TELEGRAM_PORTS:
        raise ValueError(f"{url!r}: Telegram delivers only to ports 443, 80, 88 and 8443")


async def register(
    api: TelegramApi,
    url: str,
    secret_token: str,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    drop_pending_updates: bool = False,
) -> Dict[str, Any]:
    """Point the bot's webhook at ``url``; return ``getWebhookInfo`` afterwards.

    Raises:
        ValueError: the URL, secret or ``max_connections`` would be refused (nothing is sent).
        TelegramApiError: Telegram refused the webhook or could not be reached.
    """
    check_webhook_url(url)
    check_secret_token(secret_token)
    if max_connections not in MAX_CONNECTIONS_RANGE:
        raise ValueError(f"max_connections must be between 1 and 100 (got {max_connections})")
    await api.call(
        "setWebhook",
        {
            "url": url,
            "secret_token": secret_token,
            "allowed_updates": list(HANDLED_UPDATES),
            "max_connections": max_connections,
            "drop_pending_updates": drop_pending_updates,
        },
    )
    return await status(api)


async def status(api: TelegramApi) -> Dict[str, Any]:
    """Return the bot's ``WebhookInfo`` (url, pending_update_count, last_error_*, ...)."""
    info = await api.call("getWebhookInfo", {})
    return info if isinstance(info, dict) else {}


async def unregister(api: TelegramApi, drop_pending_updates: bool = False) -> Dict[str, Any]:
    """Remove the webhook (Telegram then keeps updates for ``getUpdates``); return the info."""
    await api.call("deleteWebhook", {"drop_pending_updates": drop_pending_updates})
    return await status(api)


def describe(info: Dict[str, Any]) -> List[str]:
    """Return ``WebhookInfo`` as lines for an operator: where, how much waits, what failed."""
    allowed = info.get("allowed_updates")
    kinds = ", ".join(allowed) if allowed else "Telegram's default (all but reactions, members)"
    lines = [
        f"  webhook          {info.get('url') or '(none registered)'}",
        f"  pending updates  {info.get('pending_update_count', 0)}",
        f"  last error       {_last_error(info)}",
        f"  allowed updates  {kinds}",
    ]
    if info.get("max_connections"):
        lines.append(f"  max connections  {info['max_connections']}")
    if info.get("url") and allowed and set(allowed) != set(HANDLED_UPDATES):
        lines.append(
            f"  note             the channel handles {', '.join(HANDLED_UPDATES)}; "
            "register again to match"
        )
    return lines


def _last_error(info: Dict[str, Any]) -> str:
    message = info.get("last_error_message")
    if not message:
        return "none"
    date = info.get("last_error_date")
    when = (
        datetime.fromtimestamp(date, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC: ")
        if isinstance(date, int)
        else ""
    )
    return f"{when}{message}"
