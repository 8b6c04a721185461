"""``manage.py audit_verify``: check the audit log's hash chain; exit 1 if a link is broken."""

import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from bangfu.core.audit_chain import UNSEALED_GRACE, seal_pending, verify


class Command(BaseCommand):
    help = (
        "Recompute the audit log's hash chain from its anchor, name the first entry whose link "
        "is broken (changed, deleted or reordered) and count the entries left unsealed. "
        "Exit status 1 when the chain is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seal", action="store_true", help="seal every unsealed entry first (whole table)"
        )
        parser.add_argument("--limit", type=int, default=None, help="check only the newest N seals")

    def handle(self, *args, seal: bool, limit: int | None, **options):
        if seal:
            self.stdout.write(_("Sealed %(count)s entries.") % {"count": seal_pending()})
        report = verify(limit=limit)
        self.stdout.write(
            _("Checked %(checked)s seals (%(erased)s of erased entries).")
            % {"checked": report.checked, "erased": report.erased}
        )
        if report.head_seq is not None:
            self.stdout.write(
                _("Head of the chain: seal #%(seq)s, %(hash)s")
                % {"seq": report.head_seq, "hash": report.head_hash}
            )
        if report.unsealed:
            self.stdout.write(
                self.style.WARNING(
                    _("%(count)s entries have been unsealed for more than %(minutes)s minute(s).")
                    % {"count": report.unsealed, "minutes": UNSEALED_GRACE.seconds // 60}
                )
            )
        if report.ok:
            self.stdout.write(self.style.SUCCESS(_("The audit chain verifies.")))
            return
        if report.first_broken is None:
            message = _("The audit chain is broken: %(reason)s") % {"reason": report.reason}
            self.stderr.write(message)
        else:
            self.stderr.write(
                _("The audit chain is broken at entry #%(entry)s: %(reason)s")
                % {"entry": report.first_broken, "reason": report.reason}
            )
        sys.exit(1)
