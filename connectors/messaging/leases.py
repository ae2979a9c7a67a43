"""Who this replica is, and keeping a row's lease alive while working on it.

Several Rasa replicas share the inbox and outbox (``channel_inbox``, ``channel_outbox``); a
replica works on a row only while it holds the row's lease (see
``handoff.store.channel_repository``). ``REPLICA_ID`` names this process in ``lease_owner``:
host, process id and a random part, so a restarted process never mistakes its dead
predecessor's leases for its own. ``renewed`` keeps a lease from running out while a slow
turn or a send with retries is in progress; when a replica is killed, renewal stops and the
lease expires after ``lease_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, AsyncIterator, Callable, Dict, Optional, TypeVar

from sqlalchemy.orm import sessionmaker

from handoff.store.channel_repository import ChannelUnitOfWork, lease_is_live
from handoff.store.models import utc_now

logger = logging.getLogger(__name__)

REPLICA_ID = f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
"""This process's name in ``lease_owner`` (at most 64 characters)."""


def lease_end(seconds: float) -> datetime:
    """Return when a lease taken or renewed now runs out."""
    return utc_now() + timedelta(seconds=seconds)


@asynccontextmanager
async def renewed(renew: Callable[[datetime], bool], seconds: float) -> AsyncIterator[None]:
    """Call ``renew(new_end)`` in a thread every third of ``seconds`` until the block ends.

    ``renew`` returns False when the lease was lost (it ran out and another replica took the
    row); that is logged — the work in progress cannot be undone.
    """

    async def keep_alive() -> None:
        while True:
            await asyncio.sleep(seconds / 3)
            try:
                if not await asyncio.to_thread(renew, lease_end(seconds)):
                    logger.warning("a lease ran out while its work was still running")
                    return
            except Exception as error:  # the store is briefly unreachable: try again later
                logger.warning("could not renew a lease: %s", type(error).__name__)

    task = asyncio.get_running_loop().create_task(keep_alive())
    try:
        yield
    finally:
        task.cancel()


Row = TypeVar("Row")


async def claim_oldest(
    find: Callable[[], Optional[Row]], take: Callable[[Row], bool], owner: str
) -> Optional[Row]:
    """Return a conversation's oldest open row, now leased to ``owner`` (blocking steps in threads).

    ``find`` returns that row (or None); ``take`` leases it (:func:`take_lease`). None when there
    is no row, when another replica holds a live lease on it (that replica looks for newer rows
    itself) or when another replica took it just now.
    """
    row = await asyncio.to_thread(find)
    if row is None or lease_is_live(row, owner):
        return None
    return row if await asyncio.to_thread(take, row) else None


def take_lease(sessions: sessionmaker, table: str, row: Any, owner: str, seconds: float) -> bool:
    """Take ``row``'s lease in the ``table`` repository ("inbox" or "outbox"); blocking.

    One conditional UPDATE: it succeeds only while the row still has the owner it was read
    with, so of two replicas reading the same row only one gets it.
    """
    with ChannelUnitOfWork(sessions) as uow:
        repository = getattr(uow, table)
        taken = repository.take_lease(row.id, row.lease_owner, owner, lease_end(seconds))
        uow.commit()
        return bool(taken)


def lease_renewer(
    sessions: sessionmaker, table: str, row_id: int, owner: str
) -> Callable[[datetime], bool]:
    """Return the ``renew`` callable :func:`renewed` needs for a row of ``table``."""

    def renew(until: datetime) -> bool:
        with ChannelUnitOfWork(sessions) as uow:
            kept = getattr(uow, table).renew_lease(row_id, owner, until)
            uow.commit()
            return bool(kept)

    return renew


async def wind_down(
    drains: Dict[str, asyncio.Task],
    sweeper: Optional[asyncio.Task],
    release: Callable[[], None],
    grace: float,
    what: str,
) -> None:
    """Stop a worker: no more sweeps, running work gets ``grace`` seconds, leases let go.

    ``release`` (blocking, run in a thread) gives this replica's leases back so another one
    can take over at once; if the store cannot be reached the leases simply run out.
    """
    if sweeper is not None:
        sweeper.cancel()
    running = [task for task in drains.values() if not task.done()]
    if running:
        await asyncio.wait(running, timeout=grace)
    for task in running:
        task.cancel()
    try:
        await asyncio.to_thread(release)
    except Exception as error:  # they run out by themselves
        logger.warning("%s could not release its leases: %s", what, error)
