"""Which messaging channels ``make run`` turns on, from environment variables.

A channel is on when all its required variables are set; ``write_credentials`` then writes
``var/credentials.yml`` = the project's ``credentials.yml`` plus the enabled channels (secrets
stay ``${VAR}`` references, so the file holds none), and ``make run`` passes that file to
``rasa run --credentials``.

- telegram: TELEGRAM_TOKEN, TELEGRAM_SECRET_TOKEN (optional TELEGRAM_API_URL,
  TELEGRAM_PERSON_BUTTON, TELEGRAM_PERSON_BUTTON_LABEL);
- whatsapp: WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET,
  WHATSAPP_VERIFY_TOKEN (optional WHATSAPP_API_URL, WHATSAPP_PERSON_BUTTON,
  WHATSAPP_PERSON_BUTTON_LABEL).

``*_PERSON_BUTTON=false`` turns the channel's "Talk to a person" button off (it is on when
unset), ``*_PERSON_BUTTON_LABEL`` changes its text (``connectors.messaging.person_button``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

CHANNELS: Dict[str, Tuple[str, Dict[str, str], Dict[str, str]]] = {
    # name: (class, credential key → required variable, credential key → optional variable)
    "telegram": (
        "connectors.telegram.TelegramInput",
        {"access_token": "TELEGRAM_TOKEN", "secret_token": "TELEGRAM_SECRET_TOKEN"},
        {
            "api_url": "TELEGRAM_API_URL",
            "talk_to_person_button": "TELEGRAM_PERSON_BUTTON",
            "talk_to_person_label": "TELEGRAM_PERSON_BUTTON_LABEL",
        },
    ),
    "whatsapp": (
        "connectors.whatsapp.WhatsAppInput",
        {
            "access_token": "WHATSAPP_TOKEN",
            "phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
            "app_secret": "WHATSAPP_APP_SECRET",
            "verify_token": "WHATSAPP_VERIFY_TOKEN",
        },
        {
            "api_url": "WHATSAPP_API_URL",
            "talk_to_person_button": "WHATSAPP_PERSON_BUTTON",
            "talk_to_person_label": "WHATSAPP_PERSON_BUTTON_LABEL",
        },
    ),
}


def enabled_channels(env: Dict[str, str]) -> Dict[str, Dict[str, Any]]:
    """Return ``{class path: credentials}`` of every channel whose variables are all set."""
    enabled = {}
    for class_path, required, optional in CHANNELS.values():
        if not all(env.get(variable) for variable in required.values()):
            continue
        credentials: Dict[str, Any] = {key: f"${{{var}}}" for key, var in required.items()}
        credentials.update({key: f"${{{var}}}" for key, var in optional.items() if env.get(var)})
        credentials["store_url"] = "${DESK_STORE_URL}"
        enabled[class_path] = credentials
    return enabled


def missing_variables(env: Dict[str, str]) -> List[str]:
    """Return, per half-configured channel, which required variables are missing."""
    problems = []
    for name, (_, required, _) in CHANNELS.items():
        missing = [var for var in required.values() if not env.get(var)]
        if missing and len(missing) < len(required):
            problems.append(f"{name}: missing {', '.join(missing)}")
    return problems


def write_credentials(project_credentials: Path, target: Path, env: Dict[str, str]) -> List[str]:
    """Write the project's credentials plus the enabled channels to ``target``.

    Returns the names of the enabled channels.
    """
    credentials = yaml.safe_load(project_credentials.read_text()) or {}
    channels = enabled_channels(env)
    credentials.update(channels)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "# Written by `make run` (ops.channels): credentials.yml plus the enabled channels.\n"
        + yaml.safe_dump(credentials, sort_keys=False)
    )
    return [name for name, (path, _, _) in CHANNELS.items() if path in channels]


def webhook_lines(env: Dict[str, str], rasa_url: str) -> List[str]:
    """Return the lines ``make run`` prints about the messaging channels."""
    names = [name for name, (path, _, _) in CHANNELS.items() if path in enabled_channels(env)]
    lines = [f"  {name:<14} POST {rasa_url}/webhooks/{name}/webhook  (on)" for name in names] or [
        "  messaging      Telegram/WhatsApp off (set TELEGRAM_* / WHATSAPP_* to turn on)"
    ]
    return lines + [f"  warning        {problem}" for problem in missing_variables(env)]
