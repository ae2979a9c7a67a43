import re

import pytest

from handoff.signals.intake import (
    Found,
    IntakeField,
    OrderNumberFormat,
    find_all_emails,
    find_email,
    find_in_history,
    find_in_messages,
    is_refusal,
    mask_email,
    value_in_message,
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
        "call me on +44 7700 900123",
        "my number is 0151 2345678",
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
        "Ich habe keine",
        "Habe ich leider nicht",
        "keine Ahnung",
        "Ich habe keine Bestellnummer",
        "Weiß ich nicht mehr",
        "lieber nicht",
        "nein",
        "Je n'en ai pas",
        "je ne sais pas",
        "aucune idée",
        "Je ne me souviens pas du numéro",
        "je préfère ne pas le dire",
        "No tengo",
        "no lo sé",
        "ni idea",
        "No recuerdo el número",
        "prefiero no decirlo",
        "paso",
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
        "Meine Bestellnummer ist 48213377",
        "Die Nummer steht auf der Rechnung",
        "c'est la commande 6655443",
        "mi correo es lucia.garcia@gmail.com",
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


def test_find_all_gives_every_order_number_with_its_offsets():
    text = "#1111111 and ORD-2222222, not +44 7700 900123"
    assert ORDER.find_all(text) == [Found("1111111", 0, 8), Found("2222222", 13, 24)]


def test_find_all_emails_gives_every_address_with_its_offsets():
    text = "Old@Example.com or new@example.com"
    assert find_all_emails(text) == [
        Found("old@example.com", 0, 15),
        Found("new@example.com", 19, 34),
    ]


def _entity(entity, value, start=0, extractor="IntakeEntityExtractor"):
    return {
        "entity": entity,
        "value": value,
        "start": start,
        "end": start + len(value),
        "extractor": extractor,
    }


@pytest.mark.parametrize(
    "text, entities, field, expected",
    [
        # an entity wins over the text, and is normalised like the text would be
        (
            "it's #1234567",
            [_entity("order_number", "1234567", 5)],
            IntakeField.ORDER_NUMBER,
            "1234567",
        ),
        (
            "it's #1234567",
            [_entity("order_number", "#1234567", 5, "DIETClassifier")],
            IntakeField.ORDER_NUMBER,
            "1234567",
        ),
        # a value under a custom pattern that the default parser does not know is kept
        ("nw-12345", [_entity("order_number", "12345")], IntakeField.ORDER_NUMBER, "12345"),
        (
            "Jane@Example.com",
            [_entity("email", "Jane@Example.com")],
            IntakeField.EMAIL,
            "jane@example.com",
        ),
        # the first one written, whatever the order of the list
        (
            "1111111 2222222",
            [_entity("order_number", "2222222", 8), _entity("order_number", "1111111", 0)],
            IntakeField.ORDER_NUMBER,
            "1111111",
        ),
        # another entity, or none: the text is parsed
        ("#1234567", [_entity("email", "a@b.io")], IntakeField.ORDER_NUMBER, "1234567"),
        ("#1234567", [], IntakeField.ORDER_NUMBER, "1234567"),
        ("call me on +44 7700 900123", [], IntakeField.ORDER_NUMBER, None),
        (None, [], IntakeField.EMAIL, None),
    ],
)
def test_value_in_message(text, entities, field, expected):
    assert value_in_message(text, entities, field, ORDER) == expected


def test_find_in_messages_returns_the_most_recent_value_entity_or_text():
    messages = [
        ("#1111111", [_entity("order_number", "1111111", 1)]),
        ("order #2222222 please", []),  # before the extractor: parsed from the text
        ("hi", []),
    ]
    assert find_in_messages(messages, IntakeField.ORDER_NUMBER, ORDER) == "2222222"
    assert find_in_messages(messages, IntakeField.EMAIL, ORDER) is None
