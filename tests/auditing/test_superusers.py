"""A superuser is the exception to 三员分立: check --deploy warns while one is active in
production mode, and making one is an audited command."""

import pytest
from auditlog.models import LogEntry
from django.core.checks import run_checks
from django.core.management import CommandError, call_command

from bangfu.accounts.models import User
from bangfu.accounts.security import SECURITY_KEY, SUPERUSER_CREATED
from bangfu.auditing.checks import SUPERUSER_IN_PRODUCTION
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def warning_ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True)}


def test_check_deploy_warns_of_an_active_superuser_in_production(settings):
    settings.PRODUCTION = True
    assert SUPERUSER_IN_PRODUCTION not in warning_ids()
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert SUPERUSER_IN_PRODUCTION in warning_ids()
    root.is_active = False
    root.save()
    assert SUPERUSER_IN_PRODUCTION not in warning_ids()


def test_the_embedded_mode_keeps_its_superuser_without_a_warning(settings):
    settings.PRODUCTION = False
    UserFactory(username="root", is_superuser=True, is_staff=True)
    assert SUPERUSER_IN_PRODUCTION not in warning_ids()


def test_making_a_superuser_is_audited_with_its_reason(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Emergency-Root-2026!")
    call_command(
        "createsuperuser",
        "--no-input",
        "--username=root",
        "--email=root@example.org",
        "--reason=restore the audit administrator's account (ticket 42)",
        verbosity=0,
    )
    root = User.objects.get(username="root")
    assert root.is_superuser
    entry = LogEntry.objects.get(**{f"additional_data__{SECURITY_KEY}": SUPERUSER_CREATED})
    assert entry.object_id == root.pk and entry.action == LogEntry.Action.CREATE
    reason = entry.additional_data["reason"]
    assert reason == "restore the audit administrator's account (ticket 42)"
    assert entry.additional_data["os_user"] and entry.additional_data["host"]


def test_no_superuser_without_a_reason(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Emergency-Root-2026!")
    with pytest.raises(CommandError, match="reason"):
        call_command("createsuperuser", "--no-input", "--username=root", "--email=r@x.org")
    assert not User.objects.filter(username="root").exists()
