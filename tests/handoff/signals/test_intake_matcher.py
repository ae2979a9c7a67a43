"""The spaCy Matcher rules of the intake values, without Rasa."""

import pytest
from spacy.lang.en import English
from spacy.matcher import Matcher
from spacy.tokens import Doc

from handoff.signals.intake import (
    DEFAULT_ORDER_NUMBER_PATTERN,
    IntakeField,
    OrderNumberFormat,
    find_email,
)
from handoff.signals.intake_matcher import IntakeEntity, IntakeMatcher, matcher_patterns

ORDER = IntakeField.ORDER_NUMBER
EMAIL = IntakeField.EMAIL


def _email(address, written=None):
    return (EMAIL, address, written or address)


@pytest.fixture(scope="module")
def matcher():
    return IntakeMatcher()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("my order is #1234567", [(ORDER, "1234567", "#1234567")]),
        ("ORD-12345678 hasn't arrived", [(ORDER, "12345678", "ORD-12345678")]),
        ("order no. 1234567", [(ORDER, "1234567", "1234567")]),
        ("my order number is ord12345678", [(ORDER, "12345678", "ord12345678")]),
        ("the order (ORD-9876543) never arrived", [(ORDER, "9876543", "ORD-9876543")]),
        ("Where is order #7654321? It was due Monday.", [(ORDER, "7654321", "#7654321")]),
        ("1234567890", [(ORDER, "1234567890", "1234567890")]),
        (
            "order number 12345678 and my email is Jane.Doe@Example.com",
            [
                (ORDER, "12345678", "12345678"),
                (EMAIL, "jane.doe@example.com", "Jane.Doe@Example.com"),
            ],
        ),
        ("jane@example.com", [(EMAIL, "jane@example.com", "jane@example.com")]),
        ("<jane@example.com>.", [(EMAIL, "jane@example.com", "jane@example.com")]),
        (
            "use j.doe+shop@mail.example.co.uk.",
            [_email("j.doe+shop@mail.example.co.uk")],
        ),
        ("mail:jane@example.com", [(EMAIL, "jane@example.com", "jane@example.com")]),
        # digits inside an e-mail address are not an order number
        (
            "jane1234567@example.com",
            [_email("jane1234567@example.com")],
        ),
        ("write to 1234567@example.com", [(EMAIL, "1234567@example.com", "1234567@example.com")]),
        (
            "#1111111 and ORD-2222222, a@b.io b@c.io",
            [
                (ORDER, "1111111", "#1111111"),
                (ORDER, "2222222", "ORD-2222222"),
                (EMAIL, "a@b.io", "a@b.io"),
                (EMAIL, "b@c.io", "b@c.io"),
            ],
        ),
    ],
)
def test_finds_the_intake_values_with_their_offsets(matcher, text, expected):
    found = matcher.find(text)

    assert [(e.field, e.value, text[e.start : e.end]) for e in found] == expected


@pytest.mark.parametrize(
    "text",
    [
        "call me on +44 7700 900123",
        "my number is 0151 2345678",
        "my number is 0151-23456789",
        "+447700900123",
        "I live at 12 Main St",
        "order 12345",
        "code 12345678901",
        "it was 3 weeks ago",
        "jane at example dot com",
        "jane@example",
        "@example.com",
        "",
        None,
    ],
)
def test_finds_nothing_where_there_is_no_intake_value(matcher, text):
    assert matcher.find(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "my order is #1234567",
        "call me on +44 7700 900123",
        "order number 12345678 and my email is Jane.Doe@Example.com",
        "mail:jane@example.com, order ORD-7654321",
        "jane1234567@example.com",
        "I live at 12 Main St",
    ],
)
def test_agrees_with_the_parsers_the_form_falls_back_to(matcher, text):
    found = matcher.find(text)

    order_format = OrderNumberFormat()
    assert [e.value for e in found if e.field is ORDER] == [
        f.value for f in order_format.find_all(text)
    ]
    first_email = next((e.value for e in found if e.field is EMAIL), None)
    assert first_email == find_email(text)


def test_a_custom_pattern_with_a_number_group():
    matcher = IntakeMatcher(OrderNumberFormat(r"\bNW-(?P<number>\d{5})\b"), [ORDER])
    text = "it's nw-12345, not #1234567 or NW-123456"

    assert matcher.find(text) == [IntakeEntity(ORDER, "12345", 5, 13)]


def test_only_the_configured_fields_are_found():
    text = "#1234567 jane@example.com"

    assert [e.field for e in IntakeMatcher(fields=[EMAIL]).find(text)] == [EMAIL]
    assert [e.field for e in IntakeMatcher(fields=[ORDER]).find(text)] == [ORDER]
    assert IntakeMatcher(fields=[]).find(text) == []


@pytest.mark.parametrize(
    "label, token_texts, matches",
    [
        ("order_number", ["1234567"], True),
        ("order_number", ["#", "1234567"], True),
        ("order_number", ["ORD-1234567"], True),
        ("order_number", ["ord1234567"], True),
        ("order_number", ["12345"], False),
        ("order_number", ["jane1234567@example.com"], False),
        ("order_number", ["#"], False),
        ("email", ["jane@example.com"], True),
        ("email", ["mail:jane@example.com"], True),
        ("email", ["jane"], False),
        ("email", ["@"], False),
    ],
)
def test_each_token_pattern(label, token_texts, matches):
    nlp = English()
    matcher = Matcher(nlp.vocab, validate=True)
    for field, patterns in matcher_patterns(DEFAULT_ORDER_NUMBER_PATTERN).items():
        matcher.add(field.value, patterns)
    doc = Doc(nlp.vocab, words=token_texts)
    whole = [s for s in matcher(doc, as_spans=True) if s.label_ == label and len(s) == len(doc)]

    assert bool(whole) is matches
