"""What the desk tells customers, per language (``desk.translations`` in ``handoff.yml``).

The English texts are ``desk``'s plain keys (``joined_message``, ...). ``translations`` maps a
language code to the same keys; a key a language leaves out falls back to English. German,
French and Spanish are built in, so the desk answers in the handoff's language (the customer's,
:mod:`handoff.language`) out of the box; ``handoff.yml`` overrides them key by key, or adds a
language.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from pydantic import validator

from handoff.section import Section

TEXT_KEYS = (
    "joined_message",
    "greeting_message",
    "left_message",
    "team_transfer_message",
    "agent_transfer_message",
    "queue_update_message",
    "queue_ticket_message",
    "queue_ticket_soon",
    "cancelled_message",
)

BUILT_IN: Dict[str, Dict[str, str]] = {
    "de": {
        "joined_message": "{agent} aus unserem Team ist jetzt im Chat.",
        "greeting_message": "Hallo {customer}, {agent} aus unserem Team ist jetzt im Chat.",
        "left_message": "{agent} hat den Chat verlassen. Sie schreiben jetzt wieder mit dem "
        "Assistenten.",
        "team_transfer_message": "Ich verbinde Sie mit unserem Team {team}.",
        "agent_transfer_message": "{agent} aus unserem Team übernimmt jetzt.",
        "queue_update_message": "Sie sind jetzt Nummer {queue_position} in der Warteschlange. "
        "Voraussichtliche Wartezeit: {expected_wait}.",
        "queue_ticket_message": "Entschuldigen Sie die Wartezeit - niemand aus unserem Team "
        "konnte Ihren Chat rechtzeitig übernehmen, deshalb habe ich daraus ein Ticket mit allem "
        "gemacht, was Sie mir gesagt haben. Eine Person antwortet Ihnen {back_at}. Bis dahin "
        "helfe ich gern wieder, wenn ich kann.",
        "queue_ticket_soon": "sobald jemand frei ist",
        "cancelled_message": "Alles klar, ich habe Sie aus der Warteschlange genommen. Ich bin "
        "wieder da - wie kann ich helfen?",
    },
    "fr": {
        "joined_message": "{agent}, de notre équipe, a rejoint la conversation.",
        "greeting_message": "Bonjour {customer}, {agent}, de notre équipe, a rejoint la "
        "conversation.",
        "left_message": "{agent} a quitté la conversation. Vous échangez de nouveau avec "
        "l'assistant.",
        "team_transfer_message": "Je vous transfère à notre équipe {team}.",
        "agent_transfer_message": "{agent}, de notre équipe, prend le relais.",
        "queue_update_message": "Vous êtes maintenant numéro {queue_position} dans la file "
        "d'attente. Attente estimée : {expected_wait}.",
        "queue_ticket_message": "Désolé pour l'attente - personne de notre équipe n'a pu prendre "
        "votre conversation à temps, j'en ai donc fait un ticket avec tout ce que vous m'avez "
        "dit. Une personne vous répondra {back_at}. D'ici là, je suis de nouveau là si je peux "
        "vous aider.",
        "queue_ticket_soon": "dès que quelqu'un sera disponible",
        "cancelled_message": "D'accord, je vous ai retiré de la file d'attente. Je suis de "
        "retour - comment puis-je vous aider ?",
    },
    "es": {
        "joined_message": "{agent}, de nuestro equipo, se ha unido al chat.",
        "greeting_message": "Hola, {customer}: {agent}, de nuestro equipo, se ha unido al chat.",
        "left_message": "{agent} ha salido del chat. Vuelve a hablar con el asistente.",
        "team_transfer_message": "Le paso con nuestro equipo de {team}.",
        "agent_transfer_message": "{agent}, de nuestro equipo, se encarga ahora.",
        "queue_update_message": "Ahora es el número {queue_position} en la cola. Espera "
        "estimada: {expected_wait}.",
        "queue_ticket_message": "Perdone la espera: nadie de nuestro equipo pudo atender su chat "
        "a tiempo, así que he creado un ticket con todo lo que me ha contado. Una persona le "
        "responderá {back_at}. Mientras tanto, vuelvo a estar aquí si puedo ayudarle.",
        "queue_ticket_soon": "en cuanto alguien esté libre",
        "cancelled_message": "De acuerdo, le he sacado de la cola. Vuelvo a estar aquí: ¿en qué "
        "puedo ayudarle?",
    },
}
"""The desk's texts in German, French and Spanish (English: ``desk``'s plain keys)."""


def fills(*placeholders: str):  # noqa: ANN201 - a pydantic validator
    """Return a validator allowing exactly ``placeholders`` in a customer text template."""
    sample = {name: "x" for name in placeholders}
    names = ", ".join(f"{{{name}}}" for name in placeholders)
    if len(placeholders) == 1:
        allowed = f"only the placeholder {names} is allowed"
    else:
        allowed = (
            f"only the placeholders {names} are allowed" if names else "no placeholders allowed"
        )

    def check(template: str) -> str:
        try:
            template.format(**sample)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"{allowed} ({error!r})") from None
        return template

    return check


def _optional(check: Any) -> Any:
    def validate(template: Optional[str]) -> Optional[str]:
        return None if template is None else check(template)

    return validate


class DeskTexts(Section):
    """One language's desk texts (``desk.translations.<language>``); a key left out: English."""

    joined_message: Optional[str] = None
    greeting_message: Optional[str] = None
    left_message: Optional[str] = None
    team_transfer_message: Optional[str] = None
    agent_transfer_message: Optional[str] = None
    queue_update_message: Optional[str] = None
    queue_ticket_message: Optional[str] = None
    queue_ticket_soon: Optional[str] = None
    cancelled_message: Optional[str] = None

    _agents = validator(
        "joined_message", "left_message", "agent_transfer_message", allow_reuse=True
    )(_optional(fills("agent")))
    _teams = validator("team_transfer_message", allow_reuse=True)(_optional(fills("team")))
    _greetings = validator("greeting_message", allow_reuse=True)(
        _optional(fills("agent", "customer"))
    )
    _update = validator("queue_update_message", allow_reuse=True)(
        _optional(fills("queue_position", "expected_wait"))
    )
    _ticket = validator("queue_ticket_message", allow_reuse=True)(_optional(fills("back_at")))
    _plain = validator("queue_ticket_soon", "cancelled_message", allow_reuse=True)(
        _optional(fills())
    )


def merged_translations(configured: Optional[Mapping[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """Return :data:`BUILT_IN` overridden key by key by ``handoff.yml``'s ``translations``.

    Language codes are read like a channel's hint ("de-AT" is "de"); a language that is not
    built in is added.
    """
    merged: Dict[str, Dict[str, Any]] = {lang: dict(texts) for lang, texts in BUILT_IN.items()}
    for language, texts in (configured or {}).items():
        code = str(language).strip().lower().replace("_", "-").split("-")[0]
        if not code.isalpha() or len(code) not in (2, 3):
            raise ValueError(f"{language!r} is not a language code like 'de' or 'fr'")
        given = texts.dict() if isinstance(texts, DeskTexts) else dict(texts or {})
        merged.setdefault(code, {}).update({k: v for k, v in given.items() if v is not None})
    return merged
