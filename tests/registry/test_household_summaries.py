"""The household list's members, open needs and highest open priority are the household's own
columns: every write of members and needs keeps them, the list sorts by them in the order the
per-row counts gave, and the scheduled repair puts right a row no write kept."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from bangfu.accounts.models import Membership
from bangfu.privacy.retention import retention_run
from bangfu.referrals import services as referrals
from bangfu.referrals.models import Referral
from bangfu.registry import services
from bangfu.registry.ledger import import_ledger
from bangfu.registry.models import Household, Member, Need
from bangfu.registry.summaries import REPAIR_CURSOR, summaries_repair
from bangfu.registry.tasks import refresh_need_priorities_task
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    UserFactory,
    make_id_number,
    member_of,
)
from tests.privacy.conftest import exit_household, household_story, make_place
from tests.registry.listing import registry_numbers_on_every_page
from tests.registry.test_ledger import person, xlsx

LIST_URL = reverse("registry:household-list")


def counted(household) -> tuple:
    """The list's three numbers as the members and needs stored now give them."""
    open_needs = Need.objects.filter(household=household, status__in=Need.OPEN_STATUSES)
    top = max((need.priority for need in open_needs), default=None)
    return Member.objects.filter(household=household).count(), open_needs.count(), top


def kept(household) -> tuple:
    """The list's three numbers as the household's row keeps them."""
    row = Household.objects.get(pk=household.pk)
    return row.member_count, row.open_need_count, row.top_open_priority


def shown(client, household) -> tuple:
    """The list's three numbers in the row the list page shows for the household."""
    response = client.get(LIST_URL)
    row = next(h for h in response.context["households"] if h.pk == household.pk)
    return row.member_count, row.open_need_count, row.top_open_priority


@pytest.fixture
def place(db):
    return make_place("530428", "101", "201", label="a")


@pytest.fixture
def station_staff(place):
    user = UserFactory(username="station_a")
    member_of(user, place.station.organisation, Membership.Role.STATION_STAFF)
    return user


@pytest.fixture
def story(place):
    """A household of two, visited once (one need), its need referred to the station."""
    return household_story(
        place, number="530428-0001", seq=1, by=place.staff, station=place.station
    )


def test_a_visit_counts_its_needs_and_their_highest_priority(place):
    household = HouseholdFactory(region=place.village, registry_number="530428-0002")
    MemberFactory(household=household)
    care = place.station.categories.get()

    services.assessment_create(
        household=household,
        by=place.staff,
        assessed_on=timezone.localdate(),
        summary="",
        needs=[
            {"category": care, "severity": 2, "urgency": Need.Urgency.ROUTINE},
            {"category": care, "severity": 5, "urgency": Need.Urgency.EMERGENCY},
        ],
    )

    members, open_needs, top = kept(household)
    assert (members, open_needs) == (1, 2)
    assert top == max(need.priority for need in household.needs.all()) and top > 0
    assert kept(household) == counted(household)


def test_a_need_referred_returned_and_closed_through_the_referral_path(story, place, station_staff):
    household = story.household
    # referred: with the station, no longer open
    assert kept(household) == counted(household) == (2, 0, None)

    accepted = referrals.referral_accept(referral=story.referral, by=station_staff)
    referrals.referral_close(
        referral=accepted, by=station_staff, reason=Referral.CloseReason.OTHER, note="转走"
    )
    # back at the desk: open again, with its priority
    need = Need.objects.get(pk=story.need.pk)
    assert need.status == Need.Status.OPEN
    assert kept(household) == counted(household) == (2, 1, need.priority)

    second = referrals.referral_send(
        intake=accepted.intake, provider_id=place.station.provider_id, by=place.staff
    )
    second = referrals.referral_accept(referral=second, by=station_staff)
    referrals.referral_close(
        referral=second, by=station_staff, reason=Referral.CloseReason.RESOLVED_OTHERWISE
    )
    assert Need.objects.get(pk=need.pk).status == Need.Status.MET
    assert kept(household) == counted(household) == (2, 0, None)


def test_a_need_closed_and_reopened_on_its_form(place, client):
    household = HouseholdFactory(region=place.village, registry_number="530428-0003")
    need = NeedFactory(household=household, priority=Decimal("42.50"))
    client.force_login(place.staff)
    assert shown(client, household) == (0, 1, Decimal("42.50"))

    services.need_update(need=need, by=place.staff, status=Need.Status.MET)
    assert shown(client, household) == (0, 0, None)

    services.need_update(need=need, by=place.staff, status=Need.Status.OPEN)
    assert shown(client, household) == counted(household)
    assert kept(household)[1] == 1


def test_members_added_and_removed_on_the_forms(place, client):
    household = HouseholdFactory(region=place.village, registry_number="530428-0004")
    client.force_login(place.staff)
    head = services.member_create(
        household=household,
        by=place.staff,
        id_number=make_id_number(seq=31),
        name="张三",
        relation=Member.Relation.HEAD,
    )
    spouse = MemberFactory(household=household, relation=Member.Relation.SPOUSE)
    assert shown(client, household)[0] == 2

    services.member_update(member=head, by=place.staff, name="张三丰")
    services.member_delete(member=spouse, by=place.staff)

    assert shown(client, household) == counted(household) == (1, 0, None)


def test_priorities_recomputed_overnight_move_the_highest_priority(place):
    household = HouseholdFactory(region=place.village, registry_number="530428-0005")
    need = NeedFactory(household=household)
    Need.objects.filter(pk=need.pk).update(priority=Decimal("1.00"))  # as if computed long ago

    refresh_need_priorities_task()

    need.refresh_from_db()
    assert need.priority > Decimal("1.00")
    assert kept(household) == counted(household) == (0, 1, need.priority)


def test_a_ledger_import_counts_the_members_it_adds(place):
    report = import_ledger(
        xlsx(
            [
                person(),
                person(name="李四", id_number=make_id_number(seq=32), relation="配偶"),
                person("530428-1002", name="王五", id_number=make_id_number(seq=33)),
            ]
        ),
        filename="台账.xlsx",
        by=place.manager,
    )

    assert report.ok, report.errors
    first = Household.objects.get(registry_number="530428-1001")
    second = Household.objects.get(registry_number="530428-1002")
    assert kept(first) == counted(first) == (2, 0, None)
    assert kept(second) == counted(second) == (1, 0, None)
    assert first.county == place.county


def test_retention_anonymises_a_household_and_leaves_its_numbers(story, place):
    household = story.household
    before = kept(household)
    exit_household(household, on=dt.date(timezone.localdate().year - 7, 1, 5))

    runs = retention_run()

    assert any(run.counts.get("registry.Household") for run in runs)  # it was anonymised
    assert kept(household) == counted(household) == before == (2, 0, None)


def test_deleting_a_household_with_members_and_needs(place):
    household = HouseholdFactory(region=place.village, registry_number="530428-0006")
    MemberFactory(household=household)
    NeedFactory(household=household)

    household.delete()

    assert not Household.objects.filter(pk=household.pk).exists()


# --- the list's order --------------------------------------------------------------------------


def _counted_per_row(households):
    """The list's numbers as it computed them per row before they were kept (for comparing)."""
    open_needs = Need.objects.filter(household=OuterRef("pk"), status__in=Need.OPEN_STATUSES)
    members = Member.objects.filter(household=OuterRef("pk")).order_by().values("household")
    return households.annotate(
        counted_members=Coalesce(
            Subquery(members.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
            0,
        ),
        counted_priority=Subquery(open_needs.order_by("-priority").values("priority")[:1]),
    )


def _order_before(sort: str) -> list[str]:
    """The registry numbers in the order the list gave with the per-row counts: NULLs last
    both ways, the primary key breaking ties."""
    rows = list(_counted_per_row(Household.objects.all()))
    column = "counted_members" if sort.endswith("members") else "counted_priority"
    descending = sort.startswith("-")
    present = [row for row in rows if getattr(row, column) is not None]
    present.sort(key=lambda row: row.pk)
    present.sort(key=lambda row: getattr(row, column), reverse=descending)
    absent = sorted((row for row in rows if getattr(row, column) is None), key=lambda r: r.pk)
    return [row.registry_number for row in present + absent]


@pytest.fixture
def demo_like(place):
    """Fourteen households as the demo has them: one to five members (ties), needs open,
    matched, referred, met and withdrawn, equal priorities, and households with no open need
    (NULL) or none at all."""
    statuses = [Need.Status.OPEN, Need.Status.MATCHED, Need.Status.REFERRED, Need.Status.MET]
    priorities = [Decimal("61.5"), Decimal("48"), Decimal("61.5"), Decimal("12.25"), Decimal("0")]
    for number in range(14):
        household = HouseholdFactory(
            region=place.village, registry_number=f"530428-{number + 10:04d}"
        )
        for _member in range(1 + number * 7 % 5):
            MemberFactory(household=household)
        for need in range(number % 4):
            NeedFactory(
                household=household,
                status=statuses[(number + need) % len(statuses)],
                priority=priorities[(number * 3 + need) % len(priorities)],
            )
        if number == 13:
            NeedFactory(household=household, status=Need.Status.WITHDRAWN, priority=Decimal("99"))


@pytest.mark.parametrize("sort", ["-members", "members", "-priority", "priority"])
def test_the_list_sorts_as_the_per_row_counts_did(place, demo_like, client, monkeypatch, sort):
    monkeypatch.setattr("bangfu.registry.views.PAGE_SIZE", 4)
    client.force_login(place.staff)

    walked = registry_numbers_on_every_page(client, sort=sort)

    assert walked == _order_before(sort)
    assert len(walked) == 14


def test_the_list_shows_the_numbers_the_per_row_counts_gave(place, demo_like, client):
    client.force_login(place.staff)

    rows = client.get(LIST_URL).context["households"]

    before = {row.pk: row for row in _counted_per_row(Household.objects.all())}
    for row in rows:
        assert row.member_count == before[row.pk].counted_members
        assert row.top_open_priority == before[row.pk].counted_priority
        assert (row.member_count, row.open_need_count, row.top_open_priority) == counted(row.pk)


# --- the repair --------------------------------------------------------------------------------


@pytest.fixture
def fresh_repair():
    cache.delete(REPAIR_CURSOR)
    yield
    cache.delete(REPAIR_CURSOR)


def test_the_scheduled_refresh_puts_right_a_row_no_write_kept(story, place, client, fresh_repair):
    household = story.household
    right = kept(household)
    Household.objects.filter(pk=household.pk).update(
        member_count=7, open_need_count=3, top_open_priority=Decimal("5"), county=place.village
    )
    client.force_login(place.staff)
    assert household.pk not in [h.pk for h in client.get(LIST_URL).context["households"]]

    call_command("refresh_tallies")

    assert kept(household) == right == counted(household)
    assert Household.objects.get(pk=household.pk).county == place.county
    assert shown(client, household) == right  # back on the county's list, with its numbers


def test_the_repair_goes_through_the_registry_a_slice_at_a_time(place, fresh_repair):
    households = [
        HouseholdFactory(region=place.village, registry_number=f"530428-{n:04d}") for n in range(5)
    ]
    Household.objects.update(member_count=9)

    assert summaries_repair(batch_size=2) == 2
    assert [kept(h)[0] for h in households] == [0, 0, 9, 9, 9]
    assert summaries_repair(batch_size=2) == 2
    assert summaries_repair(batch_size=2) == 1
    assert summaries_repair(batch_size=2) == 0  # from the first again: nothing left to put right
    assert [kept(h)[0] for h in households] == [0] * 5
