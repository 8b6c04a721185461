"""A referral's steps reach the county bureau's subscriber, as the referral services take them,
with ids and statuses only; another county's subscriber hears nothing of them."""

import json

import pytest

from bangfu.accounts.models import Membership, Organisation
from bangfu.api.webhooks.services import webhook_subscription_create
from bangfu.core.events import KINDS
from bangfu.referrals import services
from bangfu.referrals.models import Referral
from tests.api.test_webhooks import Subscriber, verify
from tests.factories import OrganisationFactory, UserFactory, member_of, region_chain
from tests.referrals import conftest as referral_fixtures
from tests.referrals.test_lifecycle import log_session

# The referral tests' township, desk, stations and case: their fixtures, shared.
desk = referral_fixtures.desk
engine = referral_fixtures.engine
household = referral_fixtures.household
intake = referral_fixtures.intake
need = referral_fixtures.need
other_station = referral_fixtures.other_station
place = referral_fixtures.place
station = referral_fixtures.station
volunteer = referral_fixtures.volunteer


def manager_of(region, username):
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=region)
    user = UserFactory(username=username)
    member_of(user, bureau, Membership.Role.BUREAU_MANAGER)
    return user, bureau


@pytest.fixture
def subscribers(place):
    """The county's bureau and another county's, each subscribed to every event."""
    made = []
    for region, username in ((place["county"], "manager_a"), (region_chain("350502")[-3], "b")):
        user, bureau = manager_of(region, username)
        server = Subscriber()
        created = webhook_subscription_create(
            by=user, organisation=bureau, url=server.url, events=list(KINDS)
        )
        made.append((server, created.secret))
    yield made
    for server, _secret in made:
        server.close()


def test_each_step_of_a_referral_reaches_the_county_with_ids_only(
    subscribers, intake, desk, station, other_station, household, django_capture_on_commit_callbacks
):
    (county, secret), (elsewhere, _secret) = subscribers
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        sent = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    with capture(execute=True):
        services.referral_decline(
            referral=sent, by=station.staff, reason=Referral.DeclineReason.values[0]
        )
    with capture(execute=True):
        again = services.referral_send(
            intake=intake, provider_id=other_station.provider_id, by=desk
        )
    with capture(execute=True):
        services.referral_accept(referral=again, by=other_station.staff)
    log_session(again, other_station.staff)
    with capture(execute=True):
        services.referral_complete(
            referral=Referral.objects.get(pk=again.pk), by=other_station.staff, outcome="已康复"
        )

    bodies = [json.loads(received["body"]) for received in county.received]
    assert [
        (body["event"], body["data"]["referral_id"], body["data"]["status"]) for body in bodies
    ] == [
        ("referral.sent", sent.pk, "sent"),
        ("referral.declined", sent.pk, "declined"),
        ("referral.sent", again.pk, "sent"),
        ("referral.accepted", again.pk, "accepted"),
        ("referral.completed", again.pk, "completed"),
    ]
    assert all(verify(secret, received) for received in county.received)
    assert {body["data"]["category"] for body in bodies} == {intake.need.category.code}
    text = "".join(received["body"].decode() for received in county.received)
    member = household.members.get()
    for personal in (member.name, household.phone, household.address, household.registry_number):
        assert personal not in text
    assert elsewhere.received == []
