"""A verification ends in a recommendation to the township, not in a change of tier (issue 15).

``Task.decision`` holds the recommendation (``registry.StatusDecision``); the outcome "enrolled"
becomes "recommended" and ``Task.tier`` goes: the proposed status is the decision's.

A visit that enrolled a household before this changed the tier at once; it becomes what it
was, a decision taken on the visit: confirmed, by the assistant who recorded it, effective on
the day of the visit, with no reference (the benefits system's number was never asked for) and
a note saying so. 特困 was set on the household then and is a person's status now: the decision
names the member of the task's first warning that names one, else the household's first member
registered (lowest id; not necessarily the head).

What is lost: a visit that "enrolled" in 临时救助 (no status any more: a grant), or in 特困 in a
household with no member, gets no decision, and its outcome becomes "recommended" like every
other (the outcome "enrolled" no longer exists) — so it reads as a recommendation that has no
decision, and its old tier is gone with ``Task.tier``.

The reverse is lossy too: every "recommended" task becomes "enrolled", also a recommendation
still waiting or rejected, made after this migration; the tier is taken from its decision
(单人纳保 back as 低保), and is empty where there is none (the 临时救助 visits above). The decisions
created here are not deleted (registry's 0008 reversed drops them with their table).
"""

import datetime as dt

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

HOUSEHOLD_TIERS = {"dibao", "marginal", "expenditure"}
NOTE = (
    "Recorded on the verification visit before statuses were confirmed by the township: "
    "the visit changed the tier itself, with no decision reference."
)


def _moment(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12))) if day else None


def decisions_of_past_enrolments(apps, schema_editor):
    Task = apps.get_model("discovery", "Task")
    Flag = apps.get_model("discovery", "Flag")
    Member = apps.get_model("registry", "Member")
    StatusDecision = apps.get_model("registry", "StatusDecision")
    tasks = Task.objects.filter(outcome="enrolled").exclude(household=None)
    for task in tasks.iterator():
        tier = task.tier
        member = None
        if tier == "tekun":
            flag = Flag.objects.filter(task=task).exclude(member=None).first()
            member = (
                flag.member
                if flag
                else Member.objects.filter(household_id=task.household_id).order_by("pk").first()
            )
        if tier not in HOUSEHOLD_TIERS and member is None:
            task.outcome = "recommended"
            task.save(update_fields=["outcome"])
            continue
        decision = StatusDecision.objects.create(
            household_id=task.household_id,
            member=member,
            kind="enrol",
            state="confirmed",
            source="review" if task.kind == "review" else "verification",
            from_status="none",
            to_status=tier,
            evidence={"task": task.pk},
            note=NOTE,
            recommended_by_id=task.completed_by_id,
            recommended_at=_moment(task.completed_on),
            decided_by_id=task.completed_by_id,
            decided_at=_moment(task.completed_on),
            effective_on=task.completed_on,
        )
        task.outcome, task.decision = "recommended", decision
        task.save(update_fields=["outcome", "decision"])
    Task.objects.filter(outcome="enrolled").update(outcome="recommended")


def enrolments_of_decisions(apps, schema_editor):
    Task = apps.get_model("discovery", "Task")
    for task in Task.objects.filter(outcome="recommended").select_related("decision"):
        status = task.decision.to_status if task.decision else ""
        task.outcome = "enrolled"
        task.tier = "dibao" if status == "single_dibao" else status
        task.save(update_fields=["outcome", "tier"])


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0004_cross_area_warnings"),
        ("registry", "0008_coverage_and_decisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="decision",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="discovery_tasks",
                to="registry.statusdecision",
                verbose_name="recommendation",
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("recommended", "recommendation sent to the township"),
                    ("referred", "referred for assessment"),
                    ("dismissed", "dismissed"),
                    ("no_change", "visited, nothing to change"),
                ],
                max_length=16,
                verbose_name="outcome",
            ),
        ),
        migrations.RunPython(decisions_of_past_enrolments, enrolments_of_decisions),
        migrations.RemoveField(model_name="task", name="tier"),
    ]
