"""Rasa SDK actions of the handoff kit (thin adapters over the ``handoff`` core).

Importing the package validates ``handoff.yml``, so the action server refuses to start with a
message naming the wrong key instead of failing in a customer conversation.
"""

from actions.settings import handoff_settings

handoff_settings()
