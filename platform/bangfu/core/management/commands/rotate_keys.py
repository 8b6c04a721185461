from django.core.management.base import BaseCommand, CommandError

from bangfu.core.key_rotation import UndecryptableValue, encrypted_columns, rotate_column


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column under the newest key of FIELD_ENCRYPTION_KEYS, in "
        "batches. Values already under it are skipped: run it again to resume after a stop."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=500, help="rows per transaction (default 500)"
        )

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        total_rotated = total_current = 0
        for model, field in encrypted_columns():
            label = f"{model._meta.label}.{field.name}"
            rotated = current = 0
            try:
                for batch in rotate_column(model, field, batch_size=batch_size):
                    rotated, current = rotated + batch.rotated, current + batch.current
                    self.stdout.write(
                        f"{label}: rows up to pk {batch.last_pk} done "
                        f"({batch.rotated} re-encrypted, {batch.current} already current)"
                    )
            except UndecryptableValue as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                f"{label}: {rotated} re-encrypted, {current} already under the newest key"
            )
            total_rotated, total_current = total_rotated + rotated, total_current + current
        self.stdout.write(
            self.style.SUCCESS(
                f"{total_rotated} values re-encrypted, {total_current} already under the "
                "newest key."
            )
        )
