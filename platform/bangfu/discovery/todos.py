"""What finding people asks of an assistant (``bangfu.core.todos``): the verifications, visits
and reviews of their villages that are overdue or due within the coming week, each kind listed
or counted on its own line. A to-do names the household by its registry number, or the
candidate person masked, as the task lists do."""

import datetime as dt
from functools import partial

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.accounts.models import Membership
from bangfu.accounts.scoping import scope_for
from bangfu.core.todos import Todo, each_or_grouped, end_of_day, register
from bangfu.discovery import selectors
from bangfu.discovery.models import Task

# How far ahead an assistant's list looks: later tasks are not yet the week's work.
AHEAD = dt.timedelta(days=7)

TITLES = {
    Task.Kind.VERIFY: gettext_lazy("Verify %(subject)s in %(village)s"),
    Task.Kind.VISIT: gettext_lazy("Visit %(subject)s in %(village)s"),
    Task.Kind.REVIEW: gettext_lazy("Review %(subject)s in %(village)s"),
}
GROUPED = {
    Task.Kind.VERIFY: gettext_lazy("Verifications (摸排核实) due"),
    Task.Kind.VISIT: gettext_lazy("Visits (巡访) due"),
    Task.Kind.REVIEW: gettext_lazy("Periodic reviews (核查) due"),
}


def _todo(task: Task) -> Todo:
    subject = task.household.registry_number if task.household else task.candidate.masked_name
    return Todo(
        group=_("Visits and verifications"),
        title=str(TITLES[task.kind]) % {"subject": subject, "village": task.region.name},
        url=reverse("discovery:task-detail", args=[task.pk]),
        due_at=end_of_day(task.due_on),
    )


@register
def visits_and_verifications(user, now):
    """The assistant's open tasks, their own or nobody's, the longest overdue first."""
    if Membership.Role.ASSISTANT not in scope_for(user).roles:
        return []
    until = timezone.localdate(now) + AHEAD
    tasks = (
        selectors.tasks_for(user)
        .open()
        .filter(Q(assignee=user) | Q(assignee__isnull=True), due_on__lte=until)
        .select_related(None)
        .select_related("region", "household", "candidate")
        # What the lines show, no more.
        .only("kind", "due_on", "region__name", "household__registry_number", "candidate__name")
        .order_by("due_on", "pk")
    )
    return each_or_grouped(
        tasks,
        each=_todo,
        parts=[(Q(kind=kind), partial(_grouped, kind)) for kind in TITLES],
        first="due_on",
    )


def _grouped(kind: str, due_on: dt.date) -> Todo:
    return Todo(
        group=_("Visits and verifications"),
        title=str(GROUPED[kind]),
        url=reverse("discovery:task-list") + f"?kind={kind}",
        due_at=end_of_day(due_on),
    )
