"""Password hashing for desk agents: Argon2id (argon2-cffi) with its recommended parameters.

Only the encoded hash (algorithm, parameters, salt and digest in one string) is stored.
"""

from __future__ import annotations

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


def spend_verification_time(password: str) -> None:
    """Verify against a dummy hash (login of an unknown user), so timing reveals nothing."""
    verify_password(_DUMMY_HASH, password)
