"""What the referrals app asks of each role (``bangfu.core.todos``): the desk's cases still
without a referral, and the providers' referrals waiting for an answer or for a session.

Urgent items (an urgent or same-day need) are listed apart from the rest, so a same-day case is
never hidden inside a count of routine ones. A to-do names the case or referral number, the
service and the village, as the lists do, never a person."""

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.db.models import Case, F, Q, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import role_region_paths, scope_for
from bangfu.core.todos import Todo, each_or_grouped, end_of_day, register
from bangfu.referrals import selectors
from bangfu.referrals.models import HelpRequest, IntakeCase, Referral, ServiceSession
from bangfu.referrals.services.help_requests import ACKNOWLEDGE_WITHIN
from bangfu.regions.models import Region, levels_between, within_any

# The needs whose lines lead the list (特急 and 紧急), as every list of the desk orders them.
URGENT = selectors.URGENCY_ORDER[:2]


def _desk_area(user) -> Q | None:
    """Where the user sits at an intake desk: the regions of their county and township bureaux
    (a city's bureau oversees the desks below it, it is not one); None when nowhere."""
    paths = role_region_paths(
        user, selectors.DESK_ROLES, levels=levels_between(Region.Level.COUNTY, Region.Level.VILLAGE)
    )
    if paths is None:
        return Q()
    return within_any(paths, "region") if paths else None


def _split(rows, *, each, grouped, first: str = "") -> list[Todo]:
    """The rows of urgent needs and the others, each listed or grouped on its own:
    ``grouped(least value of first, urgent)`` is the line of many."""
    urgent = Q(need__urgency__in=URGENT)
    return each_or_grouped(
        rows,
        each=each,
        parts=[
            (urgent, lambda least: grouped(least, urgent=True)),
            (~urgent, lambda least: grouped(least, urgent=False)),
        ],
        first=first,
    )


def _this_week(now) -> tuple[dt.date, dt.datetime]:
    """This week's Monday, and the end of its Sunday (local time): when "a session this week"
    falls due."""
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    sunday = monday + dt.timedelta(days=6)
    return monday, end_of_day(sunday)


@register
def cases_without_referral(user, now):
    """The desk's open cases no provider has yet, the longest waiting first: each is due from
    the moment it was opened."""
    area = _desk_area(user)
    if area is None:
        return []
    # Only the joins and the columns the lines show: the desk's own list joins more, and
    # PostgreSQL plans a join of eight tables for longer than it runs it.
    waiting = (
        IntakeCase.objects.for_user(user)
        .waiting()
        .filter(area)
        .select_related("region", "need__category", "need__household__region")
        .only(
            "source",
            "opened_at",
            "region__name",
            "need__urgency",
            "need__category__name",
            "need__household__region__name",
        )
        .order_by("opened_at", "pk")
    )

    def each(case: IntakeCase) -> Todo:
        place = case.need.household.region.name if case.need else case.region.name
        return Todo(
            group=_("Cases without a referral"),
            title=_("Refer case %(number)s: %(service)s in %(place)s")
            % {
                "number": case.pk,
                "service": case.need.category.name if case.need else case.get_source_display(),
                "place": place,
            },
            url=reverse("referrals:intake-detail", args=[case.pk]),
            due_at=case.opened_at,
            urgent=case.need is not None and case.need.urgency in URGENT,
        )

    return _split(
        waiting,
        each=each,
        grouped=lambda opened_at, urgent: Todo(
            group=_("Cases without a referral"),
            title=_("Cases waiting at the desk for a provider"),
            url=reverse("referrals:intake-list") + "#h-waiting",
            due_at=opened_at,
            urgent=urgent,
        ),
        first="opened_at",
    )


@dataclass(frozen=True)
class _ProviderLine:
    """One kind of a provider's to-do: its referrals in ``status`` (and ``where``), each listed
    (``title`` with its number, service and village) or, when many, one ``summary`` line leading
    to the inbox filtered by the status. Each is due by the field its line is ordered by (see
    ``referrals_to_answer_or_serve``), or all at one moment, ``due_at``."""

    status: str
    group: str
    title: str
    summary: str
    where: Q | None = None
    due_at: dt.datetime | None = None


@register
def referrals_to_answer_or_serve(user, now):
    """A station's, an agency's or a volunteer's referrals: waiting for an answer (the longest
    overdue first), accepted with the first session still to come (due by the first-service
    deadline), and in service with no session this week (due at the week's end).

    Two queries for the three: one count of every line's urgent and other referrals, then the
    rows of the parts few enough to list (a query each would be six, and a start page spent
    most of its time composing them)."""
    if not scope_for(user).is_provider:
        return []
    monday, week_end = _this_week(now)
    this_week = ServiceSession.objects.filter(held_on__gte=monday).values("referral")
    without_a_session = _("Cases without a session this week")
    lines = {
        line.status: line
        for line in (
            _ProviderLine(
                Referral.Status.SENT,
                _("Referrals to answer"),
                _("Answer referral %(number)s: %(service)s in %(village)s"),
                _("Referrals waiting for your answer"),
            ),
            _ProviderLine(
                Referral.Status.ACCEPTED,
                without_a_session,
                _("First session for referral %(number)s: %(service)s in %(village)s"),
                _("Accepted cases waiting for their first session"),
            ),
            _ProviderLine(
                Referral.Status.IN_SERVICE,
                without_a_session,
                _("No session this week for referral %(number)s: %(service)s in %(village)s"),
                _("Cases in service with no session this week"),
                where=~Q(pk__in=this_week),
                due_at=week_end,
            ),
        )
    }
    # Each line in the order of its own deadline: the answer's, the first session's, and for
    # cases in service the oldest accepted first.
    first = Case(
        When(status=Referral.Status.SENT, then=F("accept_due_at")),
        When(status=Referral.Status.ACCEPTED, then=F("service_due_at")),
        default=F("accepted_at"),
    )
    rows = (
        selectors.provider_referrals(user)
        .filter(status__in=list(lines))
        .select_related(None)
        .select_related("need__category", "need__household__region")
        # What the lines show, no more: not the household's address or its encrypted phone.
        .only(
            "status",
            "accept_due_at",
            "service_due_at",
            "accepted_at",
            "need__urgency",
            "need__category__name",
            "need__household__region__name",
        )
        .annotate(todo_first=first)
        .order_by("todo_first", "pk")
    )

    def each(referral: Referral) -> Todo:
        line = lines[referral.status]
        return Todo(
            group=line.group,
            title=line.title
            % {
                "number": referral.pk,
                "service": referral.need.category.name,
                "village": referral.need.household.region.name,
            },
            url=reverse("portal:case", args=[referral.pk]),
            due_at=line.due_at or referral.todo_first,
            urgent=referral.need.urgency in URGENT,
        )

    def grouped(least, *, line: _ProviderLine, urgent: bool) -> Todo:
        return Todo(
            group=line.group,
            title=line.summary,
            url=reverse("portal:inbox") + f"?status={line.status}",
            due_at=line.due_at or least,
            urgent=urgent,
        )

    urgent = Q(need__urgency__in=URGENT)
    return each_or_grouped(
        rows,
        each=each,
        parts=[
            (
                Q(status=line.status) & (line.where or Q()) & pressing,
                partial(grouped, line=line, urgent=is_urgent),
            )
            for line in lines.values()
            for pressing, is_urgent in ((urgent, True), (~urgent, False))
        ],
        first="todo_first",
    )


@register
def help_requests_to_acknowledge(user, now):
    """Public help requests nobody has acknowledged yet, for the township's desk and the
    assistant of the village a request names; the oldest first, overdue past the form's promise
    to call back (``ACKNOWLEDGE_WITHIN``)."""
    if not scope_for(user).can_write:
        return []
    waiting = (
        HelpRequest.objects.for_user(user)
        .waiting()
        .select_related("township", "village")
        .only("code", "submitted_at", "township__name", "village__name")
        .order_by("submitted_at", "pk")
    )

    def each(help_request: HelpRequest) -> Todo:
        due_at = help_request.submitted_at + ACKNOWLEDGE_WITHIN
        return Todo(
            group=_("New help requests"),
            title=_("Acknowledge help request %(code)s from %(place)s")
            % {
                "code": help_request.display_code,
                "place": (help_request.village or help_request.township).name,
            },
            url=reverse("referrals:help-detail", args=[help_request.pk]),
            due_at=due_at,
            urgent=due_at < now,
        )

    def grouped(submitted_at) -> Todo:
        due_at = submitted_at + ACKNOWLEDGE_WITHIN
        return Todo(
            group=_("New help requests"),
            title=_("Help requests nobody has acknowledged"),
            url=reverse("referrals:help-list") + "?status=new",
            due_at=due_at,
            urgent=due_at < now,
        )

    return each_or_grouped(waiting, each=each, parts=[(Q(), grouped)], first="submitted_at")
