"""The Rasa server process's composition root: its services, built once and handed in.

Rasa builds the input channels of ``credentials.yml`` one by one (``from_credentials``), so
there is no ``main()`` of ours to build them in. The first channel that creates its routes
asks :func:`server_services`; that call — never an import — reads ``handoff.yml`` once, masks
personal data in the logs with the configured order-number pattern and creates the live-events
hub the desk and the messaging channels share, and the process's private Prometheus registry
(``metrics``) with the channels' per-process figures (``channel_metrics``). Stores, the
cross-replica event fan-out and the store's figures are opened once per URL, when a channel
asks for them.

One error policy for the settings, the same as the action server's: a missing or invalid
``handoff.yml`` stops the server with a message naming the file and the key
(:class:`handoff.settings.SettingsError`), instead of a customer meeting the mistake.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional

from prometheus_client import CollectorRegistry
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from connectors.messaging.latency import ChannelMetrics
from handoff.analytics.metrics import StoreCollector
from handoff.desk.events import LiveEvents
from handoff.desk.events_redis import DEFAULT_CHANNEL, RedisFanout
from handoff.privacy.log_masking import PiiMaskingFilter, install_log_masking
from handoff.settings import HandoffSettings, load_settings
from handoff.store import create_store_engine, session_factory, upgrade_to_head


class ServerServices:
    """What the channels of one Rasa server process share.

    Args:
        settings: the validated handoff settings.
        events: the live-events hub (a new one by default).
        log_masking: the installed log filter (installed with the settings' pattern by
            default).
        metrics: the registry ``/webhooks/agent_desk/metrics`` serves (a new, private one by
            default: never ``prometheus_client``'s global one, which collects at import).
    """

    def __init__(
        self,
        settings: HandoffSettings,
        events: Optional[LiveEvents] = None,
        log_masking: Optional[PiiMaskingFilter] = None,
        metrics: Optional[CollectorRegistry] = None,
    ) -> None:
        self.settings = settings
        self.events = events or LiveEvents()
        self.log_masking = log_masking or install_log_masking(settings.intake.order_number_pattern)
        self.metrics = metrics or CollectorRegistry()
        self.channel_metrics = ChannelMetrics(self.metrics, settings.policy)
        self._measured: Optional[str] = None
        self._engines: Dict[str, Engine] = {}
        self._sessions: Dict[str, sessionmaker] = {}
        self._fanouts: Dict[str, RedisFanout] = {}
        self._lock = threading.Lock()

    def store(self, url: str) -> sessionmaker:
        """Return the session factory of the handoff store at ``url``, migrated on first use."""
        with self._lock:
            if url not in self._sessions:
                engine = create_store_engine(url)
                upgrade_to_head(engine)
                self._engines[url] = engine
                self._sessions[url] = session_factory(engine)
            return self._sessions[url]

    def measure_store(self, url: str) -> None:
        """Report the figures of the handoff store at ``url`` on ``metrics`` (read per scrape).

        One store per process (the desk's): a second URL is refused, because its figures
        would carry the same names.
        """
        with self._lock:
            if self._measured not in (None, url):
                raise ValueError("metrics: the store figures already come from another store")
            if self._measured is None:
                sessions = self._sessions.get(url)
                if sessions is None:
                    raise ValueError("metrics: open the store (ServerServices.store) first")
                self.metrics.register(StoreCollector(sessions))
                self._measured = url

    def fan_out(self, url: str, secret: str, channel: str = DEFAULT_CHANNEL) -> RedisFanout:
        """Share this process's live events with the replicas over Redis (once per channel)."""
        with self._lock:
            key = f"{url}|{channel}"
            if key not in self._fanouts:
                self._fanouts[key] = RedisFanout(url, secret, channel).attach(self.events)
            return self._fanouts[key]

    async def reinstall_log_masking(self, *_: Any) -> None:
        """Sanic listener (``before_server_start``): cover the log handlers Sanic added last."""
        self.log_masking.install()


_built: Dict[str, ServerServices] = {}
_building = threading.Lock()


def server_services() -> ServerServices:
    """Return this process's services, building them on the first call.

    Raises:
        handoff.settings.SettingsError: ``handoff.yml`` (or ``$HANDOFF_SETTINGS``) is missing
            or invalid; the message names the file and the key.
    """
    with _building:
        if "server" not in _built:
            _built["server"] = ServerServices(load_settings())
        return _built["server"]
