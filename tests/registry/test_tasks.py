import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from bangfu.registry.models import Need, Tier
from bangfu.registry.tasks import refresh_need_priorities_task
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory, region_chain


@pytest.fixture
def waiting_need():
    *_above, village = region_chain("530428", "101", "201")
    household = HouseholdFactory(region=village, tier=Tier.TEKUN)
    MemberFactory(household=household)
    opened = timezone.localdate() - dt.timedelta(weeks=4)
    return NeedFactory(household=household, opened_on=opened, severity=2)


def expected_priority() -> Decimal:
    # tekun 40 + severity 2 × 6 + four weeks waiting × 1 + living alone 10 + aged 60+ ...
    need = Need.objects.get()
    return sum((Decimal(v) for v in need.priority_components.values()), Decimal("0"))


@pytest.mark.django_db
def test_refreshing_priorities_in_process_explains_every_point(waiting_need):
    assert refresh_need_priorities_task.delay().get() == 1
    need = Need.objects.get()
    assert need.priority_components["tier"] == "40"
    assert need.priority_components["severity"] == "12"
    assert need.priority_components["waiting"] == "4.00"
    assert need.priority == expected_priority()


@pytest.mark.worker
def test_a_real_worker_refreshes_priorities_through_the_broker(celery_worker, waiting_need):
    result = refresh_need_priorities_task.delay()
    assert result.get(timeout=30) == 1
    need = Need.objects.get()
    assert need.priority_components["waiting"] == "4.00"
    assert need.priority > Decimal("50")
