"""Encryption at rest for personal identifiers, and the keyed hash used to look them up.

Two field ciphers, chosen by ``FIELD_CIPHER``: Fernet (AES-128-CBC with HMAC-SHA256, the
default) or SM4-GCM (GB/T 32907 in Galois/counter mode) for deployments that must use the
national algorithms. Every token says which cipher wrote it, so both kinds are read whatever the
setting is: a Fernet token starts with ``gAAAA`` (its version byte in base64) and names no key
(MultiFernet tries each of ``FIELD_ENCRYPTION_KEYS``); an SM4 token is
``sm4g:<key id>:<base64url of nonce (12 bytes), ciphertext and tag (16 bytes)>`` and names its
key in ``SM4_KEYS``. New values use the setting's cipher and its newest key; ``rotate`` moves an
old token to them.

The keyed hash (``LOOKUP_HASH_ALGORITHM``) is HMAC-SHA256 or HMAC-SM3 under ``LOOKUP_HASH_KEY``.
"""

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FERNET, SM4_GCM = "fernet", "sm4-gcm"
CIPHERS = (FERNET, SM4_GCM)
HMAC_SHA256, HMAC_SM3 = "hmac-sha256", "hmac-sm3"
HASH_ALGORITHMS = (HMAC_SHA256, HMAC_SM3)

SM4_PREFIX = "sm4g:"
_NONCE_BYTES, _TAG_BYTES = 12, 16
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class Sm4Key:
    id: str
    key: bytes


# --- configuration --------------------------------------------------------------------------


def check_settings(*, cipher: str, fernet_keys: list[str], sm4_keys: list[str], hashing: str):
    """Refuse a configuration that cannot work, naming the variable to fix (called by settings)."""
    if cipher not in CIPHERS:
        raise ImproperlyConfigured(f"FIELD_CIPHER={cipher!r}: use one of {', '.join(CIPHERS)}.")
    if hashing not in HASH_ALGORITHMS:
        raise ImproperlyConfigured(
            f"LOOKUP_HASH_ALGORITHM={hashing!r}: use one of {', '.join(HASH_ALGORITHMS)}."
        )
    if cipher == FERNET and not fernet_keys:
        raise ImproperlyConfigured("Set FIELD_ENCRYPTION_KEYS (comma-separated Fernet keys).")
    if cipher == SM4_GCM and not sm4_keys:
        raise ImproperlyConfigured(
            "FIELD_CIPHER=sm4-gcm needs SM4_KEYS: comma-separated keyid:base64-of-16-bytes "
            "entries, newest first."
        )
    _sm4_keys(tuple(sm4_keys))


@cache
def _sm4_keys(entries: tuple[str, ...]) -> tuple[Sm4Key, ...]:
    keys = []
    for position, entry in enumerate(entries, start=1):
        key_id, _colon, encoded = entry.partition(":")
        try:
            key = base64.b64decode(encoded.encode(), validate=True)
        except binascii.Error:
            key = b""
        if not _KEY_ID.match(key_id) or len(key) != 16:
            raise ImproperlyConfigured(
                f"SM4_KEYS entry {position} must be keyid:base64-of-16-bytes (a key id of up to "
                "32 letters, digits, - or _; a 128-bit key in standard base64)."
            )
        if any(known.id == key_id for known in keys):
            raise ImproperlyConfigured(f"SM4_KEYS: key id {key_id!r} appears twice.")
        keys.append(Sm4Key(key_id, key))
    return tuple(keys)


def _configured_sm4_keys(*, for_what: str) -> tuple[Sm4Key, ...]:
    keys = _sm4_keys(tuple(getattr(settings, "SM4_KEYS", [])))
    if not keys:
        raise ImproperlyConfigured(f"{for_what} needs SM4_KEYS: none is set.")
    return keys


def _configured_fernet(*, newest_only: bool = False) -> MultiFernet:
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured(
            "A value is Fernet-encrypted and FIELD_ENCRYPTION_KEYS is empty: set the keys it "
            "was written with."
        )
    return _fernet(keys[:1] if newest_only else keys)


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def current_cipher() -> str:
    return getattr(settings, "FIELD_CIPHER", FERNET)


# --- SM4-GCM ----------------------------------------------------------------------------------


def _sm4_encrypt(plain: bytes, key: Sm4Key) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(key.key), modes.GCM(nonce)).encryptor()
    # The prefix and key id are authenticated: a token moved to another key id is refused.
    encryptor.authenticate_additional_data(f"{SM4_PREFIX}{key.id}".encode())
    sealed = nonce + encryptor.update(plain) + encryptor.finalize() + encryptor.tag
    return f"{SM4_PREFIX}{key.id}:{base64.urlsafe_b64encode(sealed).decode()}"


def _sm4_parts(token: str) -> tuple[str, bytes]:
    key_id, _colon, body = token.removeprefix(SM4_PREFIX).partition(":")
    try:
        sealed = base64.urlsafe_b64decode(body.encode())
    except (binascii.Error, ValueError):
        sealed = b""
    if not key_id or len(sealed) < _NONCE_BYTES + _TAG_BYTES:
        raise ValueError("cannot decrypt: the SM4 token is malformed")
    return key_id, sealed


def _sm4_decrypt(token: str) -> bytes:
    key_id, sealed = _sm4_parts(token)
    keys = {key.id: key for key in _configured_sm4_keys(for_what="An SM4-encrypted value")}
    if key_id not in keys:
        raise ValueError(
            f"cannot decrypt: the value was written with SM4 key {key_id!r}, which SM4_KEYS "
            "does not hold"
        )
    nonce, body, tag = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:-_TAG_BYTES], sealed[-_TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(keys[key_id].key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(f"{SM4_PREFIX}{key_id}".encode())
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag:
        raise ValueError(
            f"cannot decrypt: the SM4 value under key {key_id!r} fails its integrity check "
            "(altered, or the key changed under the same id)"
        ) from None


# --- the field cipher -------------------------------------------------------------------------


def is_sm4(token: str) -> bool:
    return token.startswith(SM4_PREFIX)


def encrypt(plain: str) -> str:
    """``plain`` under the configured cipher and its newest key."""
    if current_cipher() == SM4_GCM:
        newest = _configured_sm4_keys(for_what="FIELD_CIPHER=sm4-gcm")[0]
        return _sm4_encrypt(plain.encode(), newest)
    return _configured_fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The clear text of a token of either cipher; ValueError naming the missing key if no
    configured key opens it."""
    if is_sm4(token):
        return _sm4_decrypt(token).decode()
    try:
        return _configured_fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("cannot decrypt: FIELD_ENCRYPTION_KEYS does not hold its key") from None


def rotate(token: str) -> str | None:
    """The token re-encrypted under the configured cipher and its newest key, or None when it
    is under them already. Moves values between keys and between ciphers, both ways.

    Fernet tokens do not name their key: a token the newest key alone decrypts is current.
    """
    if current_cipher() == SM4_GCM:
        newest = _configured_sm4_keys(for_what="FIELD_CIPHER=sm4-gcm")[0]
        if is_sm4(token) and _sm4_parts(token)[0] == newest.id:
            return None
        return _sm4_encrypt(decrypt(token).encode(), newest)
    if is_sm4(token):
        return encrypt(decrypt(token))
    try:
        _configured_fernet(newest_only=True).decrypt(token.encode())
    except InvalidToken:
        pass
    else:
        return None
    try:
        return _configured_fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise ValueError("cannot decrypt: FIELD_ENCRYPTION_KEYS does not hold its key") from None


# --- the keyed hash ---------------------------------------------------------------------------

_hashing_override: ContextVar[str | None] = ContextVar("hashing_override", default=None)


def hash_algorithm() -> str:
    return _hashing_override.get() or getattr(settings, "LOOKUP_HASH_ALGORITHM", HMAC_SHA256)


@contextmanager
def hashing_with(algorithm: str) -> Iterator[None]:
    """Compute lookup hashes with ``algorithm`` inside the block, whatever the setting says:
    re-hashing finds which algorithm wrote a stored hash by computing it both ways."""
    if algorithm not in HASH_ALGORITHMS:
        raise ValueError(f"unknown lookup hash algorithm {algorithm!r}")
    reset = _hashing_override.set(algorithm)
    try:
        yield
    finally:
        _hashing_override.reset(reset)


def lookup_hash(value: str) -> str:
    """A keyed hash: equal values give equal hashes, a dump without the key reveals nothing.

    64 hexadecimal characters under either algorithm (both digests are 256 bits)."""
    key = settings.LOOKUP_HASH_KEY.encode()
    if hash_algorithm() == HMAC_SM3:
        mac = crypto_hmac.HMAC(key, hashes.SM3())
        mac.update(value.encode())
        return mac.finalize().hex()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
