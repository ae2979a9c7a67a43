"""Signals read from one customer message, framework-free.

Frustration (``frustration`` cues, the learned ``affect`` and the fitted ``frustration_model``),
the bot's uncertainty (``uncertainty``), an explicit request for a person (``explicit_request``)
and intake values (``intake``, ``intake_matcher``). The NLU components in ``custom_components/``
wrap them; the trigger policy (``handoff.policy``) weighs them.
"""
