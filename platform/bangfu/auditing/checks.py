"""``manage.py check --deploy``: in production, no active superuser (三员分立). The three
administrators (bangfu.accounts.duties) do the superuser's work, each only their part; a
superuser is made, when one is needed, with ``manage.py createsuperuser --reason "…"`` (the
command is audited: bangfu.auditing.management.commands.createsuperuser) and deactivated after."""

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError

from bangfu.accounts.models import User

SUPERUSER_IN_PRODUCTION = "bangfu.W019"


@register(Tags.security, deploy=True)
def active_superusers(app_configs=None, **kwargs) -> list[Warning]:
    if not settings.PRODUCTION:
        return []
    try:
        names = list(
            User.objects.filter(is_superuser=True, is_active=True)
            .order_by("username")
            .values_list("username", flat=True)[:10]
        )
    except DatabaseError:  # no database yet (a build step): nothing to say about its rows
        return []
    if not names:
        return []
    return [
        Warning(
            f"Active superusers in production mode: {', '.join(names)}.",
            hint=(
                "Separate the duties (三员分立): give the system, security and audit "
                "administrator roles to three accounts and deactivate the superusers; make one "
                'when needed with `manage.py createsuperuser --reason "…"`, which is audited.'
            ),
            id=SUPERUSER_IN_PRODUCTION,
        )
    ]
