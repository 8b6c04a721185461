"""The audit administrator's reading of the audit log (django-auditlog's entries) and of the
security events (failed log-ins and lockouts kept by django-axes, the accounts' own security
events).

The audit administrator reads the whole installation's log: the three administrators are the
system's, not a county's. What an entry shows is what it holds: ``object_repr`` is masked where
the model masks it (a member's name), and of a change only the names of the fields changed are
shown, never their values.
"""

import datetime as dt
from dataclasses import dataclass

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.accounts import security
from bangfu.accounts.security import SECURITY_KEY
from bangfu.registry.models import Household

# In additional_data: the second-factor events of bangfu.accounts.two_factor.
TWO_FACTOR_KEY = "two_factor"
# The actions one can search for: auditlog's four, one kind of access, the security events.
ID_REVEAL = "id_reveal"
ACTIONS = {
    "create": (_("created"), Q(action=LogEntry.Action.CREATE)),
    "update": (_("changed"), Q(action=LogEntry.Action.UPDATE)),
    "delete": (_("deleted"), Q(action=LogEntry.Action.DELETE)),
    "access": (_("read or exported"), Q(action=LogEntry.Action.ACCESS)),
    ID_REVEAL: (
        _("ID number revealed"),
        Q(action=LogEntry.Action.ACCESS, additional_data__revealed="id_number"),
    ),
    "security": (
        _("security event"),
        Q(additional_data__has_key=SECURITY_KEY) | Q(additional_data__has_key=TWO_FACTOR_KEY),
    ),
}
PAGE_SIZE = 50
# What the keys an entry's additional_data holds mean, in words: the security and second-factor
# events, what was revealed, which export. A key not named here is shown as it is.
DETAIL_LABELS = {
    security.LOCKOUT_CLEARED: _("lockout lifted"),
    security.TWO_FACTOR_RESET: _("second factor reset"),
    security.SUPERUSER_CREATED: _("superuser created"),
    security.PASSWORD_SET: _("password set"),
    security.ACCOUNT_ACTIVATED: _("account activated"),
    security.ACCOUNT_DEACTIVATED: _("account deactivated"),
    # bangfu.accounts.two_factor
    "enrolled": _("second factor enrolled"),
    "recovery_codes_created": _("recovery codes made"),
    "code_refused": _("second-factor code refused"),
    "recovery_code_used": _("recovery code used"),
    "device_removed": _("second-factor device removed"),
    # revealed
    "id_number": _("ID number"),
    "ledger_export": _("household ledger, unmasked"),
    # exports (bangfu.auditing.exports, bangfu.registry.exports)
    "audit_log": _("audit log"),
    "registry.households": _("household list"),
}


@dataclass(frozen=True)
class AuditQuery:
    """One search of the audit log; every part optional."""

    actor: str = ""  # a username
    household: str = ""  # a registry number
    action: str = ""  # a key of ACTIONS
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    ip: str = ""


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def household_q(household: Household) -> Q:
    """Entries on the household, on the rows of every audited model that belong to it (its
    members, assessments, needs, decisions…), and accesses that name it."""
    query = Q(
        content_type=ContentType.objects.get_for_model(Household), object_id=household.pk
    ) | Q(additional_data__household=household.registry_number)
    for model in auditlog.get_models():
        field = next((f for f in model._meta.fields if f.name == "household"), None)
        if field is None or field.related_model is not Household:
            continue
        rows = model._default_manager.filter(household=household).values("pk")
        query |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=rows)
    return query


def audit_entries(query: AuditQuery, *, household: Household | None = None) -> QuerySet:
    """The entries matching ``query``, newest first (``household`` is the household its
    registry number names; the caller found it, or refused the search)."""
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if query.actor:
        entries = entries.filter(actor__username=query.actor)
    if household is not None:
        entries = entries.filter(household_q(household))
    if query.action:
        entries = entries.filter(ACTIONS[query.action][1])
    if query.since:
        entries = entries.filter(timestamp__gte=_day_start(query.since))
    if query.until:
        entries = entries.filter(timestamp__lt=_day_start(query.until + dt.timedelta(days=1)))
    if query.ip:
        entries = entries.filter(remote_addr=query.ip)
    return entries


def page_before(entries: QuerySet, before: LogEntry | None, size: int = PAGE_SIZE):
    """Keyset paging, newest first: up to ``size`` entries older than ``before`` and the entry
    the next page starts after (None on the last page). No count: the log grows without end."""
    if before is not None:
        entries = entries.filter(
            Q(timestamp__lt=before.timestamp) | Q(timestamp=before.timestamp, pk__lt=before.pk)
        )
    rows = list(entries[: size + 1])
    return rows[:size], (rows[size - 1] if len(rows) > size else None)


def what_happened(entry: LogEntry) -> str:
    """The entry's action in words, with its detail: which fields changed (names only), what was
    revealed or exported, which security event."""
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    event = data.get(SECURITY_KEY) or data.get(TWO_FACTOR_KEY)
    if event:
        return f"{ACTIONS['security'][0]}: {detail_label(event)}"
    if entry.action == LogEntry.Action.ACCESS and data.get("revealed") == "id_number":
        return str(ACTIONS[ID_REVEAL][0])
    words = str(entry.get_action_display())
    if entry.action == LogEntry.Action.UPDATE:
        fields = ", ".join(sorted(field_label(entry, name) for name in entry.changes_dict))
        return f"{words}: {fields}" if fields else words
    detail = data.get("revealed") or data.get("export") or data.get("export_download")
    return f"{words}: {detail_label(detail)}" if detail else words


def detail_label(key) -> str:
    return str(DETAIL_LABELS.get(key, key))


def field_label(entry: LogEntry, name: str) -> str:
    """The changed field's name as its model calls it (its verbose name)."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    try:
        return str(model._meta.get_field(name).verbose_name)
    except (AttributeError, FieldDoesNotExist):  # no model any more, or no such field
        return name


# --- security events ------------------------------------------------------------------------


@dataclass(frozen=True)
class SecurityEvents:
    locked_out: list  # AccessAttempt rows at or over the failure limit
    failures: list  # AccessFailureLog rows, newest first
    log_ins: list  # AccessLog rows, newest first
    account_events: list  # audit entries with a security event (unlocks, resets, superusers)


def locked_out_attempts() -> QuerySet:
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).order_by("-attempt_time")


def security_events(*, since: dt.datetime, limit: int = 100) -> SecurityEvents:
    return SecurityEvents(
        locked_out=list(locked_out_attempts()[:limit]),
        failures=list(
            AccessFailureLog.objects.filter(attempt_time__gte=since).order_by("-attempt_time")[
                :limit
            ]
        ),
        log_ins=list(
            AccessLog.objects.filter(attempt_time__gte=since).order_by("-attempt_time")[:limit]
        ),
        account_events=list(
            LogEntry.objects.filter(ACTIONS["security"][1], timestamp__gte=since)
            .select_related("actor", "content_type")
            .order_by("-timestamp", "-pk")[:limit]
        ),
    )
