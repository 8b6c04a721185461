"""Reads of the provider directory, with the user's area and the related rows already applied.

The directory is for bureau staff and managers: each membership with one of ``DIRECTORY_ROLES``
opens the stations and volunteers whose home region (the station's township, the volunteer's
village) lies in that bureau's region. Another county's provider is not in the queryset, so its
pages answer 404.

A provider's record of work (open cases, answers, outcomes, satisfaction) lives with its
referrals, an app above this one: that app registers how to count it
(``register_provider_stats``), and this app never imports it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from bangfu.accounts.models import Membership, Organisation
from bangfu.accounts.scoping import role_region_paths, scope_for
from bangfu.providers.kinds import kind_of
from bangfu.providers.models import Provider, Volunteer
from bangfu.regions.models import Region, within_any

Role = Membership.Role
DIRECTORY_ROLES = (Role.BUREAU_STAFF, Role.BUREAU_MANAGER)
DIRECTORY_KINDS = (Provider.Kind.STATION, Provider.Kind.VOLUNTEER)


@dataclass(frozen=True)
class ProviderStats:
    """A provider's record of work, from its referrals."""

    open_cases: int = 0  # sent, accepted or in service
    accepted: int = 0  # ever accepted
    answered: int = 0  # accepted, declined or let expire
    completed: int = 0
    closed: int = 0  # closed without the service
    rated: int = 0
    satisfaction: Decimal | None = None  # mean of the households' 1-5

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.answered if self.answered else None


StatsCounter = Callable[[list[int]], dict[int, ProviderStats]]
_stats_counters: list[StatsCounter] = []


def register_provider_stats(counter: StatsCounter) -> None:
    """The referrals app registers ``counter(provider_pks)`` in its ``AppConfig.ready``."""
    _stats_counters[:] = [counter]


def provider_stats(provider_pks: Iterable[int]) -> dict[int, ProviderStats]:
    """Provider pk -> its record of work (empty for a provider with no referral)."""
    pks = list(provider_pks)
    found = {pk: ProviderStats() for pk in pks}
    if pks and _stats_counters:
        found.update(_stats_counters[0](pks))
    return found


def directory_paths(user) -> tuple[str, ...] | None:
    """The region paths of the user's bureaus where they hold a directory role; None for a
    superuser (everything)."""
    paths = role_region_paths(user, DIRECTORY_ROLES)
    return None if paths is None else tuple(dict.fromkeys(paths))


def can_open_directory(user) -> bool:
    return directory_paths(user) != ()


def directory_providers(user) -> QuerySet[Provider]:
    """The stations and volunteers of the user's area, with what the list and pages show."""
    providers = Provider.objects.filter(kind__in=DIRECTORY_KINDS).select_related(
        "region__parent",
        "station__organisation__region",
        "volunteer__user",
        "volunteer__home_region__parent",
        "volunteer__organisation",
    )
    paths = directory_paths(user)
    return providers if paths is None else providers.filter(within_any(paths, "region"))


def directory_regions(user, levels) -> QuerySet[Region]:
    """Regions of the given levels in the user's directory area, in tree order."""
    regions = Region.objects.filter(level__in=levels).select_related("parent").order_by("path")
    paths = directory_paths(user)
    return regions if paths is None else regions.filter(within_any(paths))


def volunteer_organisations(user) -> QuerySet[Organisation]:
    """Active organisations of the user's area that volunteers can volunteer with."""
    organisations = Organisation.objects.filter(
        kind__in=Membership.ORGANISATION_KINDS[Role.VOLUNTEER], is_active=True
    ).order_by("region__path", "name")
    paths = directory_paths(user)
    return organisations if paths is None else organisations.filter(within_any(paths, "region"))


def volunteer_of(user) -> Volunteer | None:
    """The volunteer row of a user who holds the volunteer role; None for anyone else."""
    if scope_for(user).volunteer_user_id is None:
        return None
    return (
        Volunteer.objects.select_related("provider", "home_region__parent", "user")
        .filter(user=user)
        .first()
    )


def capacity_of(provider: Provider) -> int:
    """The open cases the provider can hold, by its kind's rule (a volunteer's weekly hours
    limit theirs: ``bangfu.providers.times.case_limit``)."""
    kind = kind_of(provider)
    return kind.capacity(kind.profile(provider))
