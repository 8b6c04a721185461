from collections.abc import Callable

from django import forms
from django.core import validators
from django.db import models

from bangfu.core import crypto


class EncryptedTextField(models.TextField):
    """Stores ciphertext (``crypto.encrypt``: Fernet or SM4-GCM, as FIELD_CIPHER says; a token
    of either is read); Python code only ever sees the clear text.

    Ciphertext is randomised, so the column cannot be filtered on: pair it with a keyed-hash
    column for lookups and uniqueness. A ``max_length`` bounds the clear text (the column holds
    the longer ciphertext), and such a short value is typed in a one-line input.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else value

    def formfield(self, **kwargs):
        if self.max_length is not None:
            kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)


class LookupHashField(models.CharField):
    """The keyed hash of another field of the same row, for exact lookups of an encrypted value.

    It is recomputed from ``source`` whenever the row is saved or bulk-created, so it cannot
    fall behind the value it stands for (``QuerySet.update`` and ``bulk_update`` skip it: change
    the source through ``save``). An empty source hashes to an empty string. After
    LOOKUP_HASH_ALGORITHM changed, ``manage.py rotate_keys`` recomputes the stored values.
    """

    def __init__(
        self, *args, source: str, digest: Callable[[str], str] = crypto.lookup_hash, **kwargs
    ):
        self.source, self.digest = source, digest
        kwargs.update(max_length=64, editable=False, blank=True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for fixed in ("max_length", "editable", "blank"):
            kwargs.pop(fixed, None)
        kwargs["source"] = self.source
        if self.digest is not crypto.lookup_hash:
            kwargs["digest"] = self.digest
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.source)
        digest = self.digest(value) if value else ""
        setattr(model_instance, self.attname, digest)
        return digest
