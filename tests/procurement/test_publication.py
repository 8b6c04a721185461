"""A project's public notice (公示) is announced through ``bangfu.core.publications`` when what the
public sees of it may change: on approval and on every later change of status, after the
commit, never for a change that was rolled back."""

import pytest
from django.db import transaction

from bangfu.core import publications
from bangfu.procurement import services

pytestmark = pytest.mark.django_db


class Interrupted(Exception):
    pass


@pytest.fixture
def sent(monkeypatch):
    """The kinds and pks the public site would receive, in order."""
    received: list[tuple[str, int]] = []

    def handler(kind: str, pk: int) -> None:
        received.append((kind, pk))

    monkeypatch.setattr(publications, "on_published", [handler])
    return received


def test_approval_announces_the_project_once_after_the_commit(
    sent, funded, submitted, manager, django_capture_on_commit_callbacks
):
    project = submitted()
    with django_capture_on_commit_callbacks(execute=True):
        services.project_approve(project=project, by=manager)
        assert sent == []  # not before the commit
    assert sent == [("project", project.pk)]


def test_an_approval_rolled_back_announces_nothing(
    sent, funded, submitted, manager, django_capture_on_commit_callbacks
):
    project = submitted()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Interrupted),
        transaction.atomic(),
    ):
        services.project_approve(project=project, by=manager)
        raise Interrupted
    assert sent == []
    project.refresh_from_db()
    assert project.status == project.Status.SUBMITTED


def test_a_refused_approval_announces_nothing(
    sent, funded, submitted, manager, django_capture_on_commit_callbacks
):
    project = submitted(quantity="1000", unit_price="40.01")  # over the 40,000.00 cap
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.CapExceeded),
    ):
        services.project_approve(project=project, by=manager)
    assert sent == []


def test_drafting_announces_nothing_and_each_public_status_change_announces(
    sent, funded, make_project, manager, staff, django_capture_on_commit_callbacks
):
    project = make_project()
    with django_capture_on_commit_callbacks(execute=True):
        services.project_submit(project=project, by=staff)
        services.project_return(project=project, by=manager, reason="单价偏高")
        services.project_submit(project=project, by=staff)
    assert sent == []
    for move in (services.project_approve, services.project_start, services.project_close):
        by = manager if move is services.project_approve else staff
        with django_capture_on_commit_callbacks(execute=True):
            move(project=project, by=by)
    assert sent == [("project", project.pk)] * 3
