from alembic.script import ScriptDirectory

from handoff.store.migrate import alembic_config


def test_the_store_migrations_have_a_single_head():
    # Two revisions on the same parent need a merge revision, or the next one is ambiguous.
    assert ScriptDirectory.from_config(alembic_config()).get_heads() == ["0009"]
