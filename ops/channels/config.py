"""One messaging channel's credentials, as the Rasa server started by ``make run`` reads them.

``make run`` gives Rasa the project's credentials.yml plus the channels the environment turns
on (:mod:`ops.channels.environment`), with every ``${VAR}`` replaced by its value. The operator
commands read the same, so the secret ``setWebhook`` registers is exactly the one the channel
checks on every delivery.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Mapping
from urllib.parse import urlsplit

from ops.channels.environment import CHANNELS, enabled_channels
from ops.config_files import ConfigFileError, expand, read_yaml, unset_references


def webhook_url(public_url: str, channel: str) -> str:
    """Return the channel's webhook on the public server (``.../webhooks/<channel>/webhook``).

    ``public_url`` is the server's public origin (``https://bot.example.com``, optionally
    with a path prefix of a reverse proxy); a URL that already ends in the webhook path is
    returned unchanged.
    """
    path = f"/webhooks/{channel}/webhook"
    base = public_url.rstrip("/")
    return base if base.endswith(path) else base + path


def require_https(url: str) -> None:
    """Refuse a webhook URL the platforms would not call (both need public HTTPS).

    Raises:
        ValueError: saying what is wrong with ``url``.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"{url!r}: the public address must be an https:// URL")


def channel_credentials(
    channel: str, credentials_file: Path, env: Mapping[str, str]
) -> Dict[str, Any]:
    """Return the channel's credentials section with every ``${VAR}`` resolved.

    Like ``make run``, the environment's channels (``TELEGRAM_*``, ``WHATSAPP_*``) replace the
    file's section of the same class.

    Raises:
        ConfigFileError: the file is unreadable, the channel is not configured, or a value
            the operator commands use (the required keys, ``api_url``) names an unset
            variable; the error names the variable, never a value.
    """
    class_path, required, _ = CHANNELS[channel]
    data = read_yaml(credentials_file) or {}
    if not isinstance(data, dict):
        raise ConfigFileError(str(credentials_file), "(file)", "expected a mapping of channels")
    data.update(enabled_channels(dict(env)))
    section = data.get(class_path)
    if not isinstance(section, dict):
        variables = " and ".join(required.values())
        raise ConfigFileError(
            str(credentials_file),
            class_path,
            f"{channel} is not configured: set {variables} (or enable it in this file)",
        )
    used = {**required, "api_url": ""}  # store_url and the rest are the server's business
    for key, variable in unset_references({k: section.get(k) for k in used}, env):
        raise ConfigFileError(
            str(credentials_file), f"{class_path}.{key}", f"${{{variable}}} is not set"
        )
    for key in required:
        if not section.get(key):
            raise ConfigFileError(str(credentials_file), f"{class_path}.{key}", "missing")
    resolved: Dict[str, Any] = expand(section, env)
    return resolved
