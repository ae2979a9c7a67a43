"""Reading the YAML files Rasa reads (credentials.yml, endpoints.yml) the way Rasa reads them.

Rasa replaces ``${VAR}`` in any string value with the environment variable and refuses to
start when one is unset. The operator tools (``ops.channels``, ``ops.check``) need the same
values, and need to say *which* key names an unset variable, so the rule lives here once:
:func:`unset_references` finds them, :func:`expand` resolves a value like Rasa does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, List, Mapping, Tuple

import yaml

_REFERENCE = re.compile(r"\$\{([^}]*)\}")


class ConfigFileError(ValueError):
    """A configuration file is missing, not YAML, or names an unset variable.

    ``str(error)`` is ``file: key: problem``; it never contains a secret's value.
    """

    def __init__(self, file: str, key: str, problem: str) -> None:
        super().__init__(f"{file}: {key}: {problem}")
        self.file, self.key, self.problem = file, key, problem


def read_yaml(path: Path) -> Any:
    """Return the file's YAML without substituting anything.

    Raises:
        ConfigFileError: if the file does not exist or is not valid YAML.
    """
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigFileError(str(path), "(file)", "does not exist") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ConfigFileError(str(path), "(file)", f"not valid YAML{line}") from None


def string_values(data: Any, prefix: str = "") -> Iterator[Tuple[str, str]]:
    """Yield ``(dotted key, value)`` for every string in nested mappings and lists."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from string_values(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from string_values(value, f"{prefix}[{index}]")
    elif isinstance(data, str):
        yield prefix, data


def unset_references(data: Any, env: Mapping[str, str]) -> List[Tuple[str, str]]:
    """Return ``(dotted key, variable)`` for every ``${VAR}`` whose variable is unset or empty."""
    return [
        (key, name)
        for key, value in string_values(data)
        for name in _REFERENCE.findall(value)
        if not env.get(name)
    ]


def expand(data: Any, env: Mapping[str, str]) -> Any:
    """Return ``data`` with every ``${VAR}`` replaced by its value (unset: left as it is)."""
    if isinstance(data, dict):
        return {key: expand(value, env) for key, value in data.items()}
    if isinstance(data, list):
        return [expand(value, env) for value in data]
    if isinstance(data, str):
        return _REFERENCE.sub(lambda match: env.get(match.group(1)) or match.group(0), data)
    return data
