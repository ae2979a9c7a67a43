"""A fake Telegram Bot API (https://core.telegram.org/bots/api): records every call.

``POST /bot<token>/<method>`` with a JSON body; answers ``{"ok": true, "result": ...}`` like
the real API, and ``{"ok": false, "error_code": 401, ...}`` for a wrong token or 400 for a
sendMessage without chat_id/text. ``setWebhook``/``deleteWebhook`` keep the webhook that
``getWebhookInfo`` reports (https://core.telegram.org/bots/api#webhookinfo); tests set
``pending_update_count`` and ``last_error`` to what Telegram would report.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any, Dict, List, Optional, Tuple

from tests.fakes.recording_server import Call, RecordingServer

BOT_ID = 7000001


class FakeTelegramApi(RecordingServer):
    def __init__(self, token: str) -> None:
        self.token = token
        self._message_ids = itertools.count(100)
        self.webhook: Dict[str, Any] = {"url": ""}
        self.pending_update_count = 0
        self.last_error: Optional[Tuple[int, str]] = None  # (unix time, message)
        super().__init__()

    @staticmethod
    def method_of(call: Call) -> str:
        return call.path.rsplit("/", 1)[-1]

    def answer(self, call: Call) -> Tuple[int, Any]:
        prefix, _, method = call.path.lstrip("/").partition("/")
        if prefix != f"bot{self.token}":
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        body = call.body if isinstance(call.body, dict) else {}
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": BOT_ID, "is_bot": True, "username": "nw_bot"}}
        if method == "setWebhook":
            return self._set_webhook(body)
        if method == "deleteWebhook":
            self.webhook = {"url": ""}
            if body.get("drop_pending_updates"):
                self.pending_update_count = 0
            return 200, {"ok": True, "result": True, "description": "Webhook was deleted"}
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": self._webhook_info()}
        if method == "answerCallbackQuery":
            return 200, {"ok": True, "result": True}
        if method in ("sendMessage", "sendPhoto"):
            if "chat_id" not in body or not (body.get("text") or body.get("photo")):
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message text is empty",
                }
            if "reply_markup" in body and not _valid_markup(body["reply_markup"]):
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: can't parse reply keyboard markup JSON object",
                }
            result = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(body["chat_id"]), "type": "private"},
                "text": body.get("text"),
            }
            return 200, {"ok": True, "result": result}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _set_webhook(self, body: Dict[str, Any]) -> Tuple[int, Any]:
        """The documented checks: an HTTPS URL, a secret of 1-256 ``[A-Za-z0-9_-]``, 1-100."""
        problem = None
        if not str(body.get("url") or "").startswith("https://"):
            problem = "bad webhook: An HTTPS URL must be provided for webhook"
        elif "secret_token" in body and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", str(body["secret_token"])
        ):
            problem = "secret token contains unallowed characters"
        elif not 1 <= int(body.get("max_connections", 40)) <= 100:
            problem = "bad webhook: max_connections must be between 1 and 100"
        if problem:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"}
        self.webhook = dict(body)
        return 200, {"ok": True, "result": True, "description": "Webhook was set"}

    def _webhook_info(self) -> Dict[str, Any]:
        info: Dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": self.pending_update_count,
        }
        if info["url"]:
            info["max_connections"] = self.webhook.get("max_connections", 40)
            if "allowed_updates" in self.webhook:
                info["allowed_updates"] = self.webhook["allowed_updates"]
            info["ip_address"] = "203.0.113.7"
        if self.last_error:
            info["last_error_date"], info["last_error_message"] = self.last_error
        return info

    def sent_to(self, chat_id: int) -> List[Call]:
        """Successful sendMessage calls to ``chat_id``, in order."""
        return self.calls_where(
            lambda c: self.method_of(c) == "sendMessage"
            and c.answered == 200
            and str((c.body or {}).get("chat_id")) == str(chat_id)
        )

    def texts_to(self, chat_id: int) -> List[str]:
        return [c.body["text"] for c in self.sent_to(chat_id)]

    def wait_for_texts(self, chat_id: int, count: int = 1, timeout: float = 60) -> List[str]:
        self.wait_for(
            lambda c: self.method_of(c) == "sendMessage"
            and c.answered == 200
            and str((c.body or {}).get("chat_id")) == str(chat_id),
            count,
            timeout,
        )
        return self.texts_to(chat_id)


def _valid_markup(markup: Any) -> bool:
    """One of the documented ``reply_markup`` objects, with buttons of the documented shape.

    InlineKeyboardMarkup (buttons with ``text`` and ``callback_data`` of 1-64 bytes or
    ``url``), ReplyKeyboardMarkup (``keyboard`` of KeyboardButtons with ``text``),
    ReplyKeyboardRemove or ForceReply.
    """
    if not isinstance(markup, dict):
        return False
    kinds = [k for k in ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")
             if k in markup]  # fmt: skip
    if len(kinds) != 1:
        return False
    if kinds[0] in ("remove_keyboard", "force_reply"):
        return markup[kinds[0]] is True
    rows = markup[kinds[0]]
    rows = rows if isinstance(rows, list) else []
    buttons = [b for row in rows if isinstance(row, list) for b in row]
    if not buttons or not all(isinstance(b, dict) and b.get("text") for b in buttons):
        return False
    if kinds[0] == "keyboard":
        return all(isinstance(markup.get(k, False), bool)
                   for k in ("is_persistent", "resize_keyboard", "one_time_keyboard"))  # fmt: skip
    return all(
        b.get("url") or 1 <= len(str(b.get("callback_data") or "").encode()) <= 64 for b in buttons
    )
