"""``ProductionGuard``: a Rasa server with the production credentials refuses to start unsafe.

Listed in ``docs/deploy/credentials.production.yml`` (it has no keys and serves no route), it
checks the running server once, before it listens, and stops the start with
``UnsafeDeployment`` when

- Rasa's HTTP API is on (``--enable-api``) without ``--auth-token`` or ``--jwt-secret``: the
  API reads every tracker (personal data), appends events to any conversation and replaces
  the model, so it must never answer without a token;
- an input channel takes the conversation id from the caller without authenticating it
  (Rasa's ``rest`` and ``callback`` channels): anyone could write into a Telegram or
  WhatsApp customer's conversation by choosing ``sender`` (issue 17).

Why a channel: ``rasa run`` has no hook of its own, and the credentials file is what every
production replica is started with — whatever command line an operator copies, the same
file brings the check along. The check runs in ``before_server_start``, before the model is
loaded and before the socket accepts a request.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any, Awaitable, Callable, Iterable, List, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Sanic

logger = logging.getLogger(__name__)

PROTECTED_ROUTE = "status"
"""A route of Rasa's HTTP API that exists only with ``--enable-api`` and requires auth."""


class UnsafeDeployment(RuntimeError):
    """The server was started in a way production must never run; the message says how."""


def http_api_problem(app: Sanic) -> Optional[str]:
    """Return why the app's HTTP API is unprotected, or None when it is off or protected.

    Rasa keeps the token only in the closure of its ``requires_auth`` wrapper, so that is
    where it is read. If a later Rasa moves it, this fails closed (the start is refused).
    """
    handlers = [route.handler for route in app.router.routes if route.path == PROTECTED_ROUTE]
    if not handlers:
        return None  # no --enable-api: only the channels' webhooks are served
    if app.config.get("USE_JWT"):
        return None  # --jwt-secret: Rasa checks a signed token on every call
    wrapper = inspect.getclosurevars(handlers[0]).nonlocals
    if "token" not in wrapper:
        return "cannot tell whether Rasa's HTTP API needs a token (unknown Rasa version)"
    if not wrapper["token"]:
        return (
            "Rasa's HTTP API is enabled (--enable-api) without --auth-token: it would serve "
            'every conversation to anyone. Start with --auth-token "$RASA_AUTH_TOKEN" '
            "(or leave out --enable-api)"
        )
    return None


def channel_problems(channels: Iterable[InputChannel]) -> List[str]:
    """Return one reason per input channel that lets an unauthenticated caller pick a sender."""
    return [
        f"the input channel '{channel.name()}' takes the conversation id from the caller "
        "without authentication (anyone could write into any customer's conversation); "
        "remove it from the production credentials"
        for channel in channels
        if isinstance(channel, RestInput)
    ]


def check_deployment(app: Sanic) -> None:
    """Raise ``UnsafeDeployment`` naming every problem of the running server's setup."""
    problems = channel_problems(getattr(app.ctx, "input_channels", None) or [])
    api = http_api_problem(app)
    if api is not None:
        problems.insert(0, api)
    if problems:
        raise UnsafeDeployment("refusing to start: " + "; ".join(problems))


class ProductionGuard(InputChannel):
    """The production start-up checks as an input channel (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        """Return the channel name (its URL prefix; it serves no route)."""
        return "production_guard"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict]) -> InputChannel:
        """Build the guard; it has no settings."""
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Return a blueprint that only checks the server before it starts."""
        guard = Blueprint("production_guard", __name__)

        @guard.listener("before_server_start")
        async def refuse_unsafe_start(app: Sanic, loop: Any) -> None:
            try:
                check_deployment(app)
            except UnsafeDeployment as problem:
                logger.critical("%s", problem)
                raise

        return guard
