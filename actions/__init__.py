"""Rasa SDK actions of the handoff kit (thin adapters over the ``handoff`` core).

Importing the package validates ``handoff.yml``, so the action server refuses to start with a
message naming the wrong key instead of failing in a customer conversation. It also masks
e-mail addresses, order numbers and phone numbers in the action server's logs.
"""

from actions.settings import handoff_settings
from handoff.privacy.log_masking import install_log_masking

handoff_settings()
install_log_masking()
