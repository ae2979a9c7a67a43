"""The action server's plugin: closes the actions' HTTP session when the server stops.

rasa_sdk 3.6 (``rasa_sdk.plugin``) imports a top-level package named ``rasa_sdk_plugins`` when
``rasa run actions`` starts and calls its ``init_hooks(manager)``; the registered
``attach_sanic_app_extensions(app)`` hook then gets the action server's Sanic app before it
runs. That is the only place an action package can add a listener to the server, and it is
needed because the shared aiohttp session (:mod:`actions.http`) must be closed on its own loop.
"""

from __future__ import annotations

import sys

import pluggy
from sanic import Sanic

from actions.http import attach_http_session

hookimpl = pluggy.HookimplMarker("rasa_sdk")


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    """Add the kit's listeners to the action server ``app``."""
    attach_http_session(app)


def init_hooks(manager: pluggy.PluginManager) -> None:
    """Register this module's hook implementations (called by rasa_sdk on start)."""
    manager.register(sys.modules[__name__])
