"""临时救助 as events: a grant of a date, an amount and a kind, for a reason, decided by someone.

临时救助 is no status a household holds (the registry keeps no "临时" tier): it is a one-off grant
(003 item 11: 「强化急难型和支出型救助功能，对遭遇突发性、紧迫性、灾难性变故以及因教育、医疗等
刚性支出生活陷入困境…的家庭和个人，及时给予临时性基本生活保障」). The township decides small
amounts at once and reports them after (先行救助; 003: 「健全急难事项快速响应工作机制…简化审批
程序，压缩救助时限」, 「进一步巩固乡镇（街道）临时救助备用金制度实施成果」); larger ones are the
county's (「全面落实县、乡两级审批有关规定」). The line between them is the region's policy
``temporary_grant_first_aid_limit``.

An assistant or the bureau proposes (``grant_propose``); a township reviewer decides a grant up
to the limit (it is then 先行救助 and waits on the county's list until ``grant_report``), a
county's bureau manager any grant (``grant_decide``, ``grant_reject``). Each write is one
transaction, audited by django-auditlog (registered in ``RegistryConfig.ready``).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import Role, holds_role_over
from bangfu.core.dates import add_months
from bangfu.core.validators import validate_date_range, validate_text_length
from bangfu.regions.models import Region
from bangfu.regions.policy import policy_for
from bangfu.registry.coverage import audited_as
from bangfu.registry.decision_rights import is_county_manager, may_recommend
from bangfu.registry.models import Household, Member, TemporaryGrant
from bangfu.registry.selectors import household_readable

# Far above any grant of one event (002: 「临时救助标准继续参照当地低保月标准上下浮动25%以内」,
# raised case by case for 重大生活困难, 003: 「一事一议」): a larger figure is a typing error.
GRANT_MAXIMUM = Decimal("100000")
CENT = Decimal("0.01")
# How far back the household page looks for the grants it shows.
RECENT_MONTHS = 12


# --- who may ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    """What a user may decide about the grants of one village."""

    county_manager: bool  # a bureau manager of the county or above: decides any grant
    township_reviewer: bool  # the reviewer of the village's township: decides up to the limit
    limit: Decimal  # the region's first-aid limit


def first_aid_limit(region: Region, day: dt.date | None = None) -> Decimal:
    """The most a township decides at once in ``region`` (policy
    ``temporary_grant_first_aid_limit``); 0 where no limit is set: the county decides all."""
    year = (day or timezone.localdate()).year
    return policy_for(region, year).get("temporary_grant_first_aid_limit") or Decimal("0")


def authority(user, region: Region) -> Authority:
    return Authority(
        county_manager=is_county_manager(user, region),
        township_reviewer=holds_role_over(user, (Role.TOWNSHIP_REVIEWER,), region),
        limit=first_aid_limit(region),
    )


def may_decide(user, grant: TemporaryGrant, *, over: Authority | None = None) -> bool:
    """Whether ``user`` may grant or reject this proposal: a bureau manager of the county (or
    above) always; a township reviewer whose township holds the household up to the first-aid
    limit. Assistants and staff never. ``over``: the user's authority, when already read."""
    if grant.state != TemporaryGrant.State.PROPOSED:
        return False
    over = over or authority(user, grant.household.region)
    return over.county_manager or (over.township_reviewer and grant.amount <= over.limit)


def may_acknowledge(user, grant: TemporaryGrant, *, over: Authority | None = None) -> bool:
    """Whether ``user`` takes the report of a 先行救助 grant for the county: its bureau manager,
    the one who decides the grants above the limit."""
    if not grant.awaits_report:
        return False
    return (over or authority(user, grant.household.region)).county_manager


def with_permissions(user, grants) -> list[TemporaryGrant]:
    """``grants`` as a list, each marked with what ``user`` may do with it (``may_decide``,
    ``may_acknowledge``) and whether a township may decide it (``within_first_aid``); the
    user's authority is read once per village."""
    authorities: dict[int, Authority] = {}
    grants = list(grants)
    for grant in grants:
        region = grant.household.region
        if region.pk not in authorities:
            authorities[region.pk] = authority(user, region)
        over = authorities[region.pk]
        grant.within_first_aid = grant.amount <= over.limit
        grant.may_decide = may_decide(user, grant, over=over)
        grant.may_acknowledge = may_acknowledge(user, grant, over=over)
    return grants


# --- propose, decide, reject, report -----------------------------------------------------------


@transaction.atomic
def grant_propose(
    *,
    by,
    household: Household,
    member: Member | None = None,
    kind: str,
    amount,
    reason: str,
    granted_on: dt.date | None = None,
) -> TemporaryGrant:
    """A grant proposed by an assistant (in their villages) or the bureau; it waits for the
    township or the county to decide. ``granted_on``: the day it is meant for, when known (the
    decision's date by default)."""
    if not may_recommend(by, household):
        raise PermissionDenied(_("Your role cannot propose a grant for this household."))
    grant = _checked_grant(
        household=household,
        member=member,
        kind=kind,
        amount=amount,
        reason=reason,
        granted_on=granted_on,
        reference="",
    )
    grant.proposed_by = by
    with audited_as(by):
        grant.save()
    return grant


def may_record(user, household: Household, *, over: Authority | None = None) -> bool:
    """Whether ``user`` may grant at once (``grant_record``) for ``household``: a reviewer of
    its township where the region sets a first-aid limit, a county's bureau manager always."""
    over = over or authority(user, household.region)
    if not (over.county_manager or (over.township_reviewer and over.limit > 0)):
        return False
    return household_readable(user, household)


@transaction.atomic
def grant_record(
    *,
    by,
    household: Household,
    member: Member | None = None,
    kind: str,
    amount,
    reason: str,
    granted_on: dt.date | None,
    reference: str = "",
) -> TemporaryGrant:
    """先行救助 proposed and decided in one step by whoever may decide it: the township's
    reviewer up to the first-aid limit (003: 「简化审批程序，压缩救助时限」; the grant then
    waits on the county's list until ``grant_report``), a county's bureau manager any amount."""
    household = Household.objects.select_related("region").get(pk=household.pk)
    over = authority(by, household.region)
    if not may_record(by, household, over=over):
        raise PermissionDenied(_("Your role cannot grant for this household at once."))
    grant = _checked_grant(
        household=household,
        member=member,
        kind=kind,
        amount=amount,
        reason=reason,
        granted_on=granted_on,
        reference=reference,
        decided=True,
    )
    if not over.county_manager and grant.amount > over.limit:
        raise ValidationError(
            {
                "amount": _(
                    "Above the first-aid limit of %(limit)s yuan the county decides: propose "
                    "the grant instead."
                )
                % {"limit": f"{over.limit:,}"}
            }
        )
    grant.state, grant.proposed_by = TemporaryGrant.State.DECIDED, by
    grant.decided_by, grant.decided_at = by, timezone.now()
    grant.first_aid = not over.county_manager
    with audited_as(by):
        grant.save()
    return grant


@transaction.atomic
def grant_decide(
    *, by, grant: TemporaryGrant, reference: str = "", granted_on: dt.date | None
) -> TemporaryGrant:
    """The grant is given on ``granted_on``. Decided by the township under the limit, it is
    先行救助 and goes on the county's list until the county acknowledges it."""
    grant = _locked_proposal(grant)
    over = authority(by, grant.household.region)
    if not may_decide(by, grant, over=over):
        raise PermissionDenied(_("Your role cannot decide this grant."))
    errors: dict[str, list[str]] = {}
    if granted_on is None:
        errors["granted_on"] = [_("Give the date the grant is given.")]
    else:
        _date(errors, "granted_on", granted_on)
    reference = (reference or "").strip()
    if len(reference) > 100:
        errors["reference"] = [_("The reference takes at most 100 characters.")]
    if errors:
        raise ValidationError(errors)
    grant.state, grant.granted_on, grant.reference = (
        TemporaryGrant.State.DECIDED,
        granted_on,
        reference,
    )
    grant.decided_by, grant.decided_at = by, timezone.now()
    # Decided by the township under the limit: 先行救助, reported to the county after.
    grant.first_aid = not over.county_manager
    with audited_as(by):
        grant.save()
    return grant


@transaction.atomic
def grant_reject(*, by, grant: TemporaryGrant, reason: str) -> TemporaryGrant:
    """Not granted; the reason is kept with the proposal, for the one who proposed it."""
    grant = _locked_proposal(grant)
    if not may_decide(by, grant):
        raise PermissionDenied(_("Your role cannot decide this grant."))
    errors: dict[str, list[str]] = {}
    reason = _text(errors, "reason", reason, _("Say why the grant is rejected."))
    if errors:
        raise ValidationError(errors)
    grant.state, grant.rejection_reason = TemporaryGrant.State.REJECTED, reason
    grant.decided_by, grant.decided_at = by, timezone.now()
    with audited_as(by):
        grant.save()
    return grant


@transaction.atomic
def grant_report(*, by, grant: TemporaryGrant) -> TemporaryGrant:
    """The county acknowledges a 先行救助 grant the township decided and reported after."""
    grant = (
        TemporaryGrant.objects.select_for_update(of=("self",))
        .select_related("household__region")
        .get(pk=grant.pk)
    )
    if not grant.awaits_report:
        raise ValidationError(
            _("This grant waits for no report: it is no first aid, or was acknowledged.")
        )
    if not may_acknowledge(by, grant):
        raise PermissionDenied(_("Only the county's bureau manager acknowledges first aid."))
    grant.reported_at, grant.reported_to = timezone.now(), grant.household.region.county()
    with audited_as(by):
        grant.save(update_fields=["reported_at", "reported_to"])
    return grant


# --- reads ---------------------------------------------------------------------------------------


def recent_grants(
    household: Household, months: int = RECENT_MONTHS, *, today: dt.date | None = None
) -> models.QuerySet[TemporaryGrant]:
    """The grants given to ``household`` in the last ``months`` (read after the household
    itself was read through the user's scope), newest first."""
    since = add_months(today or timezone.localdate(), -months)
    return (
        TemporaryGrant.objects.filter(
            household=household, state=TemporaryGrant.State.DECIDED, granted_on__gte=since
        )
        .select_related("member", "decided_by")
        .order_by("-granted_on", "-pk")
    )


def grants_for(user) -> models.QuerySet[TemporaryGrant]:
    """The grants the user may read, with what their pages show."""
    return TemporaryGrant.objects.for_user(user).select_related(
        "household__region__parent", "member", "proposed_by", "decided_by", "reported_to"
    )


def grants_context(household: Household, user) -> dict:
    """The household page's "临时救助" block: the grants of the last year, the proposals waiting,
    and whether the user may propose one."""
    read = getattr(household, "page_grants", None)
    if read is None:
        waiting = grants_for(user).proposed().filter(household=household).order_by("created_at")
        recent = recent_grants(household)
    else:
        # The household page read them (``selectors.household_detail``) in the user's scope,
        # which holds every grant of a household it holds: the same rows as the queries.
        waiting = [grant for grant in read if grant.state == TemporaryGrant.State.PROPOSED]
        since = add_months(timezone.localdate(), -RECENT_MONTHS)
        recent = sorted(
            (
                grant
                for grant in read
                if grant.state == TemporaryGrant.State.DECIDED and grant.granted_on >= since
            ),
            key=lambda grant: (grant.granted_on, grant.pk),
            reverse=True,
        )
    return {
        "grants_block": {
            "recent": list(recent),
            "waiting": list(waiting),
            "months": RECENT_MONTHS,
            "may_propose": may_recommend(user, household),
            "may_record": may_record(user, household),
        }
    }


# --- the pieces ---------------------------------------------------------------------------------


def _checked_grant(
    *, household, member, kind, amount, reason, granted_on, reference, decided=False
) -> TemporaryGrant:
    """An unsaved grant for ``household``, checked: each refusal names its field. ``decided``:
    the date it is given is required."""
    errors: dict[str, list[str]] = {}
    if member is not None and member.household_id != household.pk:
        errors["member"] = [_("This person is not a member of the household.")]
    if kind not in TemporaryGrant.Kind.values:
        errors["kind"] = [
            _("Choose the kind of grant: emergency (急难型) or expenditure (支出型).")
        ]
    reason = _text(errors, "reason", reason, _("Say why the household needs the grant."))
    amount = _amount(errors, amount)
    if granted_on is not None:
        _date(errors, "granted_on", granted_on)
    elif decided:
        errors["granted_on"] = [_("Give the date the grant is given.")]
    reference = (reference or "").strip()
    if len(reference) > 100:
        errors["reference"] = [_("The reference takes at most 100 characters.")]
    if errors:
        raise ValidationError(errors)
    return TemporaryGrant(
        household=household,
        member=member,
        kind=kind,
        amount=amount,
        reason=reason,
        granted_on=granted_on,
        reference=reference,
    )


def _locked_proposal(grant: TemporaryGrant) -> TemporaryGrant:
    grant = (
        TemporaryGrant.objects.select_for_update(of=("self",))
        .select_related("household__region")
        .get(pk=grant.pk)
    )
    if grant.state != TemporaryGrant.State.PROPOSED:
        raise ValidationError(_("This grant was already decided."))
    return grant


def _amount(errors: dict, raw) -> Decimal | None:
    """The amount in yuan, exact: more than 0, at most ``GRANT_MAXIMUM``, in fen at most."""
    try:
        if isinstance(raw, bool | float) or raw is None:
            raise InvalidOperation
        amount = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        errors["amount"] = [_("The amount must be a number of yuan, e.g. 800 or 1200.50.")]
        return None
    if amount <= 0:
        errors["amount"] = [_("The amount must be more than 0 yuan.")]
    elif amount > GRANT_MAXIMUM:
        errors["amount"] = [
            _("The amount must be at most %(most)s yuan: check the figure.")
            % {"most": f"{GRANT_MAXIMUM:,}"}
        ]
    elif amount != amount.quantize(CENT):
        errors["amount"] = [_("The amount takes at most two decimals (fen).")]
    else:
        return amount.quantize(CENT)
    return None


def _text(errors: dict, field: str, raw: str, missing: str) -> str:
    text = (raw or "").strip()
    if not text:
        errors[field] = [missing]
        return text
    try:
        validate_text_length(text)
    except ValidationError as error:
        errors[field] = error.messages
    return text


def _date(errors: dict, field: str, day: dt.date) -> None:
    try:
        validate_date_range(day)
    except ValidationError as error:
        errors[field] = error.messages
