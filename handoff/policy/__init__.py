"""The trigger policy: when the bot hands a conversation to a person, and why.

Framework-free: it reads the tracker's events as plain dicts (what rasa_sdk's
``tracker.events`` holds, including the NLU's ``frustration`` and ``bot_uncertainty`` parse
data) and returns a :class:`PolicyDecision` — one primary :class:`~handoff.reasons.HandoffReason`
or None, the action (hand over, offer a person, or carry on), and every signal behind it.
See :mod:`handoff.policy.engine` for the priority order.
"""

from handoff.policy.engine import PRIORITY, PolicyAction, PolicyDecision, evaluate
from handoff.policy.signals import SignalName
from handoff.policy.turns import OFFER_METADATA_KEY
from handoff.settings.policy import PolicySettings

__all__ = [
    "OFFER_METADATA_KEY",
    "PRIORITY",
    "PolicyAction",
    "PolicyDecision",
    "PolicySettings",
    "SignalName",
    "evaluate",
]
