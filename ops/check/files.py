"""``credentials.yml`` and ``endpoints.yml``: readable, every ``${VAR}`` set, every type loads.

What counts as a problem: the file is missing or not YAML; a value names an environment
variable that is unset or empty (Rasa refuses to start); a channel or store ``type`` that
cannot be imported; a channel whose ``from_credentials`` refuses its (resolved) section, which
is the channel's own rule for what it needs, so it is not repeated here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from rasa.shared.exceptions import RasaException

from ops.check.problems import FILE_KEY, Problem, Report
from ops.config_files import ConfigFileError, expand, read_yaml, unset_references

ENDPOINT_SECTIONS = ("action_endpoint", "tracker_store", "lock_store", "event_broker", "nlg",
                     "models", "action_server")  # fmt: skip


@dataclass
class ConfigFile:
    """One loaded file: its sections with ``${VAR}`` resolved, minus those naming unset ones."""

    path: Path
    sections: Dict[str, Any] = field(default_factory=dict)
    report: Report = field(default_factory=lambda: Report([], []))

    @property
    def name(self) -> str:
        """The file as problems name it."""
        return str(self.path)


def load(path: Path, env: Mapping[str, str]) -> ConfigFile:
    """Read ``path``; report unset variables (their sections are left out of ``sections``)."""
    loaded = ConfigFile(path)
    try:
        data = read_yaml(path)
    except ConfigFileError as error:
        loaded.report.problems.append(Problem(error.file, error.key, error.problem))
        return loaded
    if data is None:
        data = {}
    if not isinstance(data, dict):
        loaded.report.problems.append(Problem(loaded.name, FILE_KEY, "expected a mapping"))
        return loaded
    for name, section in data.items():
        unset = unset_references(section, env)
        for key, variable in unset:
            dotted = f"{name}.{key}" if key else str(name)
            problem = f"the environment variable {variable} is not set (${{{variable}}})"
            loaded.report.problems.append(Problem(loaded.name, dotted, problem))
        if not unset:
            loaded.sections[str(name)] = expand(section, env)
    return loaded


def check_credentials(path: Path, env: Mapping[str, str]) -> ConfigFile:
    """Load credentials.yml and let every channel class judge its own section."""
    credentials = load(path, env)
    for name, section in credentials.sections.items():
        if "." not in name:
            continue  # one of Rasa's own channels (rest, socketio, ...): Rasa checks those
        problem = _channel_refusal(name, section)
        if problem:
            credentials.report.problems.append(Problem(credentials.name, name, problem))
    if not credentials.report.problems:
        credentials.report.checked.append(f"{credentials.name} valid")
    return credentials


def check_endpoints(path: Path, env: Mapping[str, str]) -> ConfigFile:
    """Load endpoints.yml; report unknown sections and store types that do not import."""
    endpoints = load(path, env)
    for name, section in endpoints.sections.items():
        if name not in ENDPOINT_SECTIONS:
            known = ", ".join(ENDPOINT_SECTIONS)
            problem = f"not an endpoint Rasa reads (known: {known})"
            endpoints.report.problems.append(Problem(endpoints.name, name, problem))
            continue
        kind = section.get("type") if isinstance(section, dict) else None
        if isinstance(kind, str) and "." in kind and import_class(kind) is None:
            problem = f"cannot import {kind}"
            endpoints.report.problems.append(Problem(endpoints.name, f"{name}.type", problem))
    if not endpoints.report.problems:
        endpoints.report.checked.append(f"{endpoints.name} valid")
    return endpoints


def import_class(path: str) -> Optional[type]:
    """Return the class at ``module.Class``, or None when it does not import."""
    module, _, name = path.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        return None
    return found if isinstance(found, type) else None


def _channel_refusal(name: str, section: Any) -> Optional[str]:
    """Build the channel like Rasa does; return why it refuses (None: it accepts)."""
    channel = import_class(name)
    if channel is None:
        return f"cannot import the channel class {name}"
    try:
        channel.from_credentials(section if isinstance(section, dict) else None)  # type: ignore[attr-defined]
    except RasaException:
        # raise_missing_credentials_exception: Rasa's message is about --credentials
        return "a required key is missing or empty: the channel refuses to start"
    except (ValueError, TypeError, KeyError) as error:
        return f"the channel refuses to start: {error}"
    return None
