"""The messaging channels for operators: which ones ``make run`` turns on, and their webhooks.

- :mod:`ops.channels.environment`: a channel is on when its environment variables are set;
  ``make run`` writes ``var/credentials.yml`` from them (re-exported here, as before).
- :mod:`ops.channels.config`: one channel's credentials as the Rasa server would read them.
- :mod:`ops.channels.telegram`: register, show and remove the Telegram webhook.
- :mod:`ops.channels.whatsapp`: verify the WhatsApp token and phone number id.
- :mod:`ops.channels.cli`: ``python -m ops.channels register telegram --url https://...``,
  ``status telegram``, ``unregister telegram``, ``check whatsapp``.
"""

from ops.channels.environment import (
    CHANNELS,
    enabled_channels,
    missing_variables,
    webhook_lines,
    write_credentials,
)

__all__ = [
    "CHANNELS",
    "enabled_channels",
    "missing_variables",
    "webhook_lines",
    "write_credentials",
]
