"""The deterministic demo county, built in steps.

``demo_build`` runs the steps of ``STEPS`` in order inside one transaction; ``demo_reset`` runs
their ``reset`` in reverse order. A later feature (procurement, offers, referrals, cross-check
files) adds its own step to ``bangfu.demo.steps.STEPS`` after the ones it depends on.

Determinism: each step draws from its own ``random.Random(f"{seed}:{step.name}")``, so the same
seed and as-of date give the same data, and adding a step never changes what the earlier ones
make. Nothing reads the clock except the default as-of date.
"""

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import Organisation, User
from bangfu.core.audit_pruning import erase
from bangfu.discovery.models import Flag, Task
from bangfu.matching_runs.models import Allocation as EngineAllocation
from bangfu.offers.models import Allocation as OfferAllocation
from bangfu.offers.models import Offer
from bangfu.procurement.models import Project
from bangfu.providers.models import Station, Volunteer
from bangfu.referrals.models import Referral
from bangfu.regions.models import Region, within
from bangfu.registry.models import Assessment, Household, Member, Need, Residence

DATA_DIR = Path(__file__).resolve().parent / "data"
COUNTY_CODE = "530428"
# Every user the demo creates carries this e-mail domain (RFC 2606): that is how a re-run knows
# the demo is there and how --reset finds its users without touching anyone else's.
DEMO_EMAIL_DOMAIN = "demo.bangfu.invalid"
DEMO_SOURCE_PREFIX = "Demo value"
SITE_URL = "http://127.0.0.1:8000/"


class DemoConflict(Exception):
    """Something the demo would create exists already and is not the demo's."""


@cache
def place_data() -> dict:
    return json.loads((DATA_DIR / "yuanjiang.json").read_text(encoding="utf-8"))


@cache
def name_data() -> dict:
    return json.loads((DATA_DIR / "names.json").read_text(encoding="utf-8"))


def demo_email(username: str) -> str:
    return f"{username}@{DEMO_EMAIL_DOMAIN}"


def township_short(township) -> str:
    """How a township signs its documents: 因远 for 因远镇, 澧江 for 澧江街道."""
    for suffix in ("街道", "镇", "乡"):
        if township.name.endswith(suffix):
            return township.name.removesuffix(suffix)
    return township.name


def at_hour(day: dt.date, hour: int) -> dt.datetime:
    """``day`` at ``hour`` o'clock in the county's time zone: when a step dates back what a
    service recorded by the clock."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@dataclass(frozen=True)
class DemoOptions:
    households: int = 3000
    seed: int = 2026
    as_of: dt.date = field(default_factory=timezone.localdate)


@dataclass
class DemoContext:
    """What the steps share: the options, and the objects earlier steps made."""

    options: DemoOptions
    regions: dict = field(default_factory=dict)  # code -> Region
    townships: list = field(default_factory=list)
    villages: list = field(default_factory=list)
    township_of: dict = field(default_factory=dict)  # village pk -> township Region
    organisations: dict = field(default_factory=dict)  # key -> Organisation
    users: dict = field(default_factory=dict)  # username -> User (the log-ins)
    station_staff: dict = field(default_factory=dict)  # township code -> User
    township_reviewer: dict = field(default_factory=dict)  # township code -> User
    village_assistant: dict = field(default_factory=dict)  # village pk -> User
    stations: dict = field(default_factory=dict)  # township code -> Station
    dibao_standard: Decimal = Decimal("0")  # urban (城镇)
    dibao_standard_rural: Decimal = Decimal("0")  # rural (农村)
    households: list = field(default_factory=list)  # (Household, HouseholdPlan)
    counts: dict = field(default_factory=dict)

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.options.seed}:{name}")

    @property
    def county(self):
        return self.regions[COUNTY_CODE]

    def standard(self, residence: str) -> Decimal:
        """The 低保 standard of an urban or a rural household."""
        return self.dibao_standard_rural if residence == Residence.RURAL else self.dibao_standard

    def count(self, label: str, number: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + number


class Step:
    """One stage of the demo. ``build`` adds its objects; ``reset`` removes them again."""

    name = ""

    def build(self, ctx: DemoContext) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Delete what ``build`` made (called in reverse step order, before the regions go)."""


@dataclass(frozen=True)
class DemoResult:
    loaded: bool  # False when the demo was already there and nothing was built
    counts: dict
    timings: dict  # step name -> seconds


def demo_is_loaded() -> bool:
    return User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").exists()


def _steps(steps: Iterable[Step] | None) -> list[Step]:
    if steps is None:
        from bangfu.demo.steps import STEPS

        return list(STEPS)
    return list(steps)


def demo_build(
    *,
    options: DemoOptions,
    steps: Iterable[Step] | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> DemoResult:
    """Build the demo unless it is loaded already. Everything or nothing: one transaction."""
    if demo_is_loaded():
        return DemoResult(loaded=False, counts=demo_counts(), timings={})
    ctx = DemoContext(options=options)
    timings = {}
    # The services write some texts (an assessment's summary, a notification) in the active
    # language: the county's own, whatever language the caller happens to be in.
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        for step in _steps(steps):
            started = time.perf_counter()
            step.build(ctx)
            timings[step.name] = time.perf_counter() - started
            if progress:
                progress(step.name, timings[step.name])
    # What the county holds, then what the steps counted as they made it (those with a label).
    counts = demo_counts()
    for key, number in ctx.counts.items():
        if key in COUNT_LABELS:
            counts.setdefault(key, number)
    return DemoResult(loaded=True, counts=counts, timings=timings)


def demo_reset(*, steps: Iterable[Step] | None = None) -> None:
    """Remove the demo. Its deletion leaves no audit entries, and the entries the services
    wrote while building it go with their rows (``forget_audit``): thousands of entries about
    made-up people would bury the real ones."""
    from auditlog.context import disable_auditlog

    with transaction.atomic(), disable_auditlog():
        for step in reversed(_steps(steps)):
            step.reset()


def forget_audit(*querysets) -> None:
    """Delete the audit entries of rows a reset is about to delete.

    The feature steps work through the services, which audit what they write: thousands of
    entries about made-up people that would bury the real ones once the demo is gone.
    """
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    # Erased, not deleted: their seals stay in the audit chain, which still verifies.
    for queryset in querysets:
        entries = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(queryset.model),
            object_id__in=queryset.values("pk"),
        )
        erase(entries, by="manage.py demo_load --reset", reason="the demo's reset")


def demo_counts() -> dict[str, int]:
    """What the demo county holds now, for the command's summary."""
    county = Region.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        return {}
    in_county = within(county, "household__region")
    return {
        "townships": Region.objects.subtree(county).filter(level=Region.Level.TOWNSHIP).count(),
        "villages": Region.objects.subtree(county).filter(level=Region.Level.VILLAGE).count(),
        "organisations": Organisation.objects.filter(within(county, "region")).count(),
        "stations": Station.objects.filter(within(county, "organisation__region")).count(),
        "users": User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").count(),
        "volunteers": Volunteer.objects.filter(within(county, "home_region")).count(),
        "households": Household.objects.filter(within(county, "region")).count(),
        "members": Member.objects.filter(in_county).count(),
        "assessments": Assessment.objects.filter(in_county).count(),
        "needs": Need.objects.filter(in_county).count(),
        "open needs": Need.objects.filter(in_county).open().count(),
        "procured projects": Project.objects.filter(within(county, "region")).count(),
        "referrals": Referral.objects.filter(within(county, "need__household__region")).count(),
        "engine allocations": EngineAllocation.objects.filter(
            within(county, "run__region")
        ).count(),
        "offers": Offer.objects.filter(within(county, "charity__organisation__region")).count(),
        "offer allocations": OfferAllocation.objects.filter(
            within(county, "need__household__region")
        ).count(),
        "open warnings": Flag.objects.filter(
            within(county, "region"), task__status=Task.Status.OPEN
        ).count(),
    }


COUNT_LABELS = {
    "townships": _("townships"),
    "villages": _("villages"),
    "organisations": _("organisations"),
    "stations": _("stations"),
    "users": _("users"),
    "volunteers": _("volunteers"),
    "households": _("households"),
    "members": _("members"),
    "assessments": _("assessments"),
    "needs": _("needs"),
    "open needs": _("open needs"),
    "procured projects": _("procured projects"),
    "referrals": _("referrals"),
    "engine allocations": _("needs allocated by the engine"),
    "offers": _("charity offers"),
    "offer allocations": _("offer allocations"),
    "open warnings": _("open warnings"),
    # Counted by the steps as they build.
    "decisions": _("status decisions"),
    "temporary grants": _("temporary assistance grants (临时救助)"),
    "project deliveries": _("project deliveries"),
    "service sessions": _("service sessions"),
    "feedback": _("feedback"),
    "success model outcomes": _("outcomes the success model learnt from"),
    "public pages": _("news and policy pages"),
    "project pages": _("project notices"),
    "offer deliveries": _("offer deliveries"),
    "cross-check files": _("cross-check files"),
    "warnings": _("warnings raised"),
    "past verifications": _("past verifications"),
    "scheduled reviews": _("scheduled reviews"),
    "scheduled visits": _("scheduled visits"),
}
