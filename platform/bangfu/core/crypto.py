"""Encryption at rest for personal identifiers, and the keyed hash used to look them up."""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(plain: str) -> str:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("cannot decrypt: FIELD_ENCRYPTION_KEYS does not hold its key") from None


def rotate(token: str) -> str | None:
    """The token re-encrypted under the newest key, or None when it is under that key already.

    Fernet tokens do not name their key: a token the newest key alone decrypts is current.
    """
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    try:
        _fernet(keys[:1]).decrypt(token.encode())
    except InvalidToken:
        pass
    else:
        return None
    try:
        return _fernet(keys).rotate(token.encode()).decode()
    except InvalidToken:
        raise ValueError("cannot decrypt: FIELD_ENCRYPTION_KEYS does not hold its key") from None


def lookup_hash(value: str) -> str:
    """A keyed hash: equal values give equal hashes, a dump without the key reveals nothing."""
    key = settings.LOOKUP_HASH_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
