"""The audit administrator's pages: the audit log searched and exported, the security events,
the state of the audit chain. Every page reads; none changes anything (GET only)."""

import datetime as dt

from auditlog.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bangfu.accounts.duties import Role, require_duty
from bangfu.auditing.exports import audit_workbook, record_kind
from bangfu.auditing.forms import AuditSearchForm
from bangfu.auditing.selectors import (
    AuditQuery,
    audit_entries,
    page_before,
    security_events,
    what_happened,
)
from bangfu.core.audit_chain import verify
from bangfu.core.db_router import replica_view
from bangfu.core.spreadsheets import xlsx_response

SECURITY_DAYS = 7
# The chain page checks the newest seals only; ``manage.py audit_verify`` checks them all.
CHAIN_PAGE_SEALS = 10_000


def _search(request) -> tuple[AuditSearchForm, object]:
    """The form of the request's search and its entries (none while the form is invalid)."""
    require_duty(request.user, Role.AUDIT_ADMIN)
    form = AuditSearchForm(request.GET or None)
    if not request.GET:
        return form, audit_entries(AuditQuery())
    if not form.is_valid():
        return form, LogEntry.objects.none()
    return form, audit_entries(form.query(), household=form.found_household)


@never_cache
@login_required
@require_GET
def search(request):
    form, entries = _search(request)
    before = None
    if (cursor := request.GET.get("before", "")).isdigit():
        before = LogEntry.objects.filter(pk=int(cursor)).first()
    rows, last = page_before(entries, before)
    for entry in rows:
        entry.what, entry.kind = what_happened(entry), record_kind(entry)
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "auditing/search.html",
        {
            "form": form,
            "entries": rows,
            "next_before": last.pk if last else None,
            "query": query.urlencode(),
            "first_page": before is None,
        },
    )


@never_cache
@login_required
@require_GET
@replica_view
def export(request):
    form, entries = _search(request)
    query = form.query() if form.is_bound and form.is_valid() else AuditQuery()
    content, _rows = audit_workbook(entries=entries, query=query, by=request.user)
    return xlsx_response(content, f"audit-log-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


@never_cache
@login_required
@require_GET
def security(request):
    require_duty(request.user, Role.AUDIT_ADMIN)
    since = timezone.now() - dt.timedelta(days=SECURITY_DAYS)
    events = security_events(since=since)
    for entry in events.account_events:
        entry.what = what_happened(entry)
    return render(request, "auditing/security.html", {"events": events, "days": SECURITY_DAYS})


@never_cache
@login_required
@require_GET
def chain(request):
    """The newest part of the audit chain checked now (bangfu.core.audit_chain): whether every
    sealed entry is as it was written, and the first one that is not."""
    require_duty(request.user, Role.AUDIT_ADMIN)
    return render(
        request,
        "auditing/chain.html",
        {"report": verify(limit=CHAIN_PAGE_SEALS), "limit": CHAIN_PAGE_SEALS},
    )
