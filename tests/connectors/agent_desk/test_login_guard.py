"""The login guards on their own: attempt limits (memory and a real Redis), logins in flight."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid

import pytest
import redis

from connectors.agent_desk.login_guard import LoginExecutor, LoginThrottle, TooManyLogins

REDIS_URL = os.environ.get("HANDOFF_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"Redis is unreachable at {REDIS_URL}: {error} (CI is set)")
        pytest.skip(f"Redis is unreachable at {REDIS_URL}: {error}")
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def storage(request) -> str:
    return "memory://" if request.param == "memory" else _redis_or_skip()


async def _admitted(throttle: LoginThrottle, address: str, username: str) -> bool:
    try:
        await throttle.admit(address, username)
    except TooManyLogins as refusal:
        assert refusal.status == 429 and 1 <= refusal.retry_after <= 60
        assert refusal.headers == {"Retry-After": str(refusal.retry_after)}
        return False
    return True


def test_attempts_are_limited_per_address_and_per_account(storage):
    throttle = LoginThrottle(storage, per_address="3/minute", per_account="4/minute")
    me, other = f"192.0.2.{uuid.uuid4().int % 250}", uuid.uuid4().hex
    anna, ben = f"anna-{uuid.uuid4().hex}", f"ben-{uuid.uuid4().hex}"

    async def scenario() -> None:
        assert [await _admitted(throttle, me, anna) for _ in range(4)] == [True] * 3 + [False]
        assert await _admitted(throttle, other, ben)  # another address, another account
        assert await _admitted(throttle, other, anna.upper())  # the 4th for anna: names fold
        assert not await _admitted(throttle, f"{other}-2", anna)  # anna's budget is used up
        await throttle.succeeded(other, ben)  # a login that succeeded gives its attempt back
        assert [await _admitted(throttle, other, ben) for _ in range(3)] == [True, True, False]

    asyncio.run(scenario())


def test_logins_beyond_the_in_flight_bound_are_refused_at_once():
    executor = LoginExecutor(workers=1, in_flight=2)
    release = threading.Event()

    async def scenario() -> None:
        running = [asyncio.ensure_future(executor.run(release.wait)) for _ in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(TooManyLogins):
            await executor.run(lambda: True)
        release.set()
        assert await asyncio.gather(*running) == [True, True]
        assert await executor.run(lambda: "next") == "next"

    asyncio.run(scenario())
