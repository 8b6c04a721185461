"""A taken ID number or registry number, answered without teaching the user anything about
other areas.

Taken inside the user's area (``for_user``), the answer names the household: the clerk can act on
it. Taken outside it, the answer reveals nothing, not the household, not its region, not even
that the number is taken: the field or the row gets the neutral wording the county uses for any
identity it must verify itself. Each such refusal

- is audited: an auditlog "access" entry on what holds the number (a member, a household, or an
  upper app's record of a person) with the user, the time and the source; no number in clear;
- goes to the handlers of ``hooks.on_cross_area_identity`` with the lowest region covering both
  areas (discovery warns that region's bureau of a duplicate registration: double benefits);
- counts toward the user's refusals of the day: at the policy's
  ``identity_refusals_alert_per_day`` the handlers of ``hooks.on_identity_probing`` are told
  (discovery alerts the user's bureau, once a day).

A refusal is recorded outside the transaction of the write it refused, or the rollback would
erase it: a service raises ``IdentityRefused`` and is wrapped in ``refusals_recorded``; a check
that runs outside any transaction (the ledger import's) calls ``refusals_record`` itself.
"""

import contextvars
import dataclasses
import datetime as dt
import functools
import os
from dataclasses import dataclass

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.accounts.scoping import scope_for
from bangfu.core.audit_chain import seal_on_commit
from bangfu.regions.models import Region
from bangfu.regions.policy import Policy
from bangfu.registry import hooks
from bangfu.registry.models import Household, Member

# One wording for every identity the county must check itself, whatever the reason.
ID_NUMBER_TO_VERIFY = gettext_lazy(
    "This ID number must be verified by the county civil-affairs bureau before it can be "
    "registered."
)
REGISTRY_NUMBER_REFUSED = gettext_lazy(
    "This registry number cannot be used here; ask the county civil-affairs bureau."
)
# The key that marks a refusal's audit entry (its ``additional_data``).
AUDIT_KEY = "identity_refused"


class Source(models.TextChoices):
    """Where a number was refused."""

    MEMBER_FORM = "member_form", gettext_lazy("the member form")
    HOUSEHOLD_FORM = "household_form", gettext_lazy("the household form")
    LEDGER_IMPORT = "ledger_import", gettext_lazy("a ledger import")
    LEDGER_DRY_RUN = "ledger_dry_run", gettext_lazy("a ledger import's dry run")
    VISIT = "visit", gettext_lazy("a verification visit")


@dataclass(frozen=True)
class Refusal:
    by: object  # the user refused
    source: str  # a ``Source``, or an upper app's own word
    held: models.Model  # what holds the number: a Member, a Household, an upper app's record
    village: Region  # where ``held`` is registered
    registering: bool = True  # registering a person: with ``held`` a Member, a duplicate
    attempt: str = ""  # the registry number of the household the user was writing
    attempt_village: Region | None = None
    # The lowest region covering the user's area and ``village`` (None: no region covers both,
    # they lie in different provinces); set when the refusal is recorded.
    covering: Region | None = None

    @property
    def duplicate(self) -> Member | None:
        """The person registered twice, if this refusal is a duplicate registration."""
        return self.held if self.registering and isinstance(self.held, Member) else None


@dataclass(frozen=True)
class Probing:
    """One user's refusals of one day stand at or above the policy's threshold."""

    by: object
    day: dt.date
    refusals: int
    threshold: int
    area: Region  # the lowest region covering the user's area


class IdentityRefused(ValidationError):
    """The neutral refusal of ``field``, with the refusals still to record."""

    def __init__(self, field: str, message, refusals: list[Refusal]):
        super().__init__({field: message})
        self.refusals = refusals


_depth = contextvars.ContextVar("bangfu_refusals_depth", default=0)


def refusals_recorded(service):
    """Record the refusals ``service`` raises, once its transaction has rolled back.

    Put it above ``transaction.atomic``. When a wrapped service calls another, only the
    outermost records, after its own transaction; so a wrapped service must not swallow a
    refusal raised by the one it calls.
    """

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        token = _depth.set(_depth.get() + 1)
        try:
            return service(*args, **kwargs)
        except IdentityRefused as refused:
            if _depth.get() == 1:
                refusals_record(refused.refusals)
            raise
        finally:
            _depth.reset(token)

    return wrapper


def id_number_check(
    digest: str, *, by, source: str, household: Household | None, exclude: Member | None = None
) -> None:
    """Refuse an ID number (by its keyed hash) someone else is registered with: naming their
    household inside ``by``'s area, neutrally outside it."""
    holders = Member.objects.filter(id_number_hash=digest).select_related("household__region")
    if exclude is not None:
        holders = holders.exclude(pk=exclude.pk)
    holder = holders.first()
    if holder is None:
        return
    if Member.objects.for_user(by).filter(pk=holder.pk).exists():
        raise ValidationError(
            {
                "id_number": _("This person is already registered in household %(number)s.")
                % {"number": holder.household.registry_number}
            }
        )
    refusal = Refusal(
        by=by,
        source=source,
        held=holder,
        village=holder.household.region,
        attempt=household.registry_number if household else "",
        attempt_village=household.region if household else None,
    )
    raise IdentityRefused("id_number", ID_NUMBER_TO_VERIFY, [refusal])


def registry_number_check(
    number: str, *, by, source: str, household: Household | None = None
) -> None:
    """Refuse a registry number another household holds: by its number inside ``by``'s area,
    neutrally outside it. ``household`` is the one being written (its village, if chosen)."""
    holders = Household.objects.filter(registry_number=number).select_related("region")
    if household is not None and household.pk is not None:
        holders = holders.exclude(pk=household.pk)
    holder = holders.first()
    if holder is None:
        return
    if Household.objects.for_user(by).filter(pk=holder.pk).exists():
        raise ValidationError(
            {
                "registry_number": _("Household %(number)s is already registered.")
                % {"number": number}
            }
        )
    refusal = Refusal(
        by=by,
        source=source,
        held=holder,
        village=holder.region,
        registering=False,
        attempt=number,
        attempt_village=getattr(household, "region", None),
    )
    raise IdentityRefused("registry_number", REGISTRY_NUMBER_REFUSED, [refusal])


def refusals_record(refusals: list[Refusal]) -> None:
    """Audit the refusals of one user, tell the hooks, and alert at the day's threshold."""
    if not refusals:
        return
    by = refusals[0].by
    areas = _Areas(by)
    refusals = [dataclasses.replace(r, covering=areas.covering(r.village)) for r in refusals]
    cid = get_cid()
    audited = LogEntry.objects.bulk_create(
        (
            LogEntry(
                content_type=ContentType.objects.get_for_model(type(refusal.held)),
                object_pk=str(refusal.held.pk),
                object_id=refusal.held.pk,
                object_repr=str(refusal.held)[:200],
                action=LogEntry.Action.ACCESS,
                actor=by,
                cid=cid,
                additional_data={AUDIT_KEY: refusal.source},
            )
            for refusal in refusals
        ),
        batch_size=1000,
    )
    seal_on_commit(audited)
    for handler in hooks.on_cross_area_identity:
        handler(refusals)
    _alert_if_probing(by, areas.own())


def _refusals_today(by) -> int:
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return LogEntry.objects.filter(
        actor=by, timestamp__gte=start, additional_data__has_key=AUDIT_KEY
    ).count()


def _alert_if_probing(by, area: Region) -> None:
    today = timezone.localdate()
    count = _refusals_today(by)
    threshold = Policy(area, today.year)["identity_refusals_alert_per_day"]
    if count < threshold:
        return
    probing = Probing(by=by, day=today, refusals=count, threshold=threshold, area=area)
    for handler in hooks.on_identity_probing:
        handler(probing)


class _Areas:
    """The user's area as region paths, and the lowest regions covering it, each read once."""

    def __init__(self, by):
        scope = scope_for(by)
        villages = Region.objects.filter(pk__in=scope.village_ids).values_list("path", flat=True)
        self.paths = sorted({*scope.region_paths, *villages})
        self._found: dict[str, Region | None] = {}

    def covering(self, *regions: Region) -> Region | None:
        """The lowest region covering the user's area and ``regions``; None if none does."""
        paths = [*self.paths, *(region.path for region in regions)]
        common = os.path.commonpath(paths) if paths else ""  # "53/5304/…", "53/5304/…": "53/5304"
        path = f"{common}/" if common else ""
        if path not in self._found:
            self._found[path] = Region.objects.filter(path=path).first() if path else None
        return self._found[path]

    def own(self) -> Region:
        """The lowest region covering the user's area; if its parts lie in different
        provinces, the first of them."""
        return self.covering() or Region.objects.get(path=self.paths[0])
