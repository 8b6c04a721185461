"""manage.py import_ledger FILE --as USERNAME [--dry-run]: the ledger import from a shell."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bangfu.registry.ledger import import_ledger


class Command(BaseCommand):
    help = "Import a household ledger (台账, .xlsx or .csv): every row, or none if any is wrong."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .csv ledger")
        parser.add_argument(
            "--as", dest="username", required=True, help="the user the import is made as"
        )
        parser.add_argument("--dry-run", action="store_true", help="check the file, write nothing")

    def handle(self, *args, file: str, username: str, dry_run: bool, **options):
        path = Path(file)
        try:
            user = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(_("No active user %(username)s.") % {"username": username}) from None
        try:
            with path.open("rb") as fileobj:
                report = import_ledger(fileobj, filename=path.name, by=user, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(str(exc)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        for error in report.errors:
            self.stdout.write(
                _("Row %(row)d, %(column)s: %(reason)s")
                % {"row": error.row, "column": error.column or "-", "reason": error.reason}
            )
        if report.ignored_columns:
            self.stdout.write(
                _("Columns ignored: %(columns)s") % {"columns": ", ".join(report.ignored_columns)}
            )
        counts = {
            "rows": report.rows,
            "households": report.households_created,
            "members": report.members_created,
        }
        if not report.ok:
            raise CommandError(
                _("Refused: %(count)d errors in %(rows)d rows; nothing was written.")
                % {"count": len(report.errors), "rows": report.rows}
            )
        if dry_run:
            message = _(
                "Dry run: %(rows)d rows are correct; the import would add %(households)d "
                "households and %(members)d members."
            )
        else:
            message = _("Imported %(rows)d rows: %(households)d households, %(members)d members.")
        self.stdout.write(self.style.SUCCESS(message % counts))
