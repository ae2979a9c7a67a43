"""Reaching what the files configure: stores, the event broker and the action server.

Each configured service becomes a :class:`Target` (which file and key configured it, and its
URL); :func:`reach` connects once with a short timeout and returns why it failed. A password
in a URL is never printed. SQLite files are local files, not services: they are not opened,
so a check never creates one. Store types this kit does not deploy (MongoDB, DynamoDB, Kafka)
are listed as not checked rather than passed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import quote

import redis
from rasa.core.brokers.pika import PikaEventBroker
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore
from sqlalchemy import create_engine, literal, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from connectors.messaging.fallback import action_server_is_up
from ops.check.files import ConfigFile, import_class
from ops.check.problems import Problem, Report, shown_url, without_secret

TIMEOUT_SECONDS = 3
BUILT_IN_TYPES = {  # Rasa's short type names -> what to reach
    "sql": "sql", "redis": "redis", "pika": "amqp", "in_memory": None,
}  # fmt: skip
CLASS_KINDS = ((SQLTrackerStore, "sql"), (SQLEventBroker, "sql"), (RedisTrackerStore, "redis"),
               (RedisLockStore, "redis"), (PikaEventBroker, "amqp"))  # fmt: skip
DESK_REDIS_KEYS = ("events_url", "login_limits_url")


@dataclass(frozen=True)
class Target:
    """A service to reach: where it is configured, what it is, and its URL (may hold secrets)."""

    file: str
    key: str
    label: str
    kind: str  # "sql" | "redis" | "amqp" | "action server"
    url: str


def targets(credentials: ConfigFile, endpoints: ConfigFile) -> List[Target]:
    """Return every service the two files configure, each URL once (the first key names it)."""
    found: List[Target] = []
    for name, label in (("tracker_store", "tracker store"), ("lock_store", "lock store"),
                        ("event_broker", "event broker")):  # fmt: skip
        section = endpoints.sections.get(name)
        if isinstance(section, dict):
            found += _store_target(endpoints.name, name, label, section)
    action = endpoints.sections.get("action_endpoint")
    if isinstance(action, dict) and action.get("url"):
        found.append(Target(endpoints.name, "action_endpoint.url", "action server",
                            "action server", str(action["url"])))  # fmt: skip
    for name, section in credentials.sections.items():
        if not isinstance(section, dict):
            continue
        if section.get("store_url"):
            found.append(Target(credentials.name, f"{name}.store_url", "handoff store", "sql",
                                str(section["store_url"])))  # fmt: skip
        for key in DESK_REDIS_KEYS:
            if str(section.get(key) or "").startswith(("redis://", "rediss://")):
                found.append(Target(credentials.name, f"{name}.{key}", f"desk {key[:-4]}",
                                    "redis", str(section[key])))  # fmt: skip
    unique: Dict[str, Target] = {}
    for target in found:
        unique.setdefault(target.url, target)
    return list(unique.values())


def check_reachability(credentials: ConfigFile, endpoints: ConfigFile) -> Report:
    """Reach every target; a problem for each that does not answer."""
    report = Report([], [])
    for target in targets(credentials, endpoints):
        if target.kind == "sql" and make_url_or_none(target.url) == "sqlite":
            continue
        if target.kind == "unchecked":
            report.checked.append(f"{target.label} ({target.url}) not checked")
            continue
        failure = reach(target)
        if failure:
            report.problems.append(Problem(target.file, target.key, failure))
        else:
            report.checked.append(f"{target.label} reached ({shown_url(target.url)})")
    return report


def reach(target: Target) -> Optional[str]:
    """Connect to ``target`` once; return why it failed, or None when it answered."""
    try:
        return _REACHERS[target.kind](target.url)
    except Exception as error:  # noqa: BLE001 - every driver has its own errors; all mean "no"
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return f"cannot reach {shown_url(target.url)}: {without_secret(first_line, target.url)}"


def make_url_or_none(url: str) -> Optional[str]:
    """Return the SQLAlchemy backend name of ``url`` (None: not a database URL)."""
    try:
        return make_url(url).get_backend_name()
    except ArgumentError:
        return None


def _store_target(file: str, name: str, label: str, section: Dict[str, Any]) -> List[Target]:
    kind = _kind_of(section.get("type"))
    key = f"{name}.url"
    if kind is None:
        return []
    if kind == "unchecked":
        return [Target(file, f"{name}.type", label, kind, str(section.get("type")))]
    if kind == "sql":
        url = SQLTrackerStore.get_db_url(
            section.get("dialect", "sqlite"), section.get("url"), section.get("port"),
            section.get("db", "rasa.db"), section.get("username"), section.get("password"),
            section.get("login_db"), section.get("query"),
        )  # fmt: skip
        text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
        return [Target(file, key, label, kind, text)]
    host = str(section.get("url") or "localhost")
    if "://" in host:
        return [Target(file, key, label, kind, host)]
    user, password = section.get("username"), section.get("password")
    login = f"{quote(str(user or ''))}:{quote(str(password))}@" if password else ""
    if kind == "redis":
        scheme = "rediss" if section.get("use_ssl") else "redis"
        url = f"{scheme}://{login}{host}:{section.get('port', 6379)}/{section.get('db', 0)}"
    else:
        url = f"amqp://{login}{host}:{section.get('port', 5672)}/"
    return [Target(file, key, label, kind, url)]


def _kind_of(store_type: Any) -> Optional[str]:
    """Return what to reach for an endpoints ``type`` (None: nothing, e.g. in_memory)."""
    if store_type is None:
        return None
    name = str(store_type)
    if name.lower() in BUILT_IN_TYPES:
        return BUILT_IN_TYPES[name.lower()]
    found = import_class(name) if "." in name else None
    for base, kind in CLASS_KINDS:
        if found is not None and issubclass(found, base):
            return kind
    return "unchecked"


def _reach_sql(url: str) -> Optional[str]:
    parsed = make_url(url)
    arguments = (
        {"connect_timeout": TIMEOUT_SECONDS} if parsed.get_backend_name() == "postgresql" else {}
    )
    engine = create_engine(parsed, future=True, connect_args=arguments)
    try:
        with engine.connect() as connection:
            connection.execute(select(literal(1)))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return f"cannot reach {shown_url(url)}: {without_secret(reason, url)}"
    finally:
        engine.dispose()
    return None


def _reach_redis(url: str) -> Optional[str]:
    client = redis.Redis.from_url(
        url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()
    return None


def _reach_amqp(url: str) -> Optional[str]:
    import aio_pika  # Rasa's RabbitMQ client; only needed when a broker is configured

    async def connect() -> None:
        connection = await aio_pika.connect(url, timeout=TIMEOUT_SECONDS)
        await connection.close()

    asyncio.run(connect())
    return None


def _reach_action_server(url: str) -> Optional[str]:
    if asyncio.run(action_server_is_up(url)):
        return None
    return f"the action server at {url} does not answer GET /health (is it running?)"


_REACHERS: Dict[str, Callable[[str], Optional[str]]] = {
    "sql": _reach_sql,
    "redis": _reach_redis,
    "amqp": _reach_amqp,
    "action server": _reach_action_server,
}
