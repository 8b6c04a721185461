from django.db import models

from bangfu.core import crypto


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code only ever sees the clear text.

    Ciphertext is randomised, so the column cannot be filtered on: pair it with a keyed-hash
    column for lookups and uniqueness.
    """

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else value
