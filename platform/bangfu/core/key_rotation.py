"""Re-encrypting the encrypted columns under the newest key of FIELD_ENCRYPTION_KEYS.

A new key is put first in FIELD_ENCRYPTION_KEYS (new values are encrypted with it; old ones
still decrypt with the keys after it); ``manage.py rotate_keys`` then rewrites every old value
under it, after which the old keys can be removed. The work goes by primary key in batches,
each written by one UPDATE; a value already under the newest key is left alone, so a run that
was interrupted resumes where it stopped when started again.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from django.db.models.lookups import Exact

from bangfu.core import crypto
from bangfu.core.fields import EncryptedTextField


@dataclass(frozen=True)
class Batch:
    last_pk: int
    rotated: int  # re-encrypted under the newest key
    current: int  # already under it (a previous run, or a value written since the key came)


class UndecryptableValue(Exception):
    def __init__(self, label: str, pk):
        super().__init__(
            f"{label} row {pk}: no key in FIELD_ENCRYPTION_KEYS decrypts it; "
            "put the key it was written with back in the list"
        )


def encrypted_columns() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every EncryptedTextField of every installed model, in a stable order."""
    return [
        (model, field)
        for model in sorted(apps.get_models(), key=lambda model: model._meta.label)
        if model._meta.managed and not model._meta.proxy
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def rotate_column(
    model: type[models.Model], field: EncryptedTextField, *, batch_size: int
) -> Iterator[Batch]:
    """Re-encrypt one column under the newest key, one committed batch at a time."""
    rows = (
        model._base_manager.exclude(**{field.name: ""})
        # The ciphertext as stored: the field itself would hand back the clear text.
        .annotate(token=Cast(field.name, models.TextField()))
        .order_by("pk")
    )
    last_pk = None
    while True:
        page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
        batch = list(page.values_list("pk", "token")[:batch_size])
        if not batch:
            return
        changes = [(pk, token, _rotated(model, field, pk, token)) for pk, token in batch]
        changes = [change for change in changes if change[2] is not None]
        if changes:
            _write(model, field, changes)
        last_pk = batch[-1][0]
        yield Batch(last_pk=last_pk, rotated=len(changes), current=len(batch) - len(changes))


def _rotated(model, field, pk, token: str) -> str | None:
    try:
        return crypto.rotate(token)
    except ValueError:
        raise UndecryptableValue(f"{model._meta.label}.{field.name}", pk) from None


def _write(model, field, changes: list[tuple]) -> None:
    """One UPDATE for the batch. A row is rewritten only if it still holds what was read: a
    value saved meanwhile is under the newest key already and must not be overwritten."""
    stored = Cast(field.name, models.TextField())
    model._base_manager.filter(pk__in=[pk for pk, _old, _new in changes]).update(
        **{
            field.name: models.Case(
                *[
                    models.When(
                        models.Q(Exact(stored, old), pk=pk),
                        then=models.Value(new, output_field=models.TextField()),
                    )
                    for pk, old, new in changes
                ],
                default=models.F(field.name),
                output_field=models.TextField(),
            )
        }
    )
