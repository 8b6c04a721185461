"""The bureau dashboard lists the waiting cases without a candidate from a narrow query: the
joins the list shows (village, township, need, category), not the household or the opener."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase
from bangfu.referrals.selectors import intake_cases_for
from tests.factories import HouseholdFactory, NeedFactory
from tests.sql import joins


def test_the_unmatched_cases_are_read_with_only_the_joins_the_dashboard_shows(
    engine, desk, need, place, county_staff
):
    engine.candidates = []
    cases = [services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)]
    for _ in range(3):
        other = NeedFactory(household=HouseholdFactory(region=place["village"]))
        cases.append(services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=other))
    client = Client()
    client.force_login(county_staff)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/staff/referrals/dashboard/").content.decode()
    for case in cases:
        assert f'<a href="/staff/referrals/intake/{case.pk}/">' in page
    assert f"{place['village'].parent.name} {place['village'].name}" in page
    assert need.category.name in page
    listed = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "referrals_intakecase"' in q["sql"] and "LIMIT" in q["sql"]
    ]
    assert len(listed) == 1 and joins(listed[0]) <= 4
    assert "registry_household" not in listed[0] and "accounts_user" not in listed[0]

    # Positive control: the desk's own selector joins the household and the opener too.
    with CaptureQueriesContext(connection) as captured:
        list(intake_cases_for(county_staff).waiting()[:50])
    assert joins(captured.captured_queries[-1]["sql"]) > 4
