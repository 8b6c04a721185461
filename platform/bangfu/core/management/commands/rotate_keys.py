from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from bangfu.core.key_rotation import (
    UndecryptableValue,
    encrypted_columns,
    rehash_column,
    rotate_column,
    stored_hashes,
)


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column under FIELD_CIPHER and its newest key, then recompute "
        "every stored lookup hash under LOOKUP_HASH_ALGORITHM, in batches. Values already "
        "current are skipped: run it again to resume after a stop."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=500, help="rows per transaction (default 500)"
        )

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            encrypted = self._encrypt(batch_size)
            rehashed = self._rehash(batch_size)
        except (UndecryptableValue, ImproperlyConfigured) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{encrypted} {rehashed}"))

    def _encrypt(self, batch_size: int) -> str:
        total_rotated = total_current = 0
        for model, field in encrypted_columns():
            label = f"{model._meta.label}.{field.name}"
            rotated = current = 0
            for batch in rotate_column(model, field, batch_size=batch_size):
                rotated, current = rotated + batch.rotated, current + batch.current
                self._checkpoint(label, batch, "re-encrypted")
            self.stdout.write(
                f"{label}: {rotated} re-encrypted, {current} already under the newest key"
            )
            total_rotated, total_current = total_rotated + rotated, total_current + current
        return f"{total_rotated} values re-encrypted, {total_current} already under the newest key."

    def _rehash(self, batch_size: int) -> str:
        total_rehashed = total_unmatched = 0
        for stored in stored_hashes():
            rehashed = current = unmatched = 0
            for batch in rehash_column(stored, batch_size=batch_size):
                rehashed, current = rehashed + batch.rotated, current + batch.current
                unmatched += batch.unmatched
                self._checkpoint(stored.label, batch, "re-hashed")
            line = f"{stored.label}: {rehashed} re-hashed, {current} already current"
            if unmatched:
                line += f", {unmatched} kept (their source no longer gives them)"
            self.stdout.write(line)
            total_rehashed, total_unmatched = total_rehashed + rehashed, total_unmatched + unmatched
        kept = f", {total_unmatched} kept" if total_unmatched else ""
        return f"{total_rehashed} lookup hashes re-hashed{kept}."

    def _checkpoint(self, label: str, batch, done: str) -> None:
        self.stdout.write(
            f"{label}: rows up to pk {batch.last_pk} done "
            f"({batch.rotated} {done}, {batch.current} already current)"
        )
