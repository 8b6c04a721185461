"""Rewriting what is stored after a key, the field cipher or the lookup hash algorithm changed.

Encrypted columns: a new key is put first in FIELD_ENCRYPTION_KEYS or SM4_KEYS, or FIELD_CIPHER
names the other cipher (new values are written so at once; old ones still decrypt with the
keys kept in the lists); ``manage.py rotate_keys`` then rewrites every old value under the
current cipher and its newest key, after which the old keys can be removed.

Stored keyed hashes: after LOOKUP_HASH_ALGORITHM changed, every hash kept in the database is
recomputed from the clear value it stands for. LookupHashField columns are found on the models;
hashes an app writes itself (or embeds in another value, as a warning's key) are registered by
that app with ``register_stored_hash`` in its ``ready``.

The work goes by primary key in batches, each written by one UPDATE; a value already current
is left alone, so a run that was interrupted resumes where it stopped when started again.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from django.db.models.lookups import Exact

from bangfu.core import crypto
from bangfu.core.fields import EncryptedTextField, LookupHashField


@dataclass(frozen=True)
class Batch:
    last_pk: int
    rotated: int  # rewritten: re-encrypted, or re-hashed
    current: int  # already current (a previous run, or a value written since the change)
    unmatched: int = 0  # a stored hash its source no longer gives under any algorithm: kept


class UndecryptableValue(Exception):
    def __init__(self, label: str, pk, reason: str):
        super().__init__(
            f"{label} row {pk}: no key opens it ({reason.removeprefix('cannot decrypt: ')}); "
            "put the key it was written with back in FIELD_ENCRYPTION_KEYS or SM4_KEYS"
        )


def _concrete_models() -> list[type[models.Model]]:
    return [
        model
        for model in sorted(apps.get_models(), key=lambda model: model._meta.label)
        if model._meta.managed and not model._meta.proxy
    ]


def _stored(field_name: str):
    """The column as stored: a field of this module would hand back the clear text."""
    return Cast(field_name, models.TextField())


def _write(model, field_name: str, changes: list[tuple]) -> None:
    """One UPDATE for the batch. A row is rewritten only if it still holds what was read: a
    value saved meanwhile is current already and must not be overwritten."""
    model._base_manager.filter(pk__in=[pk for pk, _old, _new in changes]).update(
        **{
            field_name: models.Case(
                *[
                    models.When(
                        models.Q(Exact(_stored(field_name), old), pk=pk),
                        then=models.Value(new, output_field=models.TextField()),
                    )
                    for pk, old, new in changes
                ],
                default=models.F(field_name),
                output_field=models.TextField(),
            )
        }
    )


def _batches(rows: models.QuerySet, fields: list[str], batch_size: int) -> Iterator[list[tuple]]:
    last_pk = None
    while True:
        page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
        batch = list(page.values_list("pk", *fields)[:batch_size])
        if not batch:
            return
        yield batch
        last_pk = batch[-1][0]


# --- encrypted columns ------------------------------------------------------------------------


def encrypted_columns() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every EncryptedTextField of every installed model, in a stable order."""
    return [
        (model, field)
        for model in _concrete_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def rotate_column(
    model: type[models.Model], field: EncryptedTextField, *, batch_size: int
) -> Iterator[Batch]:
    """Re-encrypt one column under the current cipher and newest key, a batch at a time."""
    rows = (
        model._base_manager.exclude(**{field.name: ""})
        .annotate(token=_stored(field.name))
        .order_by("pk")
    )
    for batch in _batches(rows, ["token"], batch_size):
        changes = [(pk, token, _rotated(model, field, pk, token)) for pk, token in batch]
        changes = [change for change in changes if change[2] is not None]
        if changes:
            _write(model, field.name, changes)
        yield Batch(last_pk=batch[-1][0], rotated=len(changes), current=len(batch) - len(changes))


def _rotated(model, field, pk, token: str) -> str | None:
    try:
        return crypto.rotate(token)
    except ValueError as error:
        raise UndecryptableValue(f"{model._meta.label}.{field.name}", pk, str(error)) from None


# --- stored keyed hashes ----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredHash:
    """A column holding the keyed hash of a clear value kept elsewhere in the database.

    ``sources``: field paths (``"intake__caller_phone"``) to the clear value, the first
    non-empty one counting. ``derived``: the column is by definition the hash of its source (a
    LookupHashField), so any differing value is rewritten; otherwise only a value that is the
    source's hash under another algorithm is, and one that is not (the source changed since the
    hash was written: a corrected ID number) is left as it is and counted as unmatched.
    ``embedded``: the column holds a text that may contain a leading part (16 characters or
    more) of the hash (a warning's key), and that part is replaced.
    """

    model: type[models.Model]
    field: str
    digest: Callable[[str], str]
    sources: tuple[str, ...]
    derived: bool = False
    embedded: bool = False

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


_REGISTERED: list[StoredHash] = []
_EMBEDDED_AT_LEAST = 16  # hexadecimal characters of a hash that identify it inside a text


def register_stored_hash(
    model: type[models.Model],
    field: str,
    *,
    digest: Callable[[str], str],
    sources: list[str],
    embedded: bool = False,
) -> None:
    """Tell ``rotate_keys`` of a column holding a keyed hash that is not a LookupHashField."""
    _REGISTERED.append(StoredHash(model, field, digest, tuple(sources), embedded=embedded))


def stored_hashes() -> list[StoredHash]:
    """Every stored keyed hash: LookupHashField columns, then the registered ones. A
    LookupHashField whose value does not depend on the hash algorithm (a search key made of
    the name's pinyin) is not one."""
    fields = [
        StoredHash(model, field.name, field.digest, (field.source,), derived=True)
        for model in _concrete_models()
        for field in model._meta.concrete_fields
        if isinstance(field, LookupHashField)
    ]
    return [stored for stored in [*fields, *_REGISTERED] if _keyed(stored.digest)]


def _keyed(digest: Callable[[str], str]) -> bool:
    probe = "530428199001011234"
    return len({_digest_with(algorithm, digest, probe) for algorithm in crypto.HASH_ALGORITHMS}) > 1


def _digest_with(algorithm: str, digest: Callable[[str], str], value: str) -> str:
    with crypto.hashing_with(algorithm):
        return digest(value)


def _encrypted(model: type[models.Model], path: str) -> bool:
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return isinstance(model._meta.get_field(name), EncryptedTextField)


def rehash_column(stored: StoredHash, *, batch_size: int) -> Iterator[Batch]:
    """Recompute one column's hashes under the current algorithm, a batch at a time."""
    names = [f"source_{index}" for index in range(len(stored.sources))]
    encrypted = [_encrypted(stored.model, path) for path in stored.sources]
    rows = (
        stored.model._base_manager.exclude(**{stored.field: ""})
        .annotate(
            stored_hash=_stored(stored.field),
            **{name: _stored(path) for name, path in zip(names, stored.sources, strict=True)},
        )
        .order_by("pk")
    )
    for batch in _batches(rows, ["stored_hash", *names], batch_size):
        changes, unmatched = [], 0
        for pk, value, *raw in batch:
            clear = _source(stored, pk, raw, encrypted)
            if clear:
                new = _rehashed(stored, value, clear)
            else:  # nothing to hash: a field's hash is then empty, a text holds none
                new = "" if stored.derived else value if stored.embedded else None
            if new is None:
                unmatched += 1
            elif new != value:
                changes.append((pk, value, new))
        if changes:
            _write(stored.model, stored.field, changes)
        yield Batch(
            last_pk=batch[-1][0],
            rotated=len(changes),
            current=len(batch) - len(changes) - unmatched,
            unmatched=unmatched,
        )


def _source(stored: StoredHash, pk, raw: list[str | None], encrypted: list[bool]) -> str:
    for value, is_encrypted in zip(raw, encrypted, strict=True):
        if not value:
            continue
        try:
            return crypto.decrypt(value) if is_encrypted else value
        except ValueError as error:
            raise UndecryptableValue(stored.label, pk, str(error)) from None
    return ""


def _rehashed(stored: StoredHash, value: str, clear: str) -> str | None:
    """The value as the current algorithm writes it, or None if no algorithm wrote it."""
    new = stored.digest(clear)
    current = crypto.hash_algorithm()
    if not stored.embedded:
        if value == new:
            return value
        others = (_digest_with(a, stored.digest, clear) for a in crypto.HASH_ALGORITHMS)
        return new if stored.derived or value in others else None
    if new[:_EMBEDDED_AT_LEAST] in value:
        return value
    for algorithm in crypto.HASH_ALGORITHMS:
        if algorithm != current:
            old = _digest_with(algorithm, stored.digest, clear)
            start = value.find(old[:_EMBEDDED_AT_LEAST])
            if start >= 0:  # as much of the old hash as the text holds, by as much of the new
                length, rest = _EMBEDDED_AT_LEAST, value[start:]
                while length < min(len(old), len(rest)) and rest[length] == old[length]:
                    length += 1
                return value[:start] + new[:length] + value[start + length :]
    return value  # no hash of this source in the text (a warning keyed otherwise)
