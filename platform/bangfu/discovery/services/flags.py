"""Warnings: the rules run over a region, each new finding a warning and a task."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from bangfu.core import events
from bangfu.discovery.features import features
from bangfu.discovery.models import Flag, Rule, Task
from bangfu.discovery.rules import Finding, ScanContext, find_all
from bangfu.discovery.scoring import flags_rescore
from bangfu.discovery.services.assistants import Assistants
from bangfu.regions.models import Region, within
from bangfu.registry.models import Household


@dataclass(frozen=True)
class ScanResult:
    found: int  # findings of the rules, old and new
    created: int  # new warnings (each with its task)


def counties(region: Region | None = None):
    """The counties a background job walks: all of them, or those in ``region``."""
    counties = Region.objects.filter(level=Region.Level.COUNTY)
    return counties.filter(within(region)) if region else counties


@transaction.atomic
def flags_scan(*, region: Region, today: dt.date | None = None) -> ScanResult:
    """Run every rule over ``region``; each new finding becomes a warning and a task."""
    today = today or timezone.localdate()
    ctx = ScanContext(region, today)
    findings = find_all(ctx)
    existing = set(
        Flag.objects.filter(key__in=[f.key for f in findings]).values_list("key", flat=True)
    )
    assistants = Assistants()
    created = 0
    for finding in findings:
        if finding.key in existing:
            continue
        weight = ctx.weight(finding.village, finding.rule)
        if weight <= 0:  # the region switched the rule off
            continue
        try:
            with transaction.atomic():
                _flag_create(finding, weight, ctx, assistants)
        except IntegrityError:
            continue  # a scan running at the same time raised it first
        existing.add(finding.key)
        created += 1
    flags_rescore(flags=Flag.objects.filter(within(region, "region")))
    return ScanResult(found=len(findings), created=created)


def _flag_create(finding: Finding, weight: int, ctx: ScanContext, assistants) -> Flag:
    if finding.rule == Rule.DIBAO_REVIEW_DUE:
        task = _review_task(finding.household, finding.due, assistants)
    else:
        days = ctx.policy(finding.village)["discovery_verification_days"]
        task = Task.objects.create(
            kind=Task.Kind.VERIFY,
            region=finding.village,
            household=finding.household,
            candidate=finding.candidate,
            assignee=assistants.of(finding.village),
            due_on=ctx.today + dt.timedelta(days=days),
        )
    flag = Flag.objects.create(
        rule=finding.rule,
        key=finding.key,
        region=finding.village,
        household=finding.household,
        member=finding.member,
        candidate=finding.candidate,
        record=finding.record,
        evidence=finding.evidence,
        features=features(finding.facts),
        rule_weight=weight,
        fired_on=ctx.today,
        task=task,
    )
    warning_emit(flag)
    return flag


def warning_emit(flag: Flag) -> None:
    """Tell listeners (the webhooks) of a new warning: its rule and ids, never its evidence.
    A warning above every region (a duplicate across provinces) is the platform's alone."""
    if flag.region is None:
        return
    events.emit(
        events.WARNING_RAISED,
        region=flag.region,
        payload={
            "warning_id": flag.pk,
            "rule": flag.rule,
            "household_id": flag.household_id,
            "task_id": flag.task_id,
            "fired_on": flag.fired_on.isoformat(),
        },
    )


def _review_task(household: Household, due: dt.date, assistants) -> Task:
    task, _created = Task.objects.get_or_create(
        household=household,
        kind=Task.Kind.REVIEW,
        period_start=due,
        defaults={
            "region": household.region,
            "due_on": due,
            "assignee": assistants.of(household.region),
        },
    )
    return task
