"""The knowledge-base gap list: kinds kept apart, the customers' own questions, masked, as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from handoff.analytics.kb_gaps import learn_next, learn_next_csv
from handoff.privacy.log_masking import PiiMasker

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def _handoff(n: int, intent: str, *turns: str, reason: str = "low_confidence") -> dict:
    transcript = [{"sender": "customer", "text": text, "intent": intent} for text in turns]
    transcript.insert(1, {"sender": "bot", "text": "Let me get someone."})
    transcript.append({"sender": "customer", "text": "yes please", "intent": "affirm"})
    return {
        "conversation_id": f"c{n}",
        "reason": reason,
        "created_at": T0 + timedelta(minutes=n),
        "context": {"intent": {"name": intent}, "signals": [], "transcript": transcript},
    }


HANDOFFS = [
    _handoff(1, "gift_card", "Can I pay with a gift card from the Berlin store?"),
    _handoff(2, "gift_card", "is my giftcard valid online"),
    _handoff(3, "gift_card", "CAN I PAY WITH A GIFT CARD FROM THE BERLIN STORE?"),  # a repeat
    _handoff(4, "out_of_scope", "can you book me a taxi to the airport"),
    _handoff(5, "nlu_fallback", "my order 48213377 arrived scratched, mail jane@example.com"),
    _handoff(6, "refund_request", "I want a refund", reason="sensitive_topic"),  # by design
]


def test_out_of_scope_and_fallback_are_kept_apart_from_the_topics_to_learn():
    rows = learn_next(HANDOFFS)
    assert [(row["kind"], row["topic"], row["handoffs"]) for row in rows] == [
        ("topic", "gift_card", 3),
        ("out_of_scope", "out_of_scope", 1),
        ("fallback", "nlu_fallback", 1),
    ]


def test_each_gap_shows_the_customers_questions_newest_first_without_repeats_or_answers():
    (gift_card, *_) = learn_next(HANDOFFS)
    assert gift_card["examples"] == [
        "CAN I PAY WITH A GIFT CARD FROM THE BERLIN STORE?",
        "is my giftcard valid online",
    ]


def test_examples_are_masked():
    fallback = [row for row in learn_next(HANDOFFS) if row["kind"] == "fallback"][0]
    (example,) = fallback["examples"]
    assert "48213377" not in example and "jane@example.com" not in example
    assert example == "my order <order …77> arrived scratched, mail j…@example.com"


def test_at_most_five_examples_and_long_questions_are_cut():
    many = [_handoff(n, "delivery_slot", f"question number {n} " + "x" * 300) for n in range(8)]
    (row,) = learn_next(many, masker=PiiMasker())
    assert len(row["examples"]) == 5
    assert all(len(example) == 200 and example.endswith("…") for example in row["examples"])


def test_the_csv_export_has_one_line_per_gap_and_cannot_run_as_a_formula():
    rows = learn_next(HANDOFFS + [_handoff(9, "gift_card", '=HYPERLINK("http://x")')])
    table = list(csv.DictReader(io.StringIO(learn_next_csv(rows))))
    assert [(line["kind"], line["topic"], line["handoffs"]) for line in table] == [
        ("topic", "gift_card", "4"),
        ("out_of_scope", "out_of_scope", "1"),
        ("fallback", "nlu_fallback", "1"),
    ]
    assert table[0]["example_1"] == '\'=HYPERLINK("http://x")'
    assert table[0]["reasons"] == "low_confidence 4"
    assert table[1]["example_1"] == "can you book me a taxi to the airport"
    assert table[1]["example_2"] == ""
