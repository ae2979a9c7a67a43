"""``python -m ops.check``: the guided paths of routing.handling must exist in domain.yml."""

from __future__ import annotations

from pathlib import Path

import yaml

from ops.check.settings import check_settings
from ops.model import PROJECT_ROOT

SHIPPED = yaml.safe_load((PROJECT_ROOT / "handoff.yml").read_text(encoding="utf-8"))


def _settings(tmp_path: Path, handling: dict) -> Path:
    settings = {**SHIPPED, "routing": {**SHIPPED["routing"], "handling": handling}}
    path = tmp_path / "handoff.yml"
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


def test_the_shipped_guided_path_is_in_the_shipped_domain(tmp_path) -> None:
    path = _settings(tmp_path, SHIPPED["routing"]["handling"])

    report = check_settings(path, {})

    assert report.problems == []


def test_a_guided_path_missing_from_the_domain_is_named_with_its_key(tmp_path) -> None:
    handling = {"topics": {"refund_request": {"guided": "refund_form", "intro": "utter_nope"}}}
    path = _settings(tmp_path, handling)

    report = check_settings(path, {})

    assert [(p.key, p.message.split(" is ")[0]) for p in report.problems] == [
        ("routing.handling.topics.refund_request", "guided: 'refund_form'"),
        ("routing.handling.topics.refund_request", "intro: 'utter_nope'"),
    ]
