"""Phone numbers in one canonical form, so that one number written two ways hashes the same."""

import re

from bangfu.core import crypto

_SEPARATORS = re.compile(r"[\s\-()]")


def canonical_phone(raw: str) -> str:
    """``+86 138-1234 5678`` → ``13812345678``; ``(0871) 812-3456`` → ``08718123456``.

    Only the writing is normalised: whether the result is a valid number is the validators' job.
    """
    digits = _SEPARATORS.sub("", raw or "")
    return digits.removeprefix("+86")


def phone_lookup_hash(raw: str) -> str:
    """The keyed hash exact searches by phone number compare: of the canonical form."""
    return crypto.lookup_hash(canonical_phone(raw))
