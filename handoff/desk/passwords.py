"""Password hashing for desk agents: Argon2id (argon2-cffi) with its recommended parameters.

Only the encoded hash (algorithm, parameters, salt and digest in one string) is stored.
"""

from __future__ import annotations

from typing import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verified when the user name is unknown, so that answer takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Return the Argon2id hash of ``password`` to store."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return whether ``password`` matches the stored ``password_hash``."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


Verifier = Callable[[str, str], bool]
"""``verify_password`` or a stand-in that runs it elsewhere (the desk's login process)."""


def spend_verification_time(password: str, verify: Verifier = verify_password) -> None:
    """Verify against a dummy hash (login of an unknown user), so timing reveals nothing."""
    verify(_DUMMY_HASH, password)
