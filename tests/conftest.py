"""Fixtures shared by every test folder."""

import pytest

from ops.model import ensure_model


@pytest.fixture(scope="session")
def trained_model():
    """The model for the current data/config/domain: trained once, then reused by hash."""
    return ensure_model(quiet=True)
