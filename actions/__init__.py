"""Rasa SDK actions of the handoff kit (thin adapters over the ``handoff`` core).

``rasa run actions`` imports this package when the action server starts, so this is the action
server's composition root: it reads ``handoff.yml`` once (``actions.settings``; a missing or
invalid file stops the server with a message naming the file and the key, instead of failing
in a customer conversation) and masks e-mail addresses, order numbers (the configured pattern)
and phone numbers in the action server's logs.
"""

from actions.settings import handoff_settings
from handoff.privacy.log_masking import install_log_masking

install_log_masking(handoff_settings().intake.order_number_pattern)
