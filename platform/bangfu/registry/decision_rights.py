"""Who may recommend and who may decide a status (``bangfu.registry.coverage`` does the
deciding): assistants and bureau staff recommend in their area; the township reviewer decides
what the region's policy leaves to the township, a county's bureau manager everything."""

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from bangfu.accounts.scoping import Role, holds_role_over, role_region_paths, scope_for
from bangfu.regions.models import Region, levels_between
from bangfu.regions.policy import policy_for
from bangfu.registry.models import Coverage, Household, StatusDecision
from bangfu.registry.selectors import household_readable

State = StatusDecision.State


def may_recommend(user, household: Household) -> bool:
    """Assistants in their villages, bureau staff and managers in their region."""
    return scope_for(user).can_write and household_readable(user, household)


def may_confirm(user, decision: StatusDecision, *, power: "DecidingPower | None" = None) -> bool:
    """Whether ``user`` may confirm or reject this recommendation (see ``may_decide``);
    ``power``: the user's over the household's village, when already read."""
    return decision.state == State.PROPOSED and may_decide(user, decision, power=power)


@dataclass(frozen=True)
class DecidingPower:
    """What one user may decide in one village, read once for all its decisions."""

    county_manager: bool  # a bureau manager of the county or above: decides every status
    township_reviewer: bool  # the reviewer of the village's township
    kept_at_county: frozenset[str]  # the policy's ``status_confirmed_at_county``

    def decides(self, from_status: str, to_status: str) -> bool:
        status = from_status if to_status == Coverage.NONE else to_status
        return self.county_manager or (self.township_reviewer and status not in self.kept_at_county)


def deciding_power(user, region: Region) -> DecidingPower:
    """``user``'s power over the decisions of ``region`` (three reads, whatever their number)."""
    at_county = policy_for(region, timezone.localdate().year).get("status_confirmed_at_county")
    return DecidingPower(
        county_manager=is_county_manager(user, region),
        township_reviewer=holds_role_over(user, (Role.TOWNSHIP_REVIEWER,), region),
        kept_at_county=frozenset(at_county or ()),
    )


def decisions_with_permissions(user, decisions) -> list[StatusDecision]:
    """``decisions`` (read with ``household__region``) as a list, each marked ``may_confirm``;
    the user's power is read once per village, so a long list costs no more queries."""
    powers: dict[int, DecidingPower] = {}
    decisions = list(decisions)
    for decision in decisions:
        region = decision.household.region
        if region.pk not in powers:
            powers[region.pk] = deciding_power(user, region)
        decision.may_confirm = may_confirm(user, decision, power=powers[region.pk])
    return decisions


def confirmable(user, waiting):
    """The ``waiting`` recommendations (a queryset) that ``user`` may decide, as a queryset:
    grouped by village and status in the database, the power read once per village."""
    groups = list(
        waiting.order_by().values_list("household__region", "from_status", "to_status").distinct()
    )
    regions = Region.objects.in_bulk({region for region, _from, _to in groups})
    powers = {pk: deciding_power(user, region) for pk, region in regions.items()}
    allowed = Q(pk__in=[])
    for region, from_status, to_status in groups:
        if powers[region].decides(from_status, to_status):
            allowed |= Q(household__region=region, from_status=from_status, to_status=to_status)
    return waiting.filter(allowed)


def may_decide(user, decision: StatusDecision, *, power: DecidingPower | None = None) -> bool:
    """A township reviewer whose township holds the household, unless the region's policy
    ``status_confirmed_at_county`` keeps the status at the county; a bureau manager of the
    county (or above) always. Assistants never."""
    power = power or deciding_power(user, decision.household.region)
    return power.decides(decision.from_status, decision.to_status)


def is_county_manager(user, region: Region) -> bool:
    """Whether ``user`` is a bureau manager of a county (or above) holding ``region``: the one
    who decides what a township may not."""
    paths = role_region_paths(
        user,
        (Role.BUREAU_MANAGER,),
        levels=levels_between(Region.Level.PROVINCE, Region.Level.COUNTY),
    )
    return paths is None or any(region.is_within(path) for path in paths)
