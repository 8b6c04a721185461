"""The rules about households: 低保 reviews, 支出型 hardship and 错保."""

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Q

from bangfu.discovery.models import (
    Rule,
    Source,
    SourceRecord,
)
from bangfu.discovery.rules.context import (
    DISTINCT_DATA,
    EXPENDITURE_TIERS,
    RIGID_SPENDING,
    WRONGLY_COVERED_SOURCES,
    Finding,
    ScanContext,
    _latest_yearly,
    _person_finding,
    is_live,
)
from bangfu.discovery.schedule import LIVE_STATUSES, review_due_on
from bangfu.discovery.standards import (
    countable_income,
    expenditure_check,
)
from bangfu.regions.models import within
from bangfu.registry.models import (
    Coverage,
    Household,
    HouseholdTier,
    PersonalStatus,
    Tier,
)


def dibao_review_due(ctx: ScanContext) -> Iterator[Finding]:
    """003: 「健全社会救助对象经济状况定期核查机制」 — a 低保 household (its own status or a
    单人纳保 member, whatever a 特困 member makes its strongest tier) whose review date has
    come without a review."""
    households = (
        Household.objects.filter(
            Q(household_tier=HouseholdTier.DIBAO)
            | Q(members__personal_status=PersonalStatus.SINGLE_DIBAO),
            within(ctx.region, "region"),
            status__in=LIVE_STATUSES,
        )
        .distinct()
        .select_related("region")
        .prefetch_related("members")
    )
    for household in households:
        village = household.region
        policy = ctx.policy(village)
        members = list(household.members.all())
        due = review_due_on(household, members, policy, ctx.today)
        if due is None or due > ctx.today:
            continue
        yield Finding(
            rule=Rule.DIBAO_REVIEW_DUE,
            key=f"{Rule.DIBAO_REVIEW_DUE}:h{household.pk}:{due.isoformat()}",
            village=village,
            household=household,
            member=None,
            candidate=None,
            record=None,
            evidence={"due": due.isoformat(), "overdue_days": (ctx.today - due).days},
            facts=ctx.facts(Rule.DIBAO_REVIEW_DUE, household=household, village=village),
            due=due,
        )


def expenditure_hardship(ctx: ScanContext) -> Iterator[Finding]:
    """001: 「开展支出型贫困救助，最大限度减缓因病、因学、因残致贫返贫等现象」; 003: 「因教育、
    医疗等刚性支出生活陷入困境」.

    A household whose own status is none or 低保边缘 (a member's 特困 or 单人纳保 aside) whose
    countable income per person (``income_per_person``, over the members it counts) lies
    between the 低保 standard and ``discovery_expenditure_band_pct`` above it, whose members'
    rigid spending — out-of-pocket medical, schooling and rehabilitation costs of the latest
    year — is heavy (``discovery_rigid_spending_pct`` of its income or more) and leaves it below
    the standard."""
    spending: dict[int, dict[int, dict[str, Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(Decimal))
    )
    households: dict[int, Household] = {}
    for source, kind in RIGID_SPENDING.items():
        for (digest, year), record in _latest_yearly(ctx, source).items():
            member, _candidate = ctx.person(digest)
            if member is None:
                continue
            household = member.household
            households[household.pk] = household
            spending[household.pk][year][kind] += Decimal(record.data["out_of_pocket"])
    for pk, by_year in spending.items():
        household = households[pk]
        if household.household_tier not in EXPENDITURE_TIERS or not is_live(household):
            continue
        village = household.region
        if not village.is_within(ctx.region):
            continue
        year = max(by_year)
        kinds = by_year[year]
        standards = ctx.standards(village, household)
        counted = countable_income(list(household.members.all()), standards, ctx.today)
        check = expenditure_check(
            income_per_person=counted.per_person,
            rigid_yearly=sum(kinds.values(), Decimal("0")),
            size=counted.size,
            standards=standards,
        )
        if not check.fires:
            continue
        yield Finding(
            rule=Rule.EXPENDITURE,
            key=f"{Rule.EXPENDITURE}:h{household.pk}:{year}",
            village=village,
            household=household,
            member=None,
            candidate=None,
            record=None,
            evidence={
                "year": year,
                "income_per_person": str(check.income_per_person),
                "standard": str(check.standard),
                "ceiling": str(check.ceiling),
                "rigid_per_person": str(check.rigid_per_person),
                "heavy_from": str(check.heavy_from),
                "after_spending": str(check.after_spending),
                "spending": {kind: str(amount) for kind, amount in sorted(kinds.items())},
                # From 低保边缘 to 支出型 is an adjustment of the household's status.
                "recommend": (
                    "enrol" if household.household_tier == HouseholdTier.NONE else "adjust"
                ),
                "status": Coverage.EXPENDITURE,
            },
            facts=ctx.facts(Rule.EXPENDITURE, household=household, village=village),
        )


def wrongly_covered(ctx: ScanContext) -> Iterator[Finding]:
    """001: 「相关部门、金融机构加快提供社会救助家庭及其家庭相关成员的户籍、纳税记录、社会保险
    缴纳、不动产登记、市场主体登记、住房公积金缴纳、车船登记…等信息」 and 003: 「全面排查特困
    救助供养对象以及最低生活保障对象」 — the other way round: someone whose household has a
    status (错保 if it should not), found in a death, vehicle, real-estate, business or public
    payroll file.

    A death recommends an exit of the person's own status, or of the household's when they
    lived alone; a death in a larger household an adjustment (one fewer member). The other files
    are data for checking (001 lists them as information to provide, not as grounds): their
    exit, with the reason each suggests, is a suggestion for the assistant's verification, and
    the explanation says so. Real estate counts above
    ``discovery_property_limit`` properties per household (a home of one's own is no reason)."""
    for source, reason in WRONGLY_COVERED_SOURCES.items():
        records = ctx.records(source) if source == Source.DEATHS else ctx.latest_records(source)
        held: dict[int, list[SourceRecord]] = defaultdict(list)
        for record in records:
            member, _candidate = ctx.person(record.person_hash)
            if member is None or not is_live(member.household):
                continue
            if member.household.tier == Tier.NONE:
                continue
            if ctx.village_of(member, None) is None:
                continue
            held[member.household_id].append(record)
        for household_records in held.values():
            if source == Source.PROPERTY:
                member, _c = ctx.person(household_records[0].person_hash)
                limit = ctx.policy(member.household.region)["discovery_property_limit"]
                if len(household_records) <= limit:
                    continue
            for record in household_records:
                finding = _wrongly_covered_finding(ctx, source, reason, record, household_records)
                if finding:
                    yield finding


def _wrongly_covered_finding(ctx, source, reason, record, household_records):
    member, _candidate = ctx.person(record.person_hash)
    household = member.household
    own = member.personal_status != PersonalStatus.NONE
    recommend = "exit"
    if source == Source.DEATHS and not own and len(household.members.all()) > 1:
        recommend = "adjust"
    if own:
        status = member.personal_status
    elif household.household_tier != HouseholdTier.NONE:
        status = household.household_tier
    else:
        status, recommend = household.tier, "adjust"  # another member's 特困 or 单人纳保
    evidence = {
        "source": source,
        "recommend": recommend,
        "exit_reason": reason,
        "status": status,
        "tier": household.tier,
        "data": dict(record.data),
    }
    if own:
        evidence["member"] = member.pk
    if source == Source.PROPERTY:
        evidence["properties"] = len(household_records)
    # What tells two of a person's records apart (a plate, a certificate), hashed: a key is
    # no place for it.
    what = "|".join(str(record.data.get(k) or "") for k in DISTINCT_DATA)
    period = f"{source}:{hashlib.sha256(what.encode()).hexdigest()[:16]}"
    return _person_finding(ctx, Rule.WRONGLY_COVERED, record, period, evidence)
