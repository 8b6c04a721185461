"""The audit administrator's page of the audit chain: intact after ordinary writes, and naming
the first entry changed behind the application's back."""

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.urls import reverse

from bangfu.core.audit_chain import seal_pending
from bangfu.registry.services import member_identity_reveal

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_chain_page_names_the_first_entry_changed(
    client, auditadmin, bureau_staff, household_a
):
    member = household_a.members.get()
    member_identity_reveal(member=member, by=bureau_staff)
    member_identity_reveal(member=member, by=bureau_staff)
    seal_pending()
    client.force_login(auditadmin)
    intact = client.get(reverse("audit:chain"))
    assert intact.context["report"].ok and intact.context["report"].checked >= 2
    first = LogEntry.objects.filter(additional_data__revealed="id_number").order_by("pk").first()
    if connection.vendor == "postgresql":  # a DBA passing the trigger, as the prune does
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL bangfu.audit_prune = 'on'")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE auditlog_logentry SET actor_id = NULL WHERE id = %s", [first.pk])
    broken = client.get(reverse("audit:chain"))
    report = broken.context["report"]
    assert not report.ok and report.first_broken == first.pk
    assert f"#{first.pk}" in broken.content.decode()


def test_the_chain_page_checks_the_newest_seals_only_and_says_so(
    client, auditadmin, bureau_staff, household_a, monkeypatch
):
    from bangfu.auditing import views

    member = household_a.members.get()
    for _time in range(3):
        member_identity_reveal(member=member, by=bureau_staff)
    seal_pending()
    monkeypatch.setattr(views, "CHAIN_PAGE_SEALS", 2)
    client.force_login(auditadmin)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("audit:chain"))
    report = page.context["report"]
    assert report.ok and report.partial and report.checked == 2
    assert "Only the newest 2 sealed entries are checked here" in page.content.decode()
    # The newest entries removed with their seals: broken, though no entry is named.
    newest = LogEntry.objects.order_by("-pk").first()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL bangfu.audit_prune = 'on'")
        cursor.execute("DELETE FROM core_auditseal WHERE entry_id = %s", [newest.pk])
        cursor.execute("DELETE FROM auditlog_logentry WHERE id = %s", [newest.pk])
    page = client.get(reverse("audit:chain"))
    assert not page.context["report"].ok and page.context["report"].first_broken is None
    assert "entries removed after seal" in page.content.decode()
    assert "#None" not in page.content.decode()
