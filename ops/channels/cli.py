"""``python -m ops.channels``: register the messaging channels' webhooks and check their APIs.

    python -m ops.channels register telegram --url https://bot.example.com
    python -m ops.channels status telegram
    python -m ops.channels unregister telegram
    python -m ops.channels check whatsapp --url https://bot.example.com

The channel's settings come from ``--credentials`` (default: the project's credentials.yml)
plus the channels the environment turns on, exactly as ``make run`` passes them to Rasa
(:mod:`ops.channels.config`). Exit status 0 on success, 1 with one ``error:`` line on stderr
otherwise; no token is ever printed (the WhatsApp verify token is, because it has to be typed
into Meta's dashboard).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import aiohttp

from connectors.telegram.api import DEFAULT_API_URL as TELEGRAM_API_URL
from connectors.telegram.api import TelegramApi, TelegramApiError
from connectors.whatsapp.api import DEFAULT_API_URL as GRAPH_API_URL
from connectors.whatsapp.api import GraphApi, GraphApiError
from ops.channels import telegram, whatsapp
from ops.channels.config import channel_credentials, webhook_url
from ops.config_files import ConfigFileError
from ops.model import PROJECT_ROOT

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)
PUBLIC_URL_HELP = "the Rasa server's public https:// address, e.g. https://bot.example.com"


def parser() -> argparse.ArgumentParser:
    """Return the command line: one sub-command per operation, the channel as its argument."""
    main = argparse.ArgumentParser(
        prog="python -m ops.channels", description=__doc__.split("\n")[0]
    )
    main.add_argument(
        "--credentials",
        type=Path,
        default=PROJECT_ROOT / "credentials.yml",
        help="credentials file (default: the project's; TELEGRAM_*/WHATSAPP_* add channels)",
    )
    commands = main.add_subparsers(dest="command", required=True)
    register = commands.add_parser("register", help="point the Telegram webhook at this server")
    register.add_argument("channel", choices=["telegram"])
    register.add_argument("--url", required=True, help=PUBLIC_URL_HELP)
    register.add_argument(
        "--max-connections", type=int, default=telegram.DEFAULT_MAX_CONNECTIONS,
        help=f"simultaneous deliveries, 1-100 (default {telegram.DEFAULT_MAX_CONNECTIONS})",
    )  # fmt: skip
    register.add_argument("--drop-pending-updates", action="store_true")
    status = commands.add_parser("status", help="show the Telegram webhook (pending, last error)")
    status.add_argument("channel", choices=["telegram"])
    unregister = commands.add_parser("unregister", help="remove the Telegram webhook")
    unregister.add_argument("channel", choices=["telegram"])
    unregister.add_argument("--drop-pending-updates", action="store_true")
    check = commands.add_parser("check", help="verify the WhatsApp token and phone number id")
    check.add_argument("channel", choices=["whatsapp"])
    check.add_argument("--url", help=PUBLIC_URL_HELP)
    return main


def main(argv: Optional[List[str]] = None, env: Optional[Mapping[str, str]] = None) -> int:
    """Run one command; return the exit status (0 done, 1 failed)."""
    args = parser().parse_args(argv)
    environment = os.environ if env is None else env
    try:
        credentials = channel_credentials(args.channel, args.credentials, environment)
        lines = asyncio.run(_run(args, credentials))
    except (ConfigFileError, ValueError, TelegramApiError, GraphApiError) as error:
        print(f"error: {args.channel}: {_explain(error)}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


async def _run(args: argparse.Namespace, credentials: Dict[str, Any]) -> List[str]:
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
        if args.channel == "whatsapp":
            return await _check_whatsapp(args, credentials, session)
        api = TelegramApi(
            str(credentials["access_token"]),
            session,
            str(credentials.get("api_url") or TELEGRAM_API_URL),
        )
        if args.command == "register":
            url = webhook_url(args.url, "telegram")
            info = await telegram.register(
                api,
                url,
                str(credentials["secret_token"]),
                args.max_connections,
                args.drop_pending_updates,
            )
            return ["telegram: webhook registered", *telegram.describe(info)]
        if args.command == "unregister":
            info = await telegram.unregister(api, args.drop_pending_updates)
            return ["telegram: webhook removed", *telegram.describe(info)]
        return ["telegram:", *telegram.describe(await telegram.status(api))]


async def _check_whatsapp(
    args: argparse.Namespace, credentials: Dict[str, Any], session: aiohttp.ClientSession
) -> List[str]:
    phone_number_id = str(credentials["phone_number_id"])
    api = GraphApi(
        str(credentials["access_token"]),
        phone_number_id,
        session,
        str(credentials.get("api_url") or GRAPH_API_URL),
    )
    profile = await whatsapp.check(api, phone_number_id)
    callback = webhook_url(args.url or "https://<public host>", "whatsapp")
    return whatsapp.describe(profile, callback, str(credentials["verify_token"]))


def _explain(error: Exception) -> str:
    if isinstance(error, TelegramApiError) and error.error_code in (401, 404):
        return f"the Bot API refused the token ({error}); check access_token / TELEGRAM_TOKEN"
    if isinstance(error, GraphApiError) and error.code == 190:
        return f"the Graph API refused the token ({error}); check access_token / WHATSAPP_TOKEN"
    if isinstance(error, GraphApiError) and error.code == 100:
        return f"the Graph API refused the phone number id ({error}); check phone_number_id"
    return str(error)
