"""``manage.py audit_prune``: remove the audit entries past the retention period, re-anchoring
the hash chain (bangfu.core.audit_pruning)."""

import getpass
import socket

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bangfu.core.audit_pruning import prune


class Command(BaseCommand):
    help = (
        "Delete the audit entries older than AUDIT_RETENTION_DAYS (and their seals), record "
        "what was removed and the chain hash the remaining chain starts from."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be removed, remove nothing"
        )

    def handle(self, *args, dry_run: bool, **options):
        by = f"manage.py audit_prune ({getpass.getuser()}@{socket.gethostname()})"
        try:
            result = prune(by=by, dry_run=dry_run)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        if not result.entries and result.last_seq is None:
            self.stdout.write(
                _("Nothing to prune: no entry is older than %(cutoff)s.")
                % {"cutoff": f"{result.cutoff:%Y-%m-%d %H:%M}"}
            )
            return
        message = (
            _("Would remove %(count)s entries (%(oldest)s to %(newest)s), up to seal #%(seq)s.")
            if dry_run
            else _("Removed %(count)s entries (%(oldest)s to %(newest)s), up to seal #%(seq)s.")
        )
        self.stdout.write(
            message
            % {
                "count": result.entries,
                "oldest": f"{result.oldest:%Y-%m-%d}" if result.oldest else "-",
                "newest": f"{result.newest:%Y-%m-%d}" if result.newest else "-",
                "seq": result.last_seq,
            }
        )
        if not dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    _("The chain now starts from anchor %(hash)s.") % {"hash": result.anchor_hash}
                )
            )
