"""What a Telegram ``Message`` carries when it is not text (https://core.telegram.org/bots/api#message).

Every private message is one of three things:

- **content the bot cannot read** (a row of ``MESSAGE_KINDS``, or a field Telegram added after
  this table was written) → ``media`` with the kind the customer hears about ("I can't see that
  poll"); the bot answers ``utter_media_unsupported``, during a handoff the agent sees the kind.
  A field nobody here knows becomes the kind ``message``: the customer said *something*, and
  an answer is better than silence.
- **a service message** (``SERVICE_FIELDS``: the chat's settings, pins, topics, video chats,
  giveaway bookkeeping, the bot's own refunds, ...) → ignored: nobody said anything to answer.
- **only envelope fields** (``ENVELOPE_FIELDS``: ids, sender, date, reply/forward information,
  text formatting) → ignored: there is nothing in it.

Text is read before this module is asked (``updates._message_turn``). A new kind is one line
in ``MESSAGE_KINDS``; a new service message one word in ``SERVICE_FIELDS``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

UNKNOWN_KIND = "message"
"""The kind of a message whose content field is in none of the tables."""

MESSAGE_KINDS: Tuple[Tuple[str, str], ...] = (
    # (Message field, kind the customer hears about), first match wins: ``animation``
    # messages carry ``document`` too, ``venue`` messages carry ``location`` too.
    ("photo", "photo"),
    ("voice", "voice message"),
    ("video_note", "video message"),
    ("video", "video"),
    ("animation", "GIF"),
    ("audio", "audio file"),
    ("document", "document"),
    ("sticker", "sticker"),
    ("paid_media", "paid photo or video"),
    ("story", "story"),
    ("location", "location"),
    ("venue", "location"),
    ("contact", "contact card"),
    ("poll", "poll"),
    ("checklist", "checklist"),
    ("dice", "dice"),
    ("game", "game"),
    ("giveaway", "giveaway"),
    ("giveaway_winners", "giveaway result"),
    ("invoice", "invoice"),
    ("successful_payment", "payment"),
    ("passport_data", "Telegram Passport data"),
    ("web_app_data", "mini app data"),
    ("users_shared", "shared contact"),
    ("chat_shared", "shared chat"),
    ("gift", "gift"),
    ("unique_gift", "gift"),
)

FILE_FIELDS = frozenset(
    {"photo", "voice", "video_note", "video", "animation", "audio", "document", "sticker"}
)
"""The kinds whose object carries a ``file_id`` (``photo``: a list of sizes, largest last)."""

SERVICE_FIELDS = frozenset(
    {
        "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo",
        "delete_chat_photo", "group_chat_created", "supergroup_chat_created",
        "channel_chat_created", "message_auto_delete_timer_changed", "migrate_to_chat_id",
        "migrate_from_chat_id", "pinned_message", "refunded_payment", "connected_website",
        "write_access_allowed", "proximity_alert_triggered", "boost_added",
        "chat_background_set", "checklist_tasks_done", "checklist_tasks_added",
        "direct_message_price_changed", "paid_message_price_changed", "forum_topic_created",
        "forum_topic_edited", "forum_topic_closed", "forum_topic_reopened",
        "general_forum_topic_hidden", "general_forum_topic_unhidden", "giveaway_created",
        "giveaway_completed", "video_chat_scheduled", "video_chat_started",
        "video_chat_ended", "video_chat_participants_invited", "suggested_post_approved",
        "suggested_post_approval_failed", "suggested_post_declined", "suggested_post_paid",
        "suggested_post_refunded", "chat_owner_left", "chat_owner_changed",
    }
)  # fmt: skip
"""Service messages: a change to the chat, not something the customer said to the bot."""

ENVELOPE_FIELDS = frozenset(
    {
        "message_id", "message_thread_id", "direct_messages_topic", "from", "sender_chat",
        "sender_boost_count", "sender_business_bot", "date", "business_connection_id", "chat",
        "forward_origin", "forward_from", "forward_from_chat", "forward_from_message_id",
        "forward_signature", "forward_sender_name", "forward_date", "is_topic_message",
        "is_automatic_forward", "reply_to_message", "external_reply", "quote",
        "reply_to_story", "reply_to_checklist_task_id", "via_bot", "edit_date",
        "has_protected_content", "is_from_offline", "is_paid_post", "media_group_id",
        "author_signature", "paid_star_count", "text", "entities", "link_preview_options",
        "suggested_post_info", "effect_id", "caption", "caption_entities",
        "show_caption_above_media", "has_media_spoiler", "reply_markup",
    }
)  # fmt: skip
"""Fields about a message (who, when, in reply to what, how formatted), not its content."""

_KNOWN = frozenset(field for field, _ in MESSAGE_KINDS) | SERVICE_FIELDS | ENVELOPE_FIELDS


def message_media(message: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """Return the ``media`` metadata of a message without text (None: nothing to answer).

    The result is ``{kind, id, mime_type, caption}`` (+ ``latitude``/``longitude`` for a
    location): ``id`` is the Bot API ``file_id`` of a file, None for other kinds.
    """
    for field, kind in MESSAGE_KINDS:
        if message.get(field) is not None:
            return _media(kind, message, field)
    if unknown_fields(message):
        return _media(UNKNOWN_KIND, message, None)
    return None  # a service message, or nothing but envelope fields


def unknown_fields(message: Dict[str, Any]) -> List[str]:
    """Return the message's fields that none of the tables names (sorted, for logs)."""
    return sorted(field for field in message if field not in _KNOWN)


def _media(kind: str, message: Dict[str, Any], field: Optional[str]) -> Dict[str, Any]:
    value = message.get(field) if field else None
    item = value[-1] if isinstance(value, list) and value else value  # largest photo
    item = item if isinstance(item, dict) else {}
    media: Dict[str, Any] = {
        "kind": kind,
        "id": item.get("file_id") if field in FILE_FIELDS else None,
        "mime_type": item.get("mime_type") if field in FILE_FIELDS else None,
        "caption": message.get("caption"),
    }
    if field in ("location", "venue"):
        location = item.get("location", item)
        location = location if isinstance(location, dict) else {}
        media["latitude"] = location.get("latitude")
        media["longitude"] = location.get("longitude")
    return media
