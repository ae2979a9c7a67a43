"""IntakeEntityExtractor with real Rasa Messages, model storage and execution context."""

import copy
import statistics
import time
from pathlib import Path

import pytest
from rasa.core.channels import UserMessage
from rasa.engine import validation
from rasa.engine.constants import PLACEHOLDER_MESSAGE
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.data import TrainingType
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from custom_components.intake_entity_extractor import IntakeEntityExtractor

ROOT = Path(__file__).resolve().parents[2]
NAME = "IntakeEntityExtractor"


@pytest.fixture(autouse=True)
def _settings(monkeypatch):
    monkeypatch.setenv("HANDOFF_SETTINGS", str(ROOT / "handoff.yml"))


@pytest.fixture
def create(tmp_path):
    def build(config=None):
        return IntakeEntityExtractor.create(
            {**IntakeEntityExtractor.get_default_config(), **(config or {})},
            LocalModelStorage(tmp_path),
            Resource("intake"),
            ExecutionContext(GraphSchema({}), "test"),
        )

    return build


def _entity(entity, value, start, end):
    return {
        "entity": entity,
        "start": start,
        "end": end,
        "value": value,
        "confidence_entity": 1.0,
        "extractor": NAME,
    }


NW = {"order_number_pattern": r"\bNW-(?P<number>\d{5})\b"}


@pytest.mark.parametrize(
    "text, config, expected",
    [
        ("my order is #1234567", {}, [("order_number", "1234567", "#1234567")]),
        ("ORD-12345678 hasn't arrived", {}, [("order_number", "12345678", "ORD-12345678")]),
        ("order no. 1234567", {}, [("order_number", "1234567", "1234567")]),
        (
            "order number 12345678 and my email is Jane.Doe@Example.com",
            {},
            [
                ("order_number", "12345678", "12345678"),
                ("email", "jane.doe@example.com", "Jane.Doe@Example.com"),
            ],
        ),
        ("jane@example.com", {}, [("email", "jane@example.com", "jane@example.com")]),
        (
            "mail jane1234567@example.com",
            {},
            [("email", "jane1234567@example.com", "jane1234567@example.com")],
        ),
        (
            "#1234567, jane@example.com",
            {"entities": ["email"]},
            [("email", "jane@example.com", "jane@example.com")],
        ),
        (
            "#1234567, jane@example.com",
            {"entities": ["order_number"]},
            [("order_number", "1234567", "#1234567")],
        ),
        ("it's nw-12345 I think", NW, [("order_number", "12345", "nw-12345")]),
        ("it's #1234567", NW, []),
    ],
)
def test_extracts_normalised_entities_at_their_offsets(create, text, config, expected):
    message = Message(data={TEXT: text})

    [processed] = create(config).process([message])

    entities = processed.get(ENTITIES)
    assert [(e["entity"], e["value"], text[e["start"] : e["end"]]) for e in entities] == expected
    assert all(e["extractor"] == NAME and e["confidence_entity"] == 1.0 for e in entities)
    assert processed.as_dict(only_output_properties=True)[ENTITIES] == entities


def test_the_entity_format(create):
    [message] = create().process([Message(data={TEXT: "my order is #1234567"})])

    assert message.get(ENTITIES) == [_entity("order_number", "1234567", 12, 20)]


@pytest.mark.parametrize(
    "text, config",
    [
        ("call me on +44 7700 900123", {}),
        ("I live at 12 Main St", {}),
        ("order 12345", {}),
        ("jane at example dot com", {}),
        ("I want to talk to a human", {}),
        ("jane@example.com", {"entities": ["order_number"]}),
        ("it's #1234567", NW),
    ],
)
def test_a_message_without_intake_values_is_left_unchanged(create, text, config):
    other = {"entity": "city", "value": "Main St", "start": 0, "end": 4, "extractor": "X"}
    message = Message(data={TEXT: text, ENTITIES: [other]})
    before = copy.deepcopy(message)

    [processed] = create(config).process([message])

    assert processed.data == before.data
    assert processed.get(ENTITIES) == [other]


def test_entities_of_other_extractors_survive(create):
    theirs = {"entity": "product", "value": "sofa", "start": 3, "end": 7, "extractor": "Regex"}
    message = Message(data={TEXT: "my sofa, order #1234567", ENTITIES: [theirs]})

    [processed] = create().process([message])

    assert processed.get(ENTITIES) == [theirs, _entity("order_number", "1234567", 15, 23)]


def test_a_value_another_extractor_found_is_not_extracted_twice(create):
    text = "order #1234567 from jane@example.com"
    theirs = {
        "entity": "order_number",
        "value": "1234567",
        "start": 7,
        "end": 14,
        "extractor": "RegexEntityExtractor",
    }
    message = Message(data={TEXT: text, ENTITIES: [theirs]})

    [processed] = create().process([message])

    assert processed.get(ENTITIES) == [
        theirs,
        _entity("email", "jane@example.com", 20, 36),
    ]


def test_processes_a_list_of_messages(create):
    messages = [Message(data={TEXT: t}) for t in ["#1234567", "hi", "a@b.io"]]

    processed = create().process(messages)

    assert [[e["value"] for e in m.get(ENTITIES)] for m in processed] == [
        ["1234567"],
        [],
        ["a@b.io"],
    ]


def test_the_default_pattern_is_the_one_in_the_handoff_settings(create, tmp_path, monkeypatch):
    settings = tmp_path / "handoff.yml"
    settings.write_text(
        (ROOT / "handoff.yml")
        .read_text()
        .replace(
            "order_number_pattern: '(?<![\\w@.+-])(?:#|ORD-?)?(?P<number>\\d{6,10})(?![\\w@])'",
            "order_number_pattern: 'NW-(?P<number>\\d{5})'",
        )
    )
    assert "NW-" in settings.read_text()
    monkeypatch.setenv("HANDOFF_SETTINGS", str(settings))

    [message] = create().process([Message(data={TEXT: "NW-12345 or #1234567"})])

    assert [e["value"] for e in message.get(ENTITIES)] == ["12345"]


def test_without_a_settings_file_the_bundled_pattern_is_used(create, tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOFF_SETTINGS", str(tmp_path / "missing.yml"))

    [message] = create().process([Message(data={TEXT: "ORD-1234567"})])

    assert [e["value"] for e in message.get(ENTITIES)] == ["1234567"]


def test_an_invalid_settings_file_fails_when_the_graph_is_built(create, tmp_path, monkeypatch):
    settings = tmp_path / "handoff.yml"
    settings.write_text("intake:\n  order_number_pattern: '(?P<number>\\d{6,'\n")
    monkeypatch.setenv("HANDOFF_SETTINGS", str(settings))

    with pytest.raises(InvalidConfigException, match=f"{NAME}: order_number_pattern: .*handoff"):
        create()


@pytest.mark.parametrize(
    "config, key",
    [
        ({"order_number_pattern": r"(?P<number>\d{6,"}, "order_number_pattern"),
        ({"order_number_pattern": ""}, "order_number_pattern"),
        ({"order_number_pattern": 1234}, "order_number_pattern"),
        ({"entities": ["order_number", "phone"]}, "entities"),
        ({"entities": []}, "entities"),
        ({"entities": "email"}, "entities"),
    ],
)
def test_a_bad_config_fails_when_the_graph_is_built_naming_the_key(create, config, key):
    with pytest.raises(InvalidConfigException, match=f"^{NAME}: {key}: "):
        create(config)


def test_median_process_time_per_message(create):
    component = create()
    texts = [
        "where is my order #1234567? it's two weeks late",
        "order number 12345678 and my email is Jane.Doe@Example.com",
        "call me on +44 7700 900123",
        "I want to talk to a human",
    ] * 25
    timings = []
    for text in texts:
        message = Message(data={TEXT: text})
        started = time.perf_counter()
        component.process([message])
        timings.append(time.perf_counter() - started)

    median_ms = statistics.median(timings) * 1000
    print(f"median process time per message: {median_ms:.3f} ms")
    assert median_ms < 5


def test_a_real_nlu_graph_with_the_component_parses_a_message(tmp_path):
    # The recipe and Rasa's graph validation accept the component; no model is trained
    # (neither component is trainable), the predict graph runs as in `rasa run`.
    config = {
        "recipe": "default.v1",
        "language": "en",
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "custom_components.intake_entity_extractor.IntakeEntityExtractor"},
        ],
        "policies": [],
    }
    model_config = DefaultV1Recipe().graph_config_for_recipe(config, {}, TrainingType.NLU)
    validation.validate(model_config)
    schema = model_config.predict_schema
    runner = DaskGraphRunner(schema, LocalModelStorage(tmp_path), ExecutionContext(schema, "test"))

    text = "my order is #1234567, mail Jane@Example.com"
    outputs = runner.run(
        inputs={PLACEHOLDER_MESSAGE: [UserMessage(text)]}, targets=["run_RegexMessageHandler"]
    )

    [message] = outputs["run_RegexMessageHandler"]
    assert message.as_dict(only_output_properties=True)[ENTITIES] == [
        _entity("order_number", "1234567", 12, 20),
        _entity("email", "jane@example.com", 27, 43),
    ]
