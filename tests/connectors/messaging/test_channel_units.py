"""Channel pieces without a server: signatures, escaping, the store schema, retry delays."""

import hashlib
import hmac

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from connectors.messaging.inbound import ESCAPE_PREFIX, escape_customer_text, mask, media_turn_text
from connectors.messaging.outbox import RetryPolicy
from connectors.whatsapp.channel import signature
from handoff.store import SqlUnitOfWork, create_store_engine, session_factory, upgrade_to_head
from handoff.store.models import metadata, utc_now


def test_whatsapp_signature_known_answer():
    body = b'{"object":"whatsapp_business_account"}'
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signature("s3cret", body) == f"sha256={expected}"
    assert signature("s3cret", body) != signature("other", body)


@pytest.mark.parametrize(
    "text, escaped",
    [("/handback", ESCAPE_PREFIX + "/handback"), ("  /deny", ESCAPE_PREFIX + "/deny"),
     ("where is my order?", "where is my order?"), ("a/b", "a/b")],
)  # fmt: skip
def test_customer_text_is_escaped_only_when_it_starts_with_a_slash(text, escaped):
    assert escape_customer_text(text) == escaped
    assert not escape_customer_text(text).strip().startswith("/")


def test_media_turn_and_masking():
    assert media_turn_text("voice message") == '/send_media{"media_kind": "voice message"}'
    assert mask("whatsapp:4915112345678") == "whatsapp:491…78"
    assert "12345678" not in mask("telegram:5012345678")


def test_retry_delays_back_off_and_honour_retry_after_with_a_cap():
    policy = RetryPolicy(max_attempts=5, base_delay=1, max_delay=10)
    assert [policy.delay(n, None) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 8, 10]
    assert policy.delay(1, 3) == 3 and policy.delay(1, 99) == 10


def test_migration_creates_exactly_the_channel_tables_of_the_models(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade_to_head(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    channel_diff = [d for d in diff if "channel_" in repr(d)]
    assert channel_diff == []


def test_inbox_accepts_a_delivery_once_and_keeps_the_unit_of_work_usable(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade_to_head(engine)
    sessions = session_factory(engine)
    with SqlUnitOfWork(sessions) as uow:
        first = uow.inbox.accept("telegram:1", "42", "telegram:9", {"action": "message"})
        again = uow.inbox.accept("telegram:1", "42", "telegram:9", {"action": "message"})
        other_bot = uow.inbox.accept("telegram:2", "42", "telegram:9", {"action": "message"})
        uow.commit()
    assert first is not None and again is None and other_bot is not None
    with SqlUnitOfWork(sessions) as uow:
        assert first is not None
        assert [d.id for d in uow.inbox.unprocessed("telegram:1")] == [first.id]
        uow.inbox.complete(first.id, utc_now())
        uow.commit()
    with SqlUnitOfWork(sessions) as uow:
        assert uow.inbox.unprocessed("telegram:1") == []
        # rolled back: nothing committed leaves the block
        uow.inbox.accept("telegram:1", "43", "telegram:9", {"action": "message"})
    with SqlUnitOfWork(sessions) as uow:
        assert uow.inbox.unprocessed("telegram:1") == []
