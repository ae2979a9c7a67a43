"""``QueueWorker``: the loop both the inbox and the outbox run over their ``WorkQueue``.

One drain task per conversation: claim the conversation's oldest open row (leased to this
replica), handle it while a keep-alive renews the lease, and claim the next, until the
conversation has nothing this replica may take. Conversations do not wait for each other; a
conversation is worked on by one replica at a time, oldest row first
(``handoff.store.work_queue``). Every ``sweep_seconds`` the worker looks for rows it could take
(a killed replica's once their lease ran out, or its own whose drain stopped on an error); on a
graceful stop running work gets a grace period and the leases are given back at once.

The handler does the work *and* records its outcome (complete, retry later, fail) in the store:
what an outcome is differs between a customer turn and a message send; the loop, the leases
and the order do not. A handler that raises ends the drain; the row keeps its lease and is
retried at the next sweep (this replica's at once, another's after the lease ran out).

The worker's identity (``owner``) is made by :func:`new_owner_id` where the channel builds its
workers - never at import - so a restarted process never mistakes its dead predecessor's
leases for its own.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Dict, Generic, List, Optional, Set, TypeVar

from sqlalchemy.orm import sessionmaker

from connectors.messaging.inbound import mask
from handoff.store.models import utc_now
from handoff.store.unit_of_work import SqlUnitOfWork
from handoff.store.work_queue import WorkQueue

logger = logging.getLogger(__name__)

Row = TypeVar("Row")
Hint = TypeVar("Hint")
Clock = Callable[[], datetime]
Handler = Callable[[Row, Optional[Hint]], Awaitable[None]]


def new_owner_id() -> str:
    """Return a new name for a worker in ``lease_owner`` (at most 64 characters).

    Host, process id and a random part: two workers of one process, and a process restarted
    with the same pid, never share a name.
    """
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class QueueWorker(Generic[Row, Hint]):
    """Works off one scope of a ``WorkQueue`` (see the module docstring).

    Args:
        name: for logs ("telegram inbox").
        sessions: the handoff store's session factory.
        queue: which queue of a unit of work (``lambda uow: uow.inbox``).
        scope: the queue's scope (the channel account of the inbox, the channel of the outbox).
        handle: ``handle(row, hint)`` does the work on a row leased to this worker and records
            the outcome; ``hint`` is what :meth:`wake` was given with a row already leased,
            ``None`` for a row the worker claimed itself.
        owner: this worker's ``lease_owner`` (:func:`new_owner_id`).
        lease_seconds: how long a lease lasts unless renewed; a killed replica's rows are
            taken over after this.
        sweep_seconds: how often to look for rows nobody works on.
        clock: the time leases are computed from (tests pass their own).
    """

    def __init__(
        self,
        name: str,
        sessions: sessionmaker,
        queue: Callable[[SqlUnitOfWork], WorkQueue[Row]],
        scope: str,
        handle: Handler,
        *,
        owner: str,
        lease_seconds: float,
        sweep_seconds: float,
        clock: Clock = utc_now,
    ) -> None:
        self.name = name
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.sweep_seconds = sweep_seconds
        self._sessions = sessions
        self._queue = queue
        self._scope = scope
        self._handle = handle
        self._clock = clock
        self._drains: Dict[str, asyncio.Task] = {}
        self._woken: Set[str] = set()
        self._stopping = False
        self._sweeper: Optional[asyncio.Task] = None

    @property
    def stopping(self) -> bool:
        """Whether :meth:`shutdown` was called: handlers should not start long waits."""
        return self._stopping

    def lease_end(self) -> datetime:
        """Return when a lease taken or renewed now runs out."""
        return self._clock() + timedelta(seconds=self.lease_seconds)

    def is_idle(self, conversation_id: str) -> bool:
        """Whether no drain task of this worker is working on ``conversation_id``."""
        task = self._drains.get(conversation_id)
        return task is None or task.done()

    def wake(
        self, conversation_id: str, first: Optional[Row] = None, hint: Optional[Hint] = None
    ) -> Optional[asyncio.Task]:
        """Make sure a drain task is working on ``conversation_id``; return a new one.

        ``first``: a row already leased to this worker (inserted leased a moment ago), handled
        before anything is claimed, with ``hint``. When a drain is running already it is told
        to look again (it finds ``first`` itself: the lease is its own) and ``None`` returned.
        """
        self._woken.add(conversation_id)
        if not self.is_idle(conversation_id):
            return None
        task = asyncio.get_running_loop().create_task(self._drain(conversation_id, first, hint))
        self._drains[conversation_id] = task
        task.add_done_callback(lambda done: self._forget(conversation_id, done))
        return task

    async def recover(self) -> None:
        """Wake every conversation with rows this worker may take now (on start, each sweep)."""

        def read() -> List[str]:
            with SqlUnitOfWork(self._sessions) as uow:
                return self._queue(uow).sweepable(self._scope, self.owner, self._clock())

        for conversation_id in await asyncio.to_thread(read):
            self.wake(conversation_id)

    def start_sweeping(self) -> None:
        """Call :meth:`recover` every ``sweep_seconds`` until :meth:`shutdown`."""

        async def sweep() -> None:
            while not self._stopping:
                await asyncio.sleep(self.sweep_seconds)
                try:
                    await self.recover()
                except Exception as error:  # the store is unreachable: next sweep
                    logger.warning("%s sweep failed: %s", self.name, error)

        self._sweeper = asyncio.get_running_loop().create_task(sweep())

    async def idle(self) -> None:
        """Wait until no conversation has a drain task running (tests, shutdown)."""
        while any(not task.done() for task in self._drains.values()):
            await asyncio.gather(*self._drains.values(), return_exceptions=True)

    async def shutdown(self, grace: float = 5.0) -> None:
        """Stop: no more sweeps, running work gets ``grace`` seconds, leases are given back.

        Giving the leases back lets another replica take over at once; if the store cannot
        be reached they simply run out. Open rows stay in the store for the next start.
        """
        self._stopping = True
        if self._sweeper is not None:
            self._sweeper.cancel()
        running = [task for task in self._drains.values() if not task.done()]
        if running:
            await asyncio.wait(running, timeout=grace)
        for task in running:
            task.cancel()
        try:
            await asyncio.to_thread(self._release)
        except Exception as error:  # they run out by themselves
            logger.warning("%s could not release its leases: %s", self.name, error)

    # -- the loop ----------------------------------------------------------------------------

    async def _drain(
        self, conversation_id: str, first: Optional[Row], hint: Optional[Hint]
    ) -> None:
        """Work off the conversation's rows oldest first while this worker may."""
        try:
            while not self._stopping:
                self._woken.discard(conversation_id)
                if first is not None:
                    row, first = first, None
                else:
                    hint = None
                    claimed = await asyncio.to_thread(self._claim, conversation_id)
                    if claimed is None:
                        if conversation_id in self._woken:
                            continue  # added while we looked: look again
                        return
                    row = claimed
                await self._work(row, hint)
        except asyncio.CancelledError:
            raise
        except Exception:  # never let one conversation's error kill the worker silently
            logger.exception(
                "%s: work on %s failed; retried at the next sweep", self.name, mask(conversation_id)
            )

    async def _work(self, row: Row, hint: Optional[Hint]) -> None:
        """Run the handler while a keep-alive renews the row's lease every third of it."""
        leased: Any = row
        row_id = leased.id

        async def keep_alive() -> None:
            while True:
                await asyncio.sleep(self.lease_seconds / 3)
                try:
                    if not await asyncio.to_thread(self._renew, row_id):
                        logger.warning("%s: a lease ran out while its work was running", self.name)
                        return
                except Exception as error:  # the store is briefly unreachable: try again
                    problem = type(error).__name__
                    logger.warning("%s could not renew a lease: %s", self.name, problem)

        renewing = asyncio.get_running_loop().create_task(keep_alive())
        try:
            await self._handle(row, hint)
        finally:
            renewing.cancel()

    def _claim(self, conversation_id: str) -> Optional[Row]:
        with SqlUnitOfWork(self._sessions) as uow:
            now = self._clock()
            claimed = self._queue(uow).claim_oldest(
                self._scope, conversation_id, self.owner, self.lease_end(), now
            )
            uow.commit()
            return claimed

    def _renew(self, row_id: int) -> bool:
        with SqlUnitOfWork(self._sessions) as uow:
            kept = self._queue(uow).renew(row_id, self.owner, self.lease_end())
            uow.commit()
            return kept

    def _release(self) -> None:
        with SqlUnitOfWork(self._sessions) as uow:
            self._queue(uow).release_all(self._scope, self.owner, self._clock())
            uow.commit()

    def _forget(self, conversation_id: str, task: asyncio.Task) -> None:
        if self._drains.get(conversation_id) is task:
            del self._drains[conversation_id]
