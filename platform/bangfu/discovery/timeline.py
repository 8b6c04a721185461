"""Warnings about a household and the assistants' verifications, reviews and visits, on its page
in the registry (``bangfu.registry.timeline``).

Two queries whatever their number, scoped to the user: a warning the user's area does not hold
(a duplicate registration sits in the region covering both places) is not shown. Entries say
which rule fired and what the visit decided; the evidence, its people and the assistant's notes
stay on the warning's and the task's pages.
"""

from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.discovery.models import Flag, Task
from bangfu.discovery.selectors import reads_discovery
from bangfu.registry.timeline import Event, day, register


@register
def discovery_events(household, user) -> Iterable[Event]:
    linked = reads_discovery(user)
    flags = Flag.objects.for_user(user).filter(household=household).only("rule", "fired_on")
    for flag in flags:
        yield Event(
            at=day(flag.fired_on),
            kind=_("Warning"),
            title=flag.get_rule_display(),
            url=reverse("discovery:flag-detail", args=[flag.pk]) if linked else "",
            day_only=True,
        )
    today = timezone.localdate()
    tasks = (
        Task.objects.for_user(user)
        .filter(household=household)
        .select_related("decision")
        .only(
            *("kind", "status", "outcome", "dismiss_reason", "due_on", "completed_on"),
            *("created_at", "decision__kind", "decision__to_status"),
        )
    )
    for task in tasks:
        url = reverse("discovery:task-detail", args=[task.pk]) if linked else ""
        if task.status == Task.Status.DONE:
            yield Event(
                at=day(task.completed_on),
                kind=task.get_kind_display(),
                title=task.get_outcome_display(),
                detail=_outcome_detail(task),
                url=url,
                state=task.get_status_display(),
                tone="done",
                day_only=True,
            )
            continue
        overdue = task.is_overdue(today)
        yield Event(
            at=task.created_at,
            kind=task.get_kind_display(),
            title=_("Due by %(date)s") % {"date": task.due_on.isoformat()},
            url=url,
            state=_("overdue") if overdue else task.get_status_display(),
            tone="danger" if overdue else "warn" if task.status == Task.Status.OPEN else "",
        )


def _outcome_detail(task: Task) -> str:
    if task.outcome == Task.Outcome.RECOMMENDED and task.decision is not None:
        return f"{task.decision.get_kind_display()}: {task.decision.get_to_status_display()}"
    if task.outcome == Task.Outcome.DISMISSED:
        return task.get_dismiss_reason_display()
    return ""
