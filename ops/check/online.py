"""``--online``: the channel APIs accept the configured tokens, and Telegram delivers to us.

Through the channels' own clients (``TelegramApi``, ``GraphApi``) with the configured
``api_url``. Problems: a token or phone number id the platform refuses, an API that cannot be
reached, a Telegram bot without a webhook, a webhook registered for a list of update types
that leaves out some the channel handles (those updates never arrive: re-register), and
updates piling up at Telegram behind a failing webhook (pending updates with a last error).
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import aiohttp

from connectors.telegram.api import DEFAULT_API_URL as TELEGRAM_API_URL
from connectors.telegram.api import TelegramApi, TelegramApiError
from connectors.telegram.updates import HANDLED_UPDATES
from connectors.whatsapp.api import DEFAULT_API_URL as GRAPH_API_URL
from connectors.whatsapp.api import GraphApi, GraphApiError
from ops.channels import CHANNELS, telegram, whatsapp
from ops.check.files import ConfigFile
from ops.check.problems import Problem, Report

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)
TELEGRAM, WHATSAPP = CHANNELS["telegram"][0], CHANNELS["whatsapp"][0]


def check_channel_apis(credentials: ConfigFile) -> Report:
    """Call each configured messaging channel's API once (a channel not configured is skipped)."""
    return asyncio.run(_check(credentials))


async def _check(credentials: ConfigFile) -> Report:
    report = Report([], [])
    async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
        section = credentials.sections.get(TELEGRAM)
        if isinstance(section, dict) and section.get("access_token"):
            report.extend(await _telegram(credentials.name, section, session))
        section = credentials.sections.get(WHATSAPP)
        if isinstance(section, dict) and section.get("access_token"):
            report.extend(await _whatsapp(credentials.name, section, session))
    return report


async def _telegram(file: str, section: Dict[str, Any], session: aiohttp.ClientSession) -> Report:
    api_url = str(section.get("api_url") or TELEGRAM_API_URL)
    api = TelegramApi(str(section["access_token"]), session, api_url)
    try:
        await api.call("getMe", {})
        info = await telegram.status(api)
    except TelegramApiError as error:
        key = f"{TELEGRAM}.access_token"
        return Report(
            [Problem(file, key, f"the Bot API refused the token or failed ({error})")], []
        )
    problems: List[Problem] = []
    if not info.get("url"):
        fix = "no webhook registered: python -m ops.channels register telegram --url https://..."
        problems.append(Problem(file, TELEGRAM, fix))
    elif _missing_updates(info):
        problems.append(
            Problem(
                file,
                TELEGRAM,
                f"the webhook leaves out {', '.join(_missing_updates(info))}, which the channel "
                "handles: python -m ops.channels register telegram --url ...",
            )
        )
    elif info.get("pending_update_count") and info.get("last_error_message"):
        problems.append(
            Problem(
                file,
                TELEGRAM,
                f"{info['pending_update_count']} updates wait at Telegram; its last delivery "
                f"failed: {info['last_error_message']}",
            )
        )
    return Report(problems, [] if problems else ["Telegram Bot API accepts the token"])


def _missing_updates(info: Dict[str, Any]) -> List[str]:
    """Return the handled update types the webhook's ``allowed_updates`` leaves out.

    An absent list leaves out none: Telegram's default delivers every type the channel handles.
    """
    allowed = info.get("allowed_updates")
    return [kind for kind in HANDLED_UPDATES if allowed and kind not in allowed]


async def _whatsapp(file: str, section: Dict[str, Any], session: aiohttp.ClientSession) -> Report:
    phone_number_id = str(section.get("phone_number_id") or "")
    api_url = str(section.get("api_url") or GRAPH_API_URL)
    api = GraphApi(str(section["access_token"]), phone_number_id, session, api_url)
    try:
        await whatsapp.check(api, phone_number_id)
    except GraphApiError as error:
        key = f"{WHATSAPP}.phone_number_id" if error.code == 100 else f"{WHATSAPP}.access_token"
        return Report([Problem(file, key, f"the Graph API refused it ({error})")], [])
    return Report([], ["WhatsApp Graph API accepts the token and phone number id"])
