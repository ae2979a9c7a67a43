"""``Problem``: one thing wrong with a deployment, said the way ``ops.check`` prints it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List
from urllib.parse import urlsplit, urlunsplit

FILE_KEY = "(file)"
"""The key of a problem with a whole file (missing, not YAML)."""


@dataclass(frozen=True)
class Problem:
    """``file: key: message`` - the file to open, the key to change, what is wrong with it."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


@dataclass
class Report:
    """What a check found: its problems, and what it checked (for the OK summary)."""

    problems: List[Problem]
    checked: List[str]

    def extend(self, other: Report) -> None:
        """Add another check's findings."""
        self.problems.extend(other.problems)
        self.checked.extend(other.checked)


def shown_url(url: str) -> str:
    """Return ``url`` for printing: a password becomes ``***``, nothing else changes."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    user = f"{parts.username}:***" if parts.username else ":***"
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


def without_secret(message: str, url: str) -> str:
    """Return an error ``message`` with the password of ``url`` blanked, should it quote it."""
    password = urlsplit(url).password
    return message.replace(password, "***") if password else message
