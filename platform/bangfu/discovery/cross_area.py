"""The warnings raised by numbers the registry refused across areas (``registry.identity``).

- A duplicate registration: someone tried to register a person who is registered outside their
  area. The bureau of the lowest region covering both areas gets a warning naming both
  households: the person may receive assistance twice (重复享受). One warning per person and
  household tried, however often the attempt is repeated.
- A probing alert: one user's refusals of the day reached the policy's
  ``identity_refusals_alert_per_day``. The user's bureau gets one warning per user and day,
  whose count follows the day's refusals.

Both are registered with ``registry.hooks`` in ``DiscoveryConfig.ready``.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from bangfu.accounts.models import Organisation
from bangfu.discovery.models import Flag, Rule
from bangfu.discovery.services import warning_emit
from bangfu.regions.models import Region
from bangfu.registry.identity import Probing, Refusal

# Not a policy weight: a region cannot switch these off, and they rank above the files' rules.
WEIGHT = 100
BATCH_SIZE = 1000


def duplicate_registrations_warn(refusals: list[Refusal]) -> None:
    today = timezone.localdate()
    flags: dict[str, Flag] = {}
    for refusal in refusals:
        member = refusal.duplicate
        if member is None:
            continue
        key = f"{Rule.DUPLICATE_REGISTRATION.value}:{member.pk}:{refusal.attempt}"
        flags.setdefault(
            key,
            Flag(
                rule=Rule.DUPLICATE_REGISTRATION,
                key=key,
                region=refusal.covering,
                household=member.household,
                member=member,
                evidence={
                    "registered": member.household.registry_number,
                    "registered_village": refusal.village.name,
                    "attempt": refusal.attempt,
                    "attempt_village": getattr(refusal.attempt_village, "name", ""),
                    "source": refusal.source,
                    "by": str(refusal.by),
                },
                rule_weight=WEIGHT,
                fired_on=today,
            ),
        )
    # A repeated attempt finds its warning there already (the key is unique).
    Flag.objects.bulk_create(flags.values(), batch_size=BATCH_SIZE, ignore_conflicts=True)


def identity_probing_alert(probing: Probing) -> None:
    key = f"{Rule.IDENTITY_PROBING.value}:{probing.by.pk}:{probing.day.isoformat()}"
    evidence = {
        "by": str(probing.by),
        "refusals": probing.refusals,
        "threshold": probing.threshold,
        "day": probing.day.isoformat(),
    }
    if Flag.objects.filter(key=key).update(evidence=evidence):
        return
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                rule=Rule.IDENTITY_PROBING,
                key=key,
                region=_bureau_region(probing.area),
                flagged_user=probing.by,
                evidence=evidence,
                rule_weight=WEIGHT,
                fired_on=probing.day,
            )
        warning_emit(flag)
    except IntegrityError:
        pass  # another request of the same user raised it at the same moment


def _bureau_region(area: Region) -> Region:
    """The region of the user's bureau: the nearest above or at their area with an active
    bureau, else the county. Never a village, whose assistant would read the alert."""
    above = list(area.ancestors().filter(level__lte=Region.Level.TOWNSHIP))  # lowest first
    with_bureau = set(
        Organisation.objects.filter(
            kind=Organisation.Kind.BUREAU, is_active=True, region__in=above
        ).values_list("region", flat=True)
    )
    return next(
        (region for region in above if region.pk in with_bureau),
        next(region for region in above if region.level <= Region.Level.COUNTY),
    )
