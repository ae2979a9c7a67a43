"""What stands between ``POST /api/login`` and a password flood.

Each login verifies an Argon2id hash (64 MiB, three passes): a few dozen concurrent wrong
logins would take every core, and on the event loop's default executor they would queue ahead
of the channels' store work, so customers' messages would wait. Two guards:

- ``LoginThrottle`` limits failed logins per client address and per user name with the
  ``limits`` library (fixed windows; memory storage in the process by default, Redis when the
  desk's ``login_limits_url`` names one, so every replica sees the same counts). An attempt is
  counted *before* its password is hashed (one atomic increment per key) and given back when
  the login succeeds, so concurrent requests cannot all slip in before the first failure is
  known, while agents who log in correctly use up nothing. Beyond either limit the login is
  refused without hashing, with ``TooManyLogins`` (429, ``Retry-After``: the window's end).
- ``LoginExecutor``: logins run on a small executor of their own (one thread for the store
  work) with a bounded number of logins in flight; beyond it a login is refused at once (429)
  instead of queueing. The Argon2 verification itself runs in one worker *process* at the
  lowest CPU priority (``nice`` 19): when customers' turns and a login compete for a core, the
  turn goes first. A process, not a low-priority thread: a starved thread that holds the GIL
  between its Python steps can stall the event loop (priority inversion).

The client address is Sanic's ``request.remote_addr`` (set from ``X-Forwarded-For`` only when
the server is told how many proxies to trust, ``SANIC_PROXIES_COUNT``), else the peer address.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Callable, Optional, TypeVar

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from handoff.desk.errors import DeskError
from handoff.desk.passwords import verify_password

logger = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_PER_ADDRESS = "5/minute"  # failed logins from one client address
DEFAULT_PER_ACCOUNT = "20/15minutes"  # failed logins for one user name, from anywhere
DEFAULT_WORKERS = 1  # logins at a time (each Argon2 verification takes 64 MiB and a core)
DEFAULT_IN_FLIGHT = 8  # logins hashing or waiting to; more are refused at once
LOGIN_NICENESS = 19  # the lowest CPU priority


class TooManyLogins(DeskError):
    """Too many failed logins from this address or for this account, or too many at once."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many login attempts; try again later")
        self.retry_after = max(1, retry_after)

    @property
    def headers(self) -> dict:
        """The ``Retry-After`` header (seconds) the answer carries."""
        return {"Retry-After": str(self.retry_after)}


class LoginThrottle:
    """Failed-login limits per client address and per user name (see the module docstring).

    Args:
        storage_url: a ``limits`` storage URL: ``memory://`` (one process) or
            ``redis://host:6379/0`` (shared by the replicas).
        per_address, per_account: ``limits`` rate strings, e.g. ``10/minute``.
    """

    def __init__(
        self,
        storage_url: str = "memory://",
        per_address: str = DEFAULT_PER_ADDRESS,
        per_account: str = DEFAULT_PER_ACCOUNT,
    ) -> None:
        self._storage: Storage = storage_from_string(storage_url)
        self._limiter = FixedWindowRateLimiter(self._storage)
        self._per_address: RateLimitItem = parse(per_address)
        self._per_account: RateLimitItem = parse(per_account)
        self._remote = not storage_url.startswith("memory://")

    def _keys(self, address: str, username: str):  # noqa: ANN202 - pairs of limit and key
        return (
            (self._per_address, ("desk-login", "address", address)),
            (self._per_account, ("desk-login", "account", username.lower())),
        )

    def _admit(self, address: str, username: str) -> Optional[TooManyLogins]:
        for item, key in self._keys(address, username):
            if not self._limiter.hit(item, *key):
                reset_at, _ = self._limiter.get_window_stats(item, *key)
                return TooManyLogins(math.ceil(reset_at - time.time()))
        return None

    def _give_back(self, address: str, username: str) -> None:
        for item, key in self._keys(address, username):
            self._limiter.hit(item, *key, cost=-1)

    async def admit(self, address: str, username: str) -> None:
        """Count one login attempt against the address and the account, before any hashing.

        Raises:
            TooManyLogins: either limit is used up; ``retry_after`` is the seconds until the
                window ends.
        """
        refusal = await self._call(self._admit, address, username)
        if refusal is not None:
            raise refusal

    async def succeeded(self, address: str, username: str) -> None:
        """Give back the attempt of a login that succeeded: only failures use up the limits."""
        await self._call(self._give_back, address, username)

    async def _call(self, work: Callable[..., T], *args: str) -> T:
        if self._remote:  # a Redis round trip: not on the event loop
            return await asyncio.to_thread(work, *args)
        return work(*args)  # memory storage: a dictionary look-up


def _lowest_priority() -> None:
    """Give the hashing process the lowest CPU priority."""
    try:
        os.nice(LOGIN_NICENESS)
    except (AttributeError, OSError) as problem:  # the process keeps its priority
        logger.debug("The login process keeps its CPU priority: %s", problem)


class LoginExecutor:
    """A small executor of its own for logins, with a bounded number in flight.

    ``run`` runs a login's store work on one thread; that work calls ``verify``, which hashes
    in the login process (``spawn``: nothing of the server's memory is copied into it; started
    by ``start`` when the server starts).
    """

    def __init__(self, workers: int = DEFAULT_WORKERS, in_flight: int = DEFAULT_IN_FLIGHT):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="desk-login")
        self._hashing = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_lowest_priority,
        )
        self._limit = max(in_flight, workers)
        self._in_flight = 0  # only touched on the event loop

    def start(self) -> None:
        """Start the login process now (the server's start), not in the middle of a login.

        A spawned process imports the server's main module again (for Rasa, all of Rasa): a
        few seconds of CPU that must not fall on the first login, least of all in a flood.
        """
        self._hashing.submit(os.getpid)

    def verify(self, password_hash: str, password: str) -> bool:
        """Check ``password`` against ``password_hash`` in the login process (blocks)."""
        return self._hashing.submit(verify_password, password_hash, password).result()

    async def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the login thread.

        Raises:
            TooManyLogins: when ``in_flight`` logins are already running or waiting.
        """
        if self._in_flight >= self._limit:
            raise TooManyLogins(1)
        self._in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, work)
        finally:
            self._in_flight -= 1
