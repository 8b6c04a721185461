import random
from collections import Counter

import pytest

from bangfu.procurement.demo import load_procurement_demo
from bangfu.procurement.models import Evaluation, ProcurementCap, Project
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def test_the_demo_year_runs_through_the_services_and_keeps_the_cap(
    county_a, staff, manager, agency
):
    county, _town, village = county_a
    HouseholdFactory.create_batch(30, region=village)
    projects = load_procurement_demo(county, random.Random(7))

    assert len(projects) == 12
    statuses = Counter(Project.objects.values_list("status", flat=True))
    assert statuses == {"draft": 2, "submitted": 2, "approved": 2, "in_progress": 4, "closed": 2}
    cap = ProcurementCap.objects.get(region=county, year=2026)
    assert 0 < cap.committed_total <= cap.cap_amount
    assert cap.paid_total > 0
    for project in Project.objects.filter(status__in=Project.COMMITTED_STATUSES):
        if project.needs_filing:
            assert project.filing.reference
    assert Project.objects.filter(deliveries__household__isnull=False).exists()
    assert Evaluation.objects.count() >= 3


def test_the_demo_needs_the_county_bureau_first(county_a, agency):
    with pytest.raises(LookupError, match="bureau"):
        load_procurement_demo(county_a[0], random.Random(7))
