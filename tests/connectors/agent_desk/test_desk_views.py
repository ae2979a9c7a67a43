"""The live transcript the desk shows, built from real Rasa events."""

from __future__ import annotations

from rasa.shared.core.events import BotUttered, UserUttered

from connectors.agent_desk.views import transcript_view


def test_transcript_names_agents_and_skips_external_intents() -> None:
    events = [
        UserUttered("I want a human", {"name": "human_handoff", "confidence": 0.9},
                    parse_data={"intent": {"name": "human_handoff"},
                                "frustration": {"score": 0.2}},
                    metadata={"media": {"kind": "photo", "id": "p1"}}),
        BotUttered("One moment."),
        BotUttered("Anna from our team has joined the chat.",
                   metadata={"handoff_agent": {"id": "a1", "name": "Anna"}, "kind": "joined"}),
        UserUttered("EXTERNAL: handback", {"name": "handback"}),
    ]  # fmt: skip

    turns = transcript_view(events)

    assert [(t["sender"], t["text"]) for t in turns] == [
        ("customer", "I want a human"),
        ("bot", "One moment."),
        ("agent", "Anna from our team has joined the chat."),
    ]
    assert turns[0]["intent"] == "human_handoff"
    assert turns[0]["frustration"] == 0.2
    assert turns[0]["media"] == {"kind": "photo", "id": "p1"}
    assert turns[2]["agent"] == {"id": "a1", "name": "Anna"}
    assert "agent" not in turns[1]
