"""Names of the slots the handoff kit reads and writes (declared in domain.yml).

Shared by the actions and the agent desk, which resets the handoff slots on handback.
"""

HANDOFF_REASON = "handoff_reason"
HANDOFF_SIGNALS = "handoff_signals"
HANDOFF_ID = "handoff_id"
ORDER_NUMBER = "order_number"
EMAIL = "email"
INTAKE_DECLINED = "intake_declined"
REQUESTED_SLOT = "requested_slot"
HANDOFF_OUTCOME = "handoff_outcome"  # set by a handback: handoff.reasons.HandbackOutcome or None
HANDOFF_NOTE = "handoff_note"  # set by a handback: the agent's note for the bot, or None
# The customer's tier (e.g. ``enterprise``), set by an action that looked the customer up or by
# the designer; wins over the channel's ``customer_tier`` metadata. A project may not declare it.
CUSTOMER_TIER = "customer_tier"
LANGUAGE_SLOT = "language"  # the customer's language (handoff.language), set every turn

INTAKE_FORM = "handoff_intake_form"

HANDBACK_RESET = (HANDOFF_ID, HANDOFF_REASON, HANDOFF_SIGNALS, INTAKE_DECLINED)
"""Slots a handback clears, so the next handoff decides and asks afresh (intake values stay)."""
