"""The intake desk with the real matching engine (bangfu.matching_runs.rank_need, registered as
the desk's ranker)."""

import pytest
from django.conf import settings
from django.test import Client

from bangfu.referrals import selectors, services
from bangfu.referrals.models import IntakeCase, Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_intake(desk, need, station, other_station):
    return services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)


def test_the_engine_ranks_the_stations_that_offer_the_service(real_intake, station):
    candidates = selectors.intake_candidates(real_intake)
    assert real_intake.candidate_count == len(candidates) >= 1
    assert ("station", station.provider_id) in {(c.kind, c.provider_id) for c in candidates}
    best = candidates[0]
    assert set(best.components) >= {"distance", "skills", "quality", "capacity", "success"}


def test_the_page_explains_the_engines_scores(real_intake, desk, station):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
    client.force_login(desk)
    page = client.get(f"/staff/referrals/intake/{real_intake.pk}/").content.decode()
    assert station.organisation.name in page
    assert "chance of success" in page and "distance" in page


def test_a_provider_that_declined_is_left_out_by_the_engine(real_intake, desk, station):
    referral = services.referral_send(intake=real_intake, provider_id=station.provider_id, by=desk)
    services.referral_decline(referral=referral, by=station.staff, reason="full")
    intake = IntakeCase.objects.get(pk=real_intake.pk)
    keys = {(c.kind, c.provider_id) for c in selectors.intake_candidates(intake)}
    assert ("station", station.provider_id) not in keys
    routed = services.intake_route(intake=intake, by=desk)
    assert routed is None or routed.provider_id != station.provider_id
    assert Referral.objects.filter(provider=station.provider).count() == 1
