from pathlib import Path

from handoff.context import json_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "context-package.schema.json"


def test_published_schema_matches_the_package_the_desk_accepts():
    assert (
        SCHEMA_FILE.read_text() == json_schema()
    ), "docs/context-package.schema.json is out of date: run `make schema`"
