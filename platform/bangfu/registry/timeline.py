"""A household's whole story on its page: visits and needs, and what the apps above the registry
did for it (referrals and their sessions, offers allocated, warnings and verifications).

The registry names none of those apps (see README, floors). Each registers, in its own
``timeline`` module (found by ``RegistryConfig.ready``):

- a source of events, ``source(household, user) -> Iterable[Event]``, that reads its rows with a
  few queries whatever their number, scoped to the user: the viewer sees only the entries they
  may see, with links only to pages they may open, and never another household's personal data;
- optionally the actions it offers on the household's open needs,
  ``source(needs, user) -> Iterable[NeedAction]`` (the intake desk's "refer").

The registry's own sources (visits, needs, tier changes; status recommendations and decisions)
and action ("record a visit") are registered here too.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.core.templatetags.money import yuan
from bangfu.registry.grants import TemporaryGrant
from bangfu.registry.models import Household, Need, ServiceCategory, StatusDecision, Tier


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    kind: str  # translated label: "Visit", "Referral", …
    title: str
    detail: str = ""
    url: str = ""  # "" when the user may not open the entry's page, or it has none
    state: str = ""  # translated label of the state the entry is in, shown as a badge
    tone: str = ""  # the badge's colour: "ok", "warn", "danger", "done" or ""
    day_only: bool = False  # the source knows the day, not the hour


@dataclass(frozen=True)
class NeedAction:
    need_id: int
    label: str
    url: str
    order: int = 50  # left to right


Source = Callable[[Household, object], Iterable[Event]]
ActionSource = Callable[[list[Need], object], Iterable[NeedAction]]

SOURCES: list[Source] = []
ACTION_SOURCES: list[ActionSource] = []


def register(source: Source) -> Source:
    """Add a source of the household's events (usable as a decorator)."""
    SOURCES.append(source)
    return source


def register_need_actions(source: ActionSource) -> ActionSource:
    """Add a source of actions on a household's open needs (usable as a decorator)."""
    ACTION_SOURCES.append(source)
    return source


def day(date: dt.date) -> dt.datetime:
    """The start of ``date`` in the site's time zone: where an event known by its day sorts."""
    return timezone.make_aware(dt.datetime.combine(date, dt.time.min))


def household_timeline(household: Household, user) -> list[Event]:
    """Every registered source's events for the household, newest first.

    Sources list events as they happened, a cause before its consequence; of events at one
    moment (a visit and the needs it found, a referral expiring and the next one sent) the one
    listed last is shown first, as if it were the newer."""
    events = [event for source in SOURCES for event in source(household, user)]
    ordered = sorted(enumerate(events), key=lambda pair: (pair[1].at, pair[0]), reverse=True)
    return [event for _index, event in ordered]


def need_actions(needs: Iterable[Need], user) -> dict[int, list[NeedAction]]:
    """The actions the user may take on each open need, by need id, in their order."""
    needs = [need for need in needs if need.status in Need.OPEN_STATUSES]
    if not needs:
        return {}
    actions: dict[int, list[NeedAction]] = {}
    for source in ACTION_SOURCES:
        for action in source(needs, user):
            actions.setdefault(action.need_id, []).append(action)
    for listed in actions.values():
        listed.sort(key=lambda action: action.order)
    return actions


# --- the registry's own story ------------------------------------------------------------------


def category_name(category: ServiceCategory) -> str:
    """A service category in the interface language (the catalogue holds both names)."""
    english = (get_language() or "").startswith("en")
    return category.name_en if english and category.name_en else category.name


@register
def registry_events(household: Household, user) -> Iterable[Event]:
    """Visits and the needs they found (opened and closed), and the household's tier changes.

    Reads the visits and needs the household page prefetched (a visit's needs are the
    household's, by their visit); the tier changes in its audit log (every change made through
    the registry's services, the verification visits' included).
    """
    found = defaultdict(list)
    for need in household.needs.all():
        found[need.assessment_id].append(need)
    for assessment in household.assessments.all():
        yield Event(
            at=day(assessment.assessed_on),
            kind=_("Visit"),
            title=_("Visit by %(assessor)s") % {"assessor": assessment.assessor},
            detail=assessment.summary,
            day_only=True,
        )
        for need in found[assessment.pk]:
            service = category_name(need.category)
            yield Event(
                at=day(need.opened_on),
                kind=_("Need"),
                title=_("Need recorded: %(service)s") % {"service": service},
                detail=need.get_urgency_display(),
                state=need.get_status_display(),
                tone="ok" if need.status in Need.OPEN_STATUSES else "",
                day_only=True,
            )
            if need.closed_on:
                yield Event(
                    at=day(need.closed_on),
                    kind=_("Need"),
                    title=_("Need closed: %(service)s") % {"service": service},
                    state=need.get_status_display(),
                    tone="done",
                    day_only=True,
                )
    changes = (
        LogEntry.objects.get_for_object(household)
        .filter(
            action__in=(LogEntry.Action.CREATE, LogEntry.Action.UPDATE),
            changes__has_key="tier",
        )
        .only("timestamp", "action", "changes")
    )
    for entry in changes:
        before, after = (_tier_label(value) for value in entry.changes_dict["tier"])
        if entry.action == LogEntry.Action.CREATE:
            title = _("Registered in tier %(tier)s") % {"tier": after}
        else:
            title = _("Tier changed from %(before)s to %(after)s") % {
                "before": before,
                "after": after,
            }
        yield Event(at=entry.timestamp, kind=_("Tier"), title=title)


@register
def decision_events(household: Household, user) -> Iterable[Event]:
    """Recommendations of a status (who recommended what), and their confirmation (with the
    benefits system's reference and effective date) or rejection. One query."""
    decisions = getattr(household, "page_decisions", None)  # read by the household page
    if decisions is None:
        decisions = (
            StatusDecision.objects.for_user(user)
            .filter(household=household)
            .select_related("member", "recommended_by", "decided_by")
        )
    for decision in decisions:
        url = reverse("registry:decision-detail", args=[decision.pk])
        change = _("%(kind)s: %(before)s → %(after)s") % {
            "kind": decision.get_kind_display(),
            "before": decision.get_from_status_display(),
            "after": decision.get_to_status_display(),
        }
        if decision.member_id:
            change = f"{change} · {decision.member.masked_name}"
        if decision.recommended_at:
            yield Event(
                at=decision.recommended_at,
                kind=_("Status decision"),
                title=_("Recommended to the township: %(change)s") % {"change": change},
                detail=str(decision.recommended_by or ""),
                url=url,
                state=_("waiting") if decision.state == StatusDecision.State.PROPOSED else "",
                tone="warn",
            )
        if decision.state == StatusDecision.State.CONFIRMED:
            yield Event(
                at=decision.decided_at or decision.created_at,
                kind=_("Status decision"),
                title=_("Decision confirmed: %(change)s") % {"change": change},
                detail=_("Reference %(reference)s, effective %(date)s, by %(who)s")
                % {
                    "reference": decision.reference or "—",
                    "date": decision.effective_on.isoformat() if decision.effective_on else "—",
                    "who": decision.decided_by or decision.get_source_display(),
                },
                url=url,
                state=decision.get_state_display(),
                tone="ok",
            )
        elif decision.state == StatusDecision.State.REJECTED:
            yield Event(
                at=decision.decided_at or decision.created_at,
                kind=_("Status decision"),
                title=_("Recommendation rejected: %(change)s") % {"change": change},
                detail=decision.rejection_reason,
                url=url,
                state=decision.get_state_display(),
                tone="danger",
            )


@register
def grant_events(household: Household, user) -> Iterable[Event]:
    """临时救助 grants: proposed (the amount and kind), then granted on their day or rejected,
    and a township's 先行救助 acknowledged by the county. One query."""
    grants = getattr(household, "page_grants", None)  # read by the household page
    if grants is None:
        grants = (
            TemporaryGrant.objects.for_user(user)
            .filter(household=household)
            .select_related("member", "proposed_by", "decided_by", "reported_to")
            .order_by("created_at", "pk")
        )
    for grant in grants:
        url = reverse("registry:grant-detail", args=[grant.pk])
        what = _("%(kind)s, %(amount)s yuan") % {
            "kind": grant.get_kind_display(),
            "amount": yuan(grant.amount),
        }
        if grant.member_id:
            what = f"{what} · {grant.member.masked_name}"
        kind = _("Temporary assistance")
        yield Event(
            at=grant.created_at,
            kind=kind,
            title=_("Grant proposed: %(what)s") % {"what": what},
            detail=str(grant.proposed_by or ""),
            url=url,
            state=grant.get_state_display() if grant.state == grant.State.PROPOSED else "",
            tone="warn",
        )
        if grant.state == TemporaryGrant.State.DECIDED:
            # Given the day it was decided: the moment of the decision; else the day given.
            same_day = timezone.localtime(grant.decided_at).date() == grant.granted_on
            yield Event(
                at=grant.decided_at if same_day else day(grant.granted_on),
                kind=kind,
                title=_("Granted: %(what)s") % {"what": what},
                detail=_("Reference %(reference)s, by %(who)s")
                % {"reference": grant.reference or "—", "who": grant.decided_by},
                url=url,
                state=_("first aid (先行救助)") if grant.first_aid else "",
                tone="ok",
                day_only=not same_day,
            )
        elif grant.state == TemporaryGrant.State.REJECTED:
            yield Event(
                at=grant.decided_at,
                kind=kind,
                title=_("Grant rejected: %(what)s") % {"what": what},
                detail=grant.rejection_reason,
                url=url,
                state=grant.get_state_display(),
                tone="danger",
            )
        if grant.reported_at:
            yield Event(
                at=grant.reported_at,
                kind=kind,
                title=_("First aid acknowledged by %(county)s: %(what)s")
                % {"county": grant.reported_to.name if grant.reported_to else "—", "what": what},
                url=url,
                tone="done",
            )


def _tier_label(value) -> str:
    return str(Tier(value).label) if value in Tier.values else _("none")


@register_need_actions
def record_a_visit(needs: list[Need], user) -> Iterable[NeedAction]:
    """A visit records what became of a need and what else the household needs."""
    if not scope_for(user).can_write:
        return
    for need in needs:
        yield NeedAction(
            need.pk,
            _("Record a visit"),
            reverse("registry:assessment-create", args=[need.household_id]),
            order=80,
        )
