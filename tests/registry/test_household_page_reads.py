"""The household page reads each piece once: its timeline, its coverage and grants blocks and the
panels of the apps above share the status decisions, the grants, the needs, the region's policy
and the answer to "may this user read the household", so its queries stay few and flat however
many rows the household has."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bangfu.matching_runs.models import Allocation as RunAllocation
from bangfu.matching_runs.models import MatchingRun, ProviderKind
from bangfu.registry import selectors
from bangfu.registry.models import Coverage, StatusDecision, TemporaryGrant
from tests.factories import MemberFactory, NeedFactory

# The bureau's page of a household with decisions, grants and needs: the session and its
# scope, the household and what it prefetches, the audited access (its seal), the sources of
# the timeline, the panels and the notification bell. A piece read twice goes above it.
MAX_QUERIES = 25


def detail_url(household) -> str:
    return reverse("registry:household-detail", args=[household.pk])


def _add_rows(household, staff, count: int) -> None:
    """``count`` status decisions, grants and needs, half of each about a member."""
    member = MemberFactory(household=household, name=f"成员{count}")
    now = timezone.now()
    for index in range(count):
        about = member if index % 2 else None
        rejected = index % 3 == 2
        StatusDecision.objects.create(
            household=household,
            member=about,
            kind=StatusDecision.Kind.ENROL,
            source=StatusDecision.Source.REVIEW,
            from_status=Coverage.NONE,
            to_status=Coverage.DIBAO,
            recommended_by=staff,
            recommended_at=now,
            state=StatusDecision.State.REJECTED if rejected else StatusDecision.State.PROPOSED,
            decided_by=staff if rejected else None,
            decided_at=now if rejected else None,
            rejection_reason="不符合条件" if rejected else "",
        )
        decided = index % 2 == 0
        TemporaryGrant.objects.create(
            household=household,
            member=about,
            kind=TemporaryGrant.Kind.EMERGENCY,
            amount=100 + index,
            reason="突发重病住院",
            proposed_by=staff,
            state=TemporaryGrant.State.DECIDED if decided else TemporaryGrant.State.PROPOSED,
            decided_by=staff if decided else None,
            decided_at=now if decided else None,
            granted_on=timezone.localdate() - dt.timedelta(days=index) if decided else None,
        )
        NeedFactory(household=household)


def _queries(client, household) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(detail_url(household))
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def _decisions_and_grants_shown(page: str) -> tuple[int, int]:
    return page.count("/decisions/"), page.count("/grants/")


@pytest.fixture
def one_of_each(household_a, bureau_staff):
    _add_rows(household_a, bureau_staff, 1)
    return household_a


def test_the_bureau_page_reads_each_piece_once_however_many_rows(
    staff_client, one_of_each, bureau_staff
):
    few = _queries(staff_client, one_of_each)
    _add_rows(one_of_each, bureau_staff, 5)
    many = _queries(staff_client, one_of_each)

    assert len(many) == len(few) <= MAX_QUERIES
    # Each is read once, for the timeline and the blocks together.
    for table in ("registry_statusdecision", "registry_temporarygrant", "regions_policyvalue"):
        assert sum(f'FROM "{table}"' in sql for sql in many) == 1, table
    # Whether the user may read the household was answered by reading it.
    assert not [sql for sql in many if sql.startswith('SELECT 1 AS "a" FROM "registry_household"')]
    # Every decision and grant still shows, in the timeline and in the blocks.
    page = staff_client.get(detail_url(one_of_each) + "?timeline=all").content.decode()
    decisions, grants = _decisions_and_grants_shown(page)
    assert decisions >= StatusDecision.objects.count() * 2
    assert grants >= TemporaryGrant.objects.count() * 2


def test_the_blocks_show_what_the_queries_of_their_own_would(
    staff_client, one_of_each, bureau_staff
):
    """The grants block (the last year's decided grants, newest first; the proposals waiting,
    oldest first) and the coverage block, from the page's one read of each."""
    _add_rows(one_of_each, bureau_staff, 5)
    page = staff_client.get(detail_url(one_of_each)).content
    from bangfu.registry.decision_views import coverage_context
    from bangfu.registry.grants import grants_context

    # The same blocks from their own queries (a household read without the page's prefetches).
    plain = selectors.households_for(bureau_staff).get(pk=one_of_each.pk)
    block = grants_context(plain, bureau_staff)["grants_block"]
    coverage = coverage_context(plain, list(plain.members.all()), bureau_staff)
    recent = [grant.pk for grant in block["recent"]]
    waiting = [grant.pk for grant in block["waiting"]]
    assert len(recent) == 4 and len(waiting) == 2
    shown = page.decode()
    positions = [shown.index(reverse("registry:grant-detail", args=[pk])) for pk in recent]
    assert positions == sorted(positions)
    assert block["may_propose"] and coverage["may_recommend"]
    assert len(coverage["pending_decisions"]) + len(coverage["decided"]) == 6
    for decision in coverage["pending_decisions"] + coverage["decided"]:
        assert reverse("registry:decision-detail", args=[decision.pk]) in shown


# --- positive controls: the guard above fails on a page that reads a piece again -----------


def test_control_without_the_shared_reads_the_page_goes_over_the_bound(
    staff_client, one_of_each, monkeypatch
):
    """The page as it was: timeline and blocks each read the decisions and grants, and each
    block asks the database whether the user may read the household."""

    def household_detail_before(user):
        return selectors.households_for(user).prefetch_related(
            "members", "assessments__needs", "needs"
        )

    monkeypatch.setattr(selectors, "household_detail", household_detail_before)
    monkeypatch.setattr(selectors, "mark_readable", lambda household, user: household)
    queries = _queries(staff_client, one_of_each)

    assert len(queries) > MAX_QUERIES
    assert sum('FROM "registry_temporarygrant"' in sql for sql in queries) == 3


def test_control_a_piece_read_once_a_row_makes_the_count_grow(
    staff_client, one_of_each, bureau_staff, monkeypatch
):
    """A grant's member read on its own (the prefetch without its join) costs a query a row:
    the flat count above would catch it."""
    before = selectors.household_detail

    def household_detail_per_row(user):
        queryset = before(user)
        lookups = [
            lookup
            for lookup in queryset._prefetch_related_lookups
            if getattr(lookup, "to_attr", None) != "page_grants"
        ]
        return queryset.prefetch_related(None).prefetch_related(
            *lookups,
            Prefetch(
                "temporary_grants",
                queryset=TemporaryGrant.objects.order_by("created_at", "pk"),
                to_attr="page_grants",
            ),
        )

    monkeypatch.setattr(selectors, "household_detail", household_detail_per_row)
    few = _queries(staff_client, one_of_each)
    _add_rows(one_of_each, bureau_staff, 5)
    many = _queries(staff_client, one_of_each)

    assert len(many) > len(few)


def test_the_needs_are_read_by_the_page_not_again_by_the_chain_panel(
    staff_client, one_of_each, county_a
):
    run = MatchingRun.objects.create(
        job_key="household-page-reads",
        kind=MatchingRun.Kind.ALLOCATE,
        region=county_a[0],
        status=MatchingRun.Status.DONE,
        finished_at=timezone.now(),
    )
    need = one_of_each.needs.get()
    RunAllocation.objects.create(
        run=run,
        need=need,
        provider_kind=ProviderKind.STATION,
        provider_id=1,
        score=1.0,
        priority=need.priority,
    )
    queries = _queries(staff_client, one_of_each)
    page = staff_client.get(detail_url(one_of_each)).content.decode()

    # Positive control: the chain panel is shown, so it did look at the needs.
    assert reverse("matching_runs:run-detail", args=[run.pk]) in page
    # The household's needs, its visits' too: read once, by the page.
    assert sum(sql.startswith('SELECT "registry_need"."id"') for sql in queries) == 1
