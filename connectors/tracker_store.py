"""``PingingSQLTrackerStore``: Rasa's SQL tracker store that survives a database restart.

Rasa 3.6's ``SQLTrackerStore`` keeps pooled connections without checking them, so after
PostgreSQL restarts the first turn on each stale connection fails — and a turn that fails
*after* the bot's replies went out but before the tracker was saved gets run again, so the
customer would read those replies twice. This subclass only adds SQLAlchemy's
``pool_pre_ping`` (each connection is tested when taken from the pool and replaced if the
server went away); everything else, including the table layout, is Rasa's:

.. code-block:: yaml

    tracker_store:
      type: connectors.tracker_store.PingingSQLTrackerStore
      dialect: postgresql
      url: db.internal
      db: rasa
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs


class PingingSQLTrackerStore(SQLTrackerStore):
    """A ``SQLTrackerStore`` whose connections are pinged before use."""

    engine: sa.engine.Engine

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Create the store as Rasa does, then swap in an engine with ``pool_pre_ping``."""
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
