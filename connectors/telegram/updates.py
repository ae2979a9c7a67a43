"""Reading Telegram ``Update`` objects (https://core.telegram.org/bots/api#update).

Decisions (docs/channels.md):

- private chat → conversation ``telegram:<chat id>``; the customer's ``language_code`` goes to
  the message metadata as ``language`` (it feeds routing), their ``first_name`` and optional
  ``last_name`` as ``customer_name`` (the agent's inbox and the context package show it). The
  sender is ``message.from``, of a button press ``callback_query.from`` (the message pressed
  on is the bot's own).
- groups, supergroups and channels → not served: a polite notice ("please write to me
  directly") and no Rasa turn, so nobody's handoff is discussed in front of a group.
- ``message`` with text → the text, escaped (``/start`` is the Telegram client's own greeting
  and is read as the ``greet`` intent).
- ``message`` with anything else the bot cannot read (photo, voice, sticker, poll, checklist,
  game, story, giveaway, invoice, ... and fields added to the Bot API since; one table in
  ``connectors.telegram.content``) → ``/send_media{"media_kind": ...}`` with ``metadata.media``
  = kind, file id, mime type, caption. Service messages (pins, chat settings, topics, ...) →
  ignored.
- ``callback_query`` (a button pressed) → its ``callback_data``, marked as a press: it may
  carry an intent only if a domain button carries it (``messaging.button_payloads``).
- ``edited_message``, ``message_reaction`` and every other update type → acknowledged and
  ignored: re-running a turn for an edit or an emoji would confuse the customer.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

from connectors.messaging.inbound import (
    InboundTurn,
    MalformedDelivery,
    escape_customer_text,
    media_turn_text,
)
from connectors.telegram.content import UNKNOWN_KIND, message_media, unknown_fields
from handoff.context import CUSTOMER_NAME_KEY, customer_display_name

logger = logging.getLogger(__name__)

CONVERSATION_PREFIX = "telegram:"
GROUP_NOTICE = (
    "Hi! I can only help in a private chat, so nothing about your order is shared here. "
    "Please send me a direct message."
)


def conversation_id(chat_id: Any) -> str:
    """Return the conversation id of a private chat."""
    return f"{CONVERSATION_PREFIX}{chat_id}"


def chat_id_of(conversation: str) -> str:
    """Return the chat id of a conversation id."""
    return conversation[len(CONVERSATION_PREFIX) :]


def parse_update(update: Any) -> List[InboundTurn]:
    """Return the turn of one Update ([] for ignored update types)."""
    update_id = update.get("update_id") if isinstance(update, dict) else None
    # bool is an int in Python, but `"update_id": false` is no Telegram Update
    if not _integer(update_id):
        raise MalformedDelivery("not a Telegram Update: an object with an integer update_id")
    kind = next((kind for kind in HANDLED_UPDATES if kind in update), None)
    if kind is None:
        return []  # edited_message, message_reaction, my_chat_member, ...: ignored
    turn = _READERS[kind](str(update["update_id"]), _object(update, kind))
    return [turn] if turn else []


def _object(parent: Dict[str, Any], name: str) -> Dict[str, Any]:
    value = parent.get(name)
    if not isinstance(value, dict):
        raise MalformedDelivery(f"{name} must be an object")
    return value


def _chat(message: Dict[str, Any]) -> Dict[str, Any]:
    chat = _object(message, "chat")
    if not _integer(chat.get("id")) or not isinstance(chat.get("type"), str):
        raise MalformedDelivery("message.chat needs an integer id and a type")
    return chat


def _metadata(update_key: str, message: Dict[str, Any], sender: Any) -> Dict[str, Any]:
    metadata: Dict[str, Any] = {
        "telegram": {"update_id": int(update_key), "message_id": message.get("message_id")}
    }
    if not isinstance(sender, dict):
        return metadata
    if sender.get("language_code"):
        metadata["language"] = str(sender["language_code"])
    name = customer_display_name(sender.get("first_name"), sender.get("last_name"))
    if name:
        metadata[CUSTOMER_NAME_KEY] = name
    return metadata


def _sent_at(message: Dict[str, Any]) -> Optional[datetime]:
    date = message.get("date")
    return (
        datetime.fromtimestamp(date, timezone.utc)
        if isinstance(date, int) and _integer(date)
        else None
    )


def _integer(value: Any) -> bool:
    """Whether ``value`` is a JSON integer (not ``true``/``false``, which Python counts)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _message_turn(key: str, message: Dict[str, Any]) -> Optional[InboundTurn]:
    chat = _chat(message)
    conversation = conversation_id(chat["id"])
    if chat["type"] != "private":
        return InboundTurn(key, conversation, action="notice", text=GROUP_NOTICE)
    metadata = _metadata(key, message, message.get("from"))
    if isinstance(message.get("text"), str):
        text = message["text"]
        command = text.split(maxsplit=1)[0] if text.strip() else ""
        text = "/greet" if command in ("/start", "/start@") else escape_customer_text(text)
        sent_at = _sent_at(message)
        return InboundTurn(key, conversation, text=text, metadata=metadata, sent_at=sent_at)
    media = message_media(message)
    if media is None:
        return None  # service messages (pinned, auto-delete timer set, ...)
    if media["kind"] == UNKNOWN_KIND:
        logger.info("telegram: message with unknown content %s", unknown_fields(message))
    metadata["media"] = media
    return InboundTurn(
        key, conversation, text=media_turn_text(media["kind"]), metadata=metadata,
        sent_at=_sent_at(message),
    )  # fmt: skip


def _callback_turn(key: str, query: Dict[str, Any]) -> Optional[InboundTurn]:
    message = query.get("message")
    if not isinstance(message, dict) or not isinstance(query.get("id"), str):
        return None  # a button of an inline-mode message: not ours
    chat = _chat(message)
    conversation = conversation_id(chat["id"])
    extra = {"callback_query_id": query["id"]}
    if chat["type"] != "private":
        return InboundTurn(key, conversation, action="notice", text=GROUP_NOTICE, extra=extra)
    data = query.get("data")
    if not isinstance(data, str) or not data:
        return InboundTurn(key, conversation, action="ignore", extra=extra)
    metadata = _metadata(key, message, query.get("from"))
    # A modified client can send any callback_data: screened as a press before Rasa sees it.
    return InboundTurn(key, conversation, text=data, metadata=metadata, extra=extra, button=True)


_READERS: Dict[str, Callable[[str, Dict[str, Any]], Optional[InboundTurn]]] = {
    "message": _message_turn,
    "callback_query": _callback_turn,
}
HANDLED_UPDATES: Tuple[str, ...] = tuple(_READERS)
"""The Update types the channel acts on, in the order ``parse_update`` looks for them.

``python -m ops.channels register telegram`` passes them as ``setWebhook``'s
``allowed_updates``, so Telegram does not deliver the types the channel would only ignore.
"""
