"""``manage.py createsuperuser --reason "…"``: Django's command, audited (三员分立).

A superuser can do everything the three administrators do apart, so making one is itself a
security event: the command asks why (``--reason``, required) and records, in the audit log,
the account made, the reason, and who ran it from where (the operating-system user and the
host), since no one is logged in to the site at a shell. In production ``check --deploy``
warns while the superuser stays active (bangfu.auditing.checks)."""

import getpass
import socket

from auditlog.models import LogEntry
from django.contrib.auth.management.commands import createsuperuser
from django.core.management.base import CommandError

from bangfu.accounts.models import User
from bangfu.accounts.security import SUPERUSER_CREATED, security_event


class Command(createsuperuser.Command):
    help = "Create a superuser, recording who made it, from where and why in the audit log."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--reason",
            required=True,
            help="why a superuser is needed (recorded in the audit log)",
        )

    def handle(self, *args, **options):
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("--reason: say why a superuser is needed.")
        before = set(User.objects.filter(is_superuser=True).values_list("pk", flat=True))
        super().handle(*args, **options)
        for user in User.objects.filter(is_superuser=True).exclude(pk__in=before):
            security_event(
                user=user,
                by=None,
                event=SUPERUSER_CREATED,
                action=LogEntry.Action.CREATE,
                reason=reason,
                os_user=_os_user(),
                host=socket.gethostname(),
            )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except OSError:  # no login name in a bare container
        return "unknown"
