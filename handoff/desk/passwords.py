"""Password hashing for desk agents: Argon2id (argon2-cffi) with its recommended parameters.

Only the encoded hash (algorithm, parameters, salt and digest in one string) is stored.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Return the hash verified for an unknown user name, made on the first such login.

    An unknown name then takes as long as a wrong password. Not made at import: importing the
    channels must not spend an Argon2 hash (tens of milliseconds, 64 MiB) in every process.
    """
    return _hasher.hash("not-a-real-password")


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
    verify(_dummy_hash(), password)
