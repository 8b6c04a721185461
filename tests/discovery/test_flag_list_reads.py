"""The warning list reads a page in a fixed number of queries however many warnings it shows,
and names, labels and links each warning as a warning's own objects would."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse

from bangfu.discovery import selectors
from bangfu.discovery.explain import name_subjects, subject_name
from bangfu.discovery.importing import import_crosscheck
from bangfu.discovery.models import Flag, Rule, Source, Task
from bangfu.registry.models import Member
from tests.discovery.conftest import MEDICAL, csv_upload, person_id
from tests.factories import HouseholdFactory, MemberFactory, UserFactory

_keys = itertools.count(1)
DONE = {"status": Task.Status.DONE, "completed_on": dt.date(2026, 11, 10)}


def _household_warning(village, *relations, task: dict | None = None) -> Flag:
    """A review warning on a household with members of ``relations`` (in that order of pk)."""
    n = next(_keys)
    home = HouseholdFactory(region=village, registry_number=f"530428-{n:05d}")
    for i, relation in enumerate(relations):
        MemberFactory(household=home, name=f"成员{n}号{i}", relation=relation)
    return Flag.objects.create(
        rule=Rule.DIBAO_REVIEW_DUE,
        key=f"household:{n}",
        region=village,
        household=home,
        fired_on=dt.date(2026, 11, 1),
        evidence={"due": "2026-11-01", "overdue_days": 19},
        task=Task.objects.create(
            kind=Task.Kind.VERIFY, region=village, household=home, due_on=dt.date(2026, 12, 1),
            **(task or {}),
        ),
    )  # fmt: skip


@pytest.fixture
def candidates(place, bureau):
    """Two medical warnings on people the registry does not know, with their tasks."""
    rows = [
        [person_id(), name, place["village"].code, 2026, "50000"] for name in ("甲某人", "乙某人")
    ]
    import_crosscheck(csv_upload(MEDICAL, rows), source=Source.MEDICAL, filename="m.csv", by=bureau)


def _page_queries(client, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(60) as captured:
        assert client.get(reverse("discovery:flag-list")).status_code == 200
    return len(captured.captured_queries)


def test_a_page_of_twenty_five_warnings_takes_as_many_queries_as_a_page_of_four(
    place, bureau, candidates, client, django_assert_max_num_queries, django_assert_num_queries
):
    _household_warning(place["village"], "head", "child")
    _household_warning(place["village_b"], "spouse")
    client.force_login(bureau)
    few = _page_queries(client, django_assert_max_num_queries)

    for n in range(30):
        task = dict(DONE, outcome=Task.Outcome.NO_CHANGE) if n % 2 else None
        _household_warning(place["village"], "spouse", "head", "child", task=task)
    assert _page_queries(client, django_assert_max_num_queries) == few

    # Positive control: a column the list does not read (a household's phone), read for each
    # row, is a query a row; so is a person the list does not join.
    flags = [f for f in selectors.ranked(selectors.flags_for(bureau))[:25] if f.household_id]
    assert len(flags) == 23
    with django_assert_num_queries(23):
        for flag in flags:
            assert flag.household.phone is not None
    with django_assert_num_queries(23):
        for flag in flags:
            assert flag.household.head is not None


def test_the_list_names_each_warnings_person_as_its_own_page_does(
    place, bureau, candidates, django_assert_max_num_queries
):
    registered = _household_warning(place["village"], "head", "spouse")
    registered.member = registered.household.members.get(relation="spouse")
    registered.save()
    # No head: the first member in the members' order (a child before a spouse), not by pk.
    headless = _household_warning(place["village"], "spouse", "child")
    empty = _household_warning(place["village_b"])
    prober = UserFactory(username="prober", display_name="探测者")
    Flag.objects.create(
        rule=Rule.IDENTITY_PROBING, key="user:prober", flagged_user=prober,
        fired_on=dt.date(2026, 11, 1),
        evidence={"refusals": 9, "by": "prober", "day": "2026-11-01", "threshold": 5},
    )  # fmt: skip
    full = {flag.pk: subject_name(flag, reveal=False) for flag in selectors.flags_in_full(bureau)}
    full |= {
        flag.pk: subject_name(flag, reveal=False)
        for flag in Flag.objects.filter(flagged_user__isnull=False)
    }
    assert len(full) == 6
    assert (
        full[headless.pk]
        == Member.objects.get(household=headless.household_id, relation="child").masked_name
    )
    assert full[registered.pk] == registered.member.masked_name and full[empty.pk] == ""
    assert full[Flag.objects.get(flagged_user=prober).pk] == "探测者"

    rows = list(Flag.objects.select_related("household"))
    with django_assert_max_num_queries(3):  # members and heads, candidates, users
        name_subjects(rows)
    assert {row.pk: row.subject for row in rows} == full


def test_the_list_labels_and_links_each_warning_as_before(place, bureau, candidates, client):
    done = _household_warning(
        place["village"], "head",
        task=dict(DONE, outcome=Task.Outcome.REFERRED),
    )  # fmt: skip
    client.force_login(bureau)
    page = client.get(reverse("discovery:flag-list"))
    flags = page.context["flags"]
    assert len(flags) == 3
    text = page.content.decode()
    for flag in flags:
        task = Task.objects.get(pk=flag.task_id)
        state = task.get_outcome_display() if task.outcome else task.get_status_display()
        assert (flag.rule_label, flag.task.state_label) == (flag.get_rule_display(), state)
        assert f'<a href="{reverse("discovery:flag-detail", args=[flag.pk])}">' in text
        assert f'<a href="{reverse("discovery:task-detail", args=[task.pk])}">' in text
    assert (
        "referred for assessment" in text
        and f"{place['town'].name} / {place['village'].name}" in text
    )
    assert Task.objects.get(pk=done.task_id).outcome == Task.Outcome.REFERRED


def test_the_filter_form_comes_when_its_panel_is_opened(place, bureau, candidates, client):
    client.force_login(bureau)
    url = reverse("discovery:flag-list")

    page = client.get(url).content.decode()
    form = client.get(url, {"state": "open", "filters": "1"}, HTTP_HX_REQUEST="true")
    filtered = client.get(url, {"state": "open"}).content.decode()

    assert 'name="rule"' not in page and 'hx-get="?filters=1"' in page
    assert form.content.decode().startswith(f'<form method="get" action="{url}">')
    assert 'name="rule"' in form.content.decode() and "flags" not in form.context
    assert '<option value="open" selected>' in form.content.decode()
    assert '<details class="filters" open>' in filtered and 'name="rule"' in filtered
