"""The live-agent desk: the channel where people take conversations over.

Configured in credentials.yml as ``connectors.agent_desk.AgentDeskInput``; served under
``/webhooks/agent_desk/``. The channel (and with it Rasa) is imported on first use, so the
desk's Rasa-free parts (views, auth) load without starting TensorFlow.
"""

from typing import Any

__all__ = ["AgentDeskInput"]


def __getattr__(name: str) -> Any:
    if name == "AgentDeskInput":
        from connectors.agent_desk.channel import AgentDeskInput

        return AgentDeskInput
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
