"""Signals read from one customer message, framework-free.

Frustration (``frustration`` cues, the learned ``affect`` and the fitted ``frustration_model``),
the bot's uncertainty (``uncertainty``), an explicit request for a person (``explicit_request``)
and intake values (``intake``, ``intake_matcher``); read over the conversation, the turn that
states the customer's problem (``problem_turn``, quoted by the handoff summary). The NLU
components in ``custom_components/`` wrap them; the trigger policy (``handoff.policy``) weighs
them.
"""
