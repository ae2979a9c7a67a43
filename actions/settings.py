"""The action server's view of ``handoff.yml``, read once per process."""

from __future__ import annotations

from functools import lru_cache

from handoff.settings import HandoffSettings, load_settings


@lru_cache(maxsize=1)
def handoff_settings() -> HandoffSettings:
    """Return the validated handoff settings (``$HANDOFF_SETTINGS`` or ``handoff.yml``)."""
    return load_settings()
