"""Reading WhatsApp Cloud API webhooks (``whatsapp_business_account`` envelopes).

Decisions (docs/channels.md):

- conversation ``whatsapp:<wa_id>`` (the customer's WhatsApp id); the Cloud API has no group
  chats. Messages to another phone number id of the same app are ignored.
- the customer's profile name (``value.contacts[].profile.name`` of the contact whose
  ``wa_id`` is the message's ``from``) goes to the message metadata as ``customer_name`` (the
  agent's inbox and the context package show it); no matching contact, no name.
- ``text`` → the body, escaped; ``interactive`` ``button_reply``/``list_reply`` (a reply
  button pressed) → the reply id, marked as a press: it may carry an intent only if a domain
  button carries it (``messaging.button_payloads``); template quick-reply ``button`` → its
  text, escaped.
- image, audio/voice, video, document, sticker, location, contacts, order →
  ``/send_media{"media_kind": ...}`` with ``metadata.media`` (kind, media id, mime type,
  caption).
- a message WhatsApp could not hand over (type ``unsupported``/``unknown``/``errors``, or any
  message carrying ``errors`` such as 131051 "Message type unknown") → the same intent, named
  after the reported ``unsupported.type`` when we know it (``poll_creation`` → "poll", ``gif``
  → "GIF", ...), else "message"; so is any message that leaves nothing to read (an
  ``interactive`` reply other than a button/list reply, a type added since).
- ``reaction``, ``system`` (the customer changed number), ``request_welcome`` (a chat opened,
  nothing said), ``ephemeral``, and unsupported edits, pins, "keep in chat" and poll votes →
  acknowledged and ignored (no bot turn): nothing new was said.
- statuses: only ``failed`` matters — it marks our outbound message failed (desk event
  ``message.failed``); sent/delivered/read are acknowledged and ignored.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from connectors.messaging.inbound import (
    InboundTurn,
    MalformedDelivery,
    escape_customer_text,
    media_turn_text,
)
from handoff.context import CUSTOMER_NAME_KEY, customer_display_name

logger = logging.getLogger(__name__)

CONVERSATION_PREFIX = "whatsapp:"
MEDIA_KINDS = {
    "image": "photo",
    "video": "video",
    "document": "document",
    "sticker": "sticker",
    "location": "location",
    "contacts": "contact card",
    "order": "order",
    # what ``unsupported.type`` reports (an unknown report, or none, is a "message")
    "poll_creation": "poll",
    "gif": "GIF",
    "group_invite": "group invite",
    "link_preview": "link preview",
    "product": "product",
}
UNSUPPORTED_TYPES = frozenset({"unsupported", "unknown", "errors"})
IGNORED_TYPES = frozenset(
    {"reaction", "system", "request_welcome", "ephemeral"}
    | {"edit", "pin", "keep_in_chat", "poll_update"}  # reported by unsupported messages
)


def conversation_id(wa_id: str) -> str:
    """Return the conversation id of a WhatsApp user."""
    return f"{CONVERSATION_PREFIX}{wa_id}"


def wa_id_of(conversation: str) -> str:
    """Return the WhatsApp id of a conversation id."""
    return conversation[len(CONVERSATION_PREFIX) :]


def parse_envelope(body: Any, phone_number_id: str) -> List[InboundTurn]:
    """Return the turns of one webhook body (messages and failed statuses), in order."""
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
        raise MalformedDelivery(
            'not a WhatsApp webhook: "object" must be "whatsapp_business_account"'
        )
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise MalformedDelivery('"entry" must be a list')
    turns: List[InboundTurn] = []
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            raise MalformedDelivery('every entry needs a "changes" list')
        for change in changes:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise MalformedDelivery('every change needs a "value" object')
            if change.get("field") != "messages":
                continue
            turns.extend(_value_turns(change["value"], phone_number_id))
    return turns


def _value_turns(value: Dict[str, Any], phone_number_id: str) -> List[InboundTurn]:
    metadata = value.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise MalformedDelivery('"metadata" must be an object')
    if str(metadata.get("phone_number_id", phone_number_id)) != str(phone_number_id):
        return []  # another number of the same app
    turns = []
    names = _profile_names(value)
    for message in _list(value, "messages"):
        turn = _message_turn(message)
        if turn is not None:
            name = names.get(str(message.get("from")))
            if name:
                turn.metadata[CUSTOMER_NAME_KEY] = name
            turns.append(turn)
    for status in _list(value, "statuses"):
        if status.get("status") == "failed":
            turns.append(_failed_status_turn(status))
    return turns


def _list(value: Dict[str, Any], name: str) -> List[Dict[str, Any]]:
    items = value.get(name) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise MalformedDelivery(f'"{name}" must be a list of objects')
    return items


def _profile_names(value: Dict[str, Any]) -> Dict[str, str]:
    """Return the senders' profile names by ``wa_id`` (``contacts`` comes with ``messages``).

    A contact without a ``wa_id`` or a usable name is skipped rather than refused: the name
    is a courtesy to the agent, and the message must get its turn without it.
    """
    names: Dict[str, str] = {}
    contacts = value.get("contacts")
    for contact in contacts if isinstance(contacts, list) else []:
        contact = contact if isinstance(contact, dict) else {}
        profile = contact.get("profile")
        name = customer_display_name(profile.get("name")) if isinstance(profile, dict) else None
        if name and isinstance(contact.get("wa_id"), str):
            names[contact["wa_id"]] = name
    return names


def _sent_at(message: Dict[str, Any]) -> Optional[datetime]:
    try:
        return datetime.fromtimestamp(int(message["timestamp"]), timezone.utc)
    except (KeyError, TypeError, ValueError):
        return None


def _message_turn(message: Dict[str, Any]) -> Optional[InboundTurn]:
    sender, message_id, kind = message.get("from"), message.get("id"), message.get("type")
    if not isinstance(sender, str) or not isinstance(message_id, str) or not isinstance(kind, str):
        raise MalformedDelivery('every message needs string "from", "id" and "type"')
    reported = _reported_type(kind, message)
    if reported in IGNORED_TYPES:
        return None
    conversation = conversation_id(sender)
    metadata: Dict[str, Any] = {"whatsapp": {"message_id": message_id}}
    turn = InboundTurn(message_id, conversation, metadata=metadata, sent_at=_sent_at(message))
    found = message.get(kind)
    content: Dict[str, Any] = found if isinstance(found, dict) else {}
    if kind == "text":
        turn.text = escape_customer_text(str(content.get("body") or ""))
    elif kind == "interactive":
        reply = content.get("button_reply") or content.get("list_reply") or {}
        # A modified client can send any reply id: screened as a press before Rasa sees it.
        turn.button = bool(reply.get("id"))
        turn.text = str(reply.get("id") or escape_customer_text(str(reply.get("title") or "")))
    elif kind == "button":
        turn.text = escape_customer_text(str(content.get("text") or content.get("payload") or ""))
    if turn.text:
        return turn
    if message.get("errors"):
        logger.info("whatsapp: %s message not readable: %s", reported, _error_text(message))
    media = _media(reported, content)
    metadata["media"] = media
    turn.text = media_turn_text(media["kind"])
    return turn


def _reported_type(kind: str, message: Dict[str, Any]) -> str:
    """Return what the message is: its ``type``, or what an unsupported message reports."""
    if kind not in UNSUPPORTED_TYPES:
        return kind
    unsupported = message.get("unsupported")
    reported = unsupported.get("type") if isinstance(unsupported, dict) else None
    return reported if isinstance(reported, str) and reported else kind


def _error_text(message: Dict[str, Any]) -> str:
    errors = message.get("errors")
    error = errors[0] if isinstance(errors, list) and errors else {}
    error = error if isinstance(error, dict) else {}
    return f"{error.get('code', '?')} {error.get('title') or error.get('message') or ''}"


def _media(kind: str, content: Dict[str, Any]) -> Dict[str, Any]:
    if kind == "audio":
        label = "voice message" if content.get("voice") else "audio file"
    else:
        label = MEDIA_KINDS.get(kind, "message")
    media: Dict[str, Any] = {
        "kind": label,
        "id": content.get("id"),
        "mime_type": content.get("mime_type"),
        "caption": content.get("caption"),
    }
    if kind == "location":
        media["latitude"] = content.get("latitude")
        media["longitude"] = content.get("longitude")
    return media


def _failed_status_turn(status: Dict[str, Any]) -> InboundTurn:
    provider_id, recipient = status.get("id"), status.get("recipient_id")
    if not isinstance(provider_id, str) or not isinstance(recipient, str):
        raise MalformedDelivery('every status needs string "id" and "recipient_id"')
    errors = status.get("errors") or [{}]
    error = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    reason = f"WhatsApp reported the message failed: {error.get('code', '?')} " + str(
        error.get("title") or error.get("message") or "no reason given"
    )
    return InboundTurn(
        f"status:{provider_id}:failed",
        conversation_id(recipient),
        action="status",
        extra={"provider_message_id": provider_id, "reason": reason},
    )
