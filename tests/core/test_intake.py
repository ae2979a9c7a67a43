import re

import pytest

from handoff.intake import (
    IntakeField,
    OrderNumberFormat,
    find_email,
    find_in_history,
    is_refusal,
    mask_email,
)

ORDER = OrderNumberFormat()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("it's #1234567", "1234567"),
        ("ORD-12345678", "12345678"),
        ("order 123456 please", "123456"),
        ("my order number is ord12345678", "12345678"),
        ("1234567890", "1234567890"),
        ("Where is order #7654321? It was due Monday.", "7654321"),
        ("the order (ORD-9876543) never arrived", "9876543"),
    ],
)
def test_finds_the_order_number_in_a_sentence(text, expected):
    assert ORDER.find(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "call me on +49 151 2345",
        "my number is 0151-23456789",
        "order 12345",
        "it was 3 weeks ago",
        "jane1234567@example.com",
        "write to 1234567@example.com",
        "code 12345678901",
        "",
        None,
    ],
)
def test_ignores_what_is_not_an_order_number(text):
    assert ORDER.find(text) is None


def test_a_custom_pattern_without_a_number_group_returns_the_whole_match_upper_cased():
    store_format = OrderNumberFormat(r"\bnw-\d{4}-[a-z]{2}\b")
    assert store_format.find("it's nw-2024-ab I think") == "NW-2024-AB"


def test_an_invalid_pattern_fails_when_the_format_is_built():
    with pytest.raises(re.error):
        OrderNumberFormat(r"(?P<number>\d{6,")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("jane@example.com", "jane@example.com"),
        ("it's Jane.Doe@Example.COM thanks", "jane.doe@example.com"),
        ("use j.doe+shop@mail.example.co.uk.", "j.doe+shop@mail.example.co.uk"),
        ("<jane@example.com>", "jane@example.com"),
    ],
)
def test_finds_and_lower_cases_the_email(text, expected):
    assert find_email(text) == expected


@pytest.mark.parametrize(
    "text", ["jane at example dot com", "jane@example", "@example.com", "order 1234567", None]
)
def test_no_email_in_text_without_one(text):
    assert find_email(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "I don't have one",
        "no idea",
        "skip",
        "I'd rather not",
        "dont have it",
        "nope",
        "no",
        "n/a",
        "I don't know it",
        "can't find it sorry",
        "I havent got one",
        "not sure",
        "I'm not a customer yet",
        "no clue, I threw away the receipt",
        "I'd prefer not to say",
    ],
)
def test_recognises_a_refusal(text):
    assert is_refusal(text)


@pytest.mark.parametrize(
    "text",
    [
        "yes it's 1234567",
        "jane@example.com",
        "#1234567",
        "it's on the receipt, one sec",
        "sure",
        "",
        None,
    ],
)
def test_an_answer_is_not_a_refusal(text):
    assert not is_refusal(text)


def test_find_in_history_returns_the_most_recent_value():
    texts = [
        "my old order 1111111 was fine",
        "hello",
        None,
        "but order #2222222 is late, mail me at Old@Example.com",
        "actually use new@example.com",
        "get me a human",
    ]
    assert find_in_history(texts, IntakeField.ORDER_NUMBER, ORDER) == "2222222"
    assert find_in_history(texts, IntakeField.EMAIL, ORDER) == "new@example.com"


def test_find_in_history_without_a_value():
    texts = ["hi", "where is my sofa", "talk to a person"]
    assert find_in_history(texts, IntakeField.ORDER_NUMBER, ORDER) is None
    assert find_in_history(iter(texts), IntakeField.EMAIL, ORDER) is None


@pytest.mark.parametrize(
    "email, masked",
    [
        ("jane.doe@example.com", "j***@example.com"),
        ("x@shop.example", "x***@shop.example"),
        ("not-an-email", "***"),
    ],
)
def test_mask_email_hides_the_local_part(email, masked):
    assert mask_email(email) == masked
