"""What every messaging channel (Telegram, WhatsApp) shares.

- ``inbound``: customer text escaping, media turns, masked ids for logs.
- ``outbox``: the persisted outbox and its retrying, per-conversation ordered worker.
- ``channel``: ``MessagingInput``, the base input channel — durable inbox (exactly once),
  background processing in order per conversation, recovery on start, relay to the desk.
"""
