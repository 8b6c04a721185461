from bangfu.registry.models import Household


def test_scoped_households_follow_the_bureau_region(household_a, bureau_staff, outsider_staff):
    assert list(Household.objects.for_user(bureau_staff)) == [household_a]
    assert list(Household.objects.for_user(outsider_staff)) == []
