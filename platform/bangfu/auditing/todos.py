"""What waits for the administrators: accounts locked out (the security administrator unlocks
them, the audit administrator sees them), failed log-ins of the last day and superusers made
in the last week (the audit administrator looks into them)."""

import datetime as dt

from auditlog.models import LogEntry
from axes.models import AccessFailureLog
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bangfu.accounts.duties import Role, duties_of
from bangfu.accounts.security import SECURITY_KEY, SUPERUSER_CREATED
from bangfu.auditing.selectors import locked_out_attempts
from bangfu.core.todos import Todo, register


@register
def administrators_todos(user, now: dt.datetime) -> list[Todo]:
    duties = duties_of(user) if not user.is_superuser else frozenset()
    if not duties & {Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}:
        return []
    todos = []
    locked = locked_out_attempts().count()
    if locked:
        url = (
            reverse("admin:accounts_user_changelist")
            if Role.SECURITY_ADMIN in duties
            else reverse("audit:security")
        )
        todos.append(
            Todo(
                group=_("Security"),
                title=ngettext(
                    "account locked out after failed log-ins",
                    "accounts locked out after failed log-ins",
                    locked,
                ),
                url=url,
                urgent=True,
                count=locked,
            )
        )
    if Role.AUDIT_ADMIN not in duties:
        return todos
    failures = AccessFailureLog.objects.filter(attempt_time__gte=now - dt.timedelta(days=1))
    if count := failures.count():
        todos.append(
            Todo(
                group=_("Audit"),
                title=ngettext(
                    "failed log-in in the last day", "failed log-ins in the last day", count
                ),
                url=reverse("audit:security"),
                count=count,
            )
        )
    made = LogEntry.objects.filter(
        timestamp__gte=now - dt.timedelta(days=7),
        **{f"additional_data__{SECURITY_KEY}": SUPERUSER_CREATED},
    )
    if count := made.count():
        todos.append(
            Todo(
                group=_("Audit"),
                title=ngettext(
                    "superuser made in the last week", "superusers made in the last week", count
                ),
                url=f"{reverse('audit:search')}?action=security",
                urgent=True,
                count=count,
            )
        )
    return todos
