"""Making the decisions through the township's services (``registry.coverage``), in date order,
each dated back to the day it was taken."""

import datetime as dt

from bangfu.demo.builder import DemoContext, at_hour, township_short
from bangfu.demo.steps.decisions.planned import Kind, Planned
from bangfu.registry import coverage
from bangfu.registry.models import Coverage, Household, Member, PersonalStatus, StatusDecision, Tier


def _make(ctx: DemoContext, rng, planned: list[Planned]) -> int:
    as_of = ctx.options.as_of
    reverted_households = {p.household.pk for p in planned if p.revert and p.member_pk is None}
    reverted_members = {p.member_pk for p in planned if p.revert and p.member_pk}
    Household.objects.filter(pk__in=reverted_households).update(household_tier=Tier.NONE)
    Member.objects.filter(pk__in=reverted_members).update(personal_status=PersonalStatus.NONE)
    planned.sort(key=lambda p: (p.on, p.household.registry_number, p.member_pk or 0))
    numbers: dict[tuple[str, int], int] = {}
    dated, kept_reviews, exits = [], [], set()
    for item in planned:
        household = item.household
        township = _township(ctx, household)
        reviewer = ctx.township_reviewer[township]
        assistant = ctx.village_assistant[household.region_id]
        member = None
        if item.member_pk:
            member = Member(pk=item.member_pk, household_id=household.pk)
        reference = ""
        if item.action in {"record", "confirm"}:
            # The benefits system's number: the county's for a decision copied from it, the
            # township's for one its reviewer confirms here.
            issuer = "元民" if item.action == "record" else township_short(ctx.regions[township])
            key = (issuer, item.on.year)
            numbers[key] = numbers.get(key, rng.randint(8, 30)) + rng.randint(1, 9)
            reference = f"{issuer}救〔{item.on.year}〕{numbers[key]}号"
        recommended = decided = None
        if item.action == "record":
            decision = coverage.decision_record(
                by=reviewer,
                household=household,
                member=member,
                kind=item.kind,
                to_status=item.to_status,
                reference=reference,
                effective_on=item.on,
                source=item.source,
                exit_reason=item.exit_reason,
                note=item.note,
            )
            decided = item.on
        else:
            decision = coverage.decision_recommend(
                by=assistant,
                household=household,
                member=member,
                kind=item.kind or _kind_of(item),
                to_status=item.to_status,
                source=item.source,
                evidence=item.evidence,
                note=item.note,
                exit_reason=item.exit_reason,
            )
            recommended = item.on
            if item.action == "confirm":
                recommended = item.on - dt.timedelta(days=rng.randint(5, 25))
                decision = coverage.decision_confirm(
                    by=reviewer, decision=decision, reference=reference, effective_on=item.on
                )
                decided = item.on
            elif item.action == "reject":
                decided = min(item.on + dt.timedelta(days=rng.randint(5, 15)), as_of)
                decision = coverage.decision_reject(
                    by=reviewer, decision=decision, reason=item.rejection
                )
        dated.append((decision, recommended, decided))
        if item.action in {"record", "confirm"} and decision.kind == Kind.ENROL:
            kept_reviews.append(household)
        if decision.kind == Kind.EXIT:
            exits.add(household.pk)
    _date(dated)
    exited = set(
        Household.objects.filter(pk__in=exits, status=Household.Status.EXITED).values_list(
            "pk", flat=True
        )
    )
    # Enrolments long past: the reviews since stand as the households step planned them.
    for household in kept_reviews:
        if household.pk not in exited:
            Household.objects.filter(pk=household.pk).update(
                next_review_due=household.next_review_due
            )
    # Who has left needs no visit now: the assessments step passes them by.
    for household, plan in ctx.households:
        plan.exited = household.pk in exited
    return len(dated)


def _date(dated) -> None:
    """Each decision dated the day it was recommended and decided, in the working day."""
    rows = []
    for decision, recommended, decided in dated:
        if recommended is not None:
            decision.recommended_at = at_hour(recommended, 9)
        if decided is not None:
            decision.decided_at = at_hour(decided, 15)
        decision.created_at = at_hour(recommended or decided, 9)
        rows.append(decision)
    StatusDecision.objects.bulk_update(
        rows, ["recommended_at", "decided_at", "created_at"], batch_size=500
    )


def _township(ctx: DemoContext, household: Household) -> str:
    return ctx.township_of[household.region_id].code


def _kind_of(item: Planned) -> str:
    return Kind.EXIT if item.to_status == Coverage.NONE else Kind.ENROL
