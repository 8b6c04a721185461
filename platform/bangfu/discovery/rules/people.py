"""The rules about persons: medical costs, disability, 单人纳保, 特困 minors, custody and
monitoring."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Q

from bangfu.discovery.models import (
    CrossCheckImport,
    Flag,
    Rule,
    Source,
    SourceRecord,
)
from bangfu.discovery.rules.context import (
    DEPENDENT_CARE,
    LOW_INCOME_TIERS,
    TEKUN_MINOR_AGES,
    Finding,
    ScanContext,
    _latest_yearly,
    _member_finding,
    _person_finding,
    basic_living_status,
    income_per_person,
    is_covered,
    is_live,
    is_low_income,
)
from bangfu.discovery.schedule import LIVE_STATUSES
from bangfu.discovery.standards import (
    ADULT_AGE,
    ELDERLY_AGE,
)
from bangfu.regions.models import within
from bangfu.registry.models import (
    Coverage,
    ExitReason,
    HouseholdTier,
    Member,
    PersonalStatus,
    StatusDecision,
    age_on,
    is_severe_disability,
)


def medical_out_of_pocket(ctx: ScanContext) -> Iterator[Finding]:
    """002: 「在省民政厅下发的2021年度个人自付医疗费用超过4万元以上对象…的基础上，加强相关部门
    数据比对共享，…并督促摸排核实」 — everyone above ``medical_out_of_pocket_threshold`` in a year,
    whatever their status (002 excludes no one). The hint fits the status: people on 特困 or 低保
    may still need more (003: 「…救助之后生活仍有困难的家庭和个人，及时给予临时性基本生活保障」):
    医疗再救助 or 临时救助; the others 支出型 or 临时救助."""
    for (_digest, year), record in _latest_yearly(ctx, Source.MEDICAL).items():
        member, candidate = ctx.person(record.person_hash)
        village = ctx.village_of(member, candidate)
        if village is None:
            continue
        threshold = ctx.policy(village, year)["medical_out_of_pocket_threshold"]
        spent = Decimal(record.data["out_of_pocket"])
        if spent <= threshold:
            continue
        status = basic_living_status(member) if member else ""
        evidence = {
            "year": year,
            "out_of_pocket": str(spent),
            "threshold": str(threshold),
            "status": status,
            "hint": "reassistance" if status else "expenditure",
        }
        finding = _person_finding(
            ctx,
            Rule.MEDICAL,
            record,
            year,
            evidence,
            amount_ratio=float(spent / threshold) if threshold else 0.0,
        )
        if finding:
            yield finding


def severe_disability_uncovered(ctx: ScanContext) -> Iterator[Finding]:
    """003: 「全面排查低收入家庭中持有中华人民共和国残疾人证的一级、二级重度残疾人，三级智力残疾人
    和精神残疾人…参照单人户纳入最低生活保障范围」; 002: 「2021年以来新增的重度残疾人（含智力、精神
    三级残疾）对象」.

    Every certificate in the first disability file a region sends is swept (全面排查); in later
    files a certificate counts when issued within ``discovery_new_disability_days`` (the earlier
    ones were swept with the first file). It fires for someone without 低保 or 特困 who is not
    in the registry (their income is unknown until registered), and for a member of a live
    household only when it is low-income (``is_low_income``, the test of
    ``single_dibao_candidate``): a member of a 低保边缘 or 支出型 household, or of one with no
    status below the 低保边缘 ceiling, is who 单人纳保 is for, and the evidence recommends it."""
    first_imports = ctx.first_imports(Source.DISABILITY)
    for record in ctx.records(Source.DISABILITY):
        kind, grade = record.data["disability"], record.data["disability_grade"]
        if not is_severe_disability(kind, grade):
            continue
        member, candidate = ctx.person(record.person_hash)
        village = ctx.village_of(member, candidate)
        if village is None or (member is not None and basic_living_status(member)):
            continue
        days = ctx.policy(village)["discovery_new_disability_days"]
        registered_on = record.period_start
        sweep = record.crosscheck_import_id in first_imports
        if not sweep and not ctx.today - dt.timedelta(days=days) <= registered_on <= ctx.today:
            continue
        household = member.household if member else None
        live = household is not None and is_live(household)
        if live and not is_low_income(household, ctx.standards(village, household), ctx.today):
            continue  # 003 looks among low-income households only
        evidence = {
            "disability": kind,
            "grade": grade,
            "registered_on": registered_on.isoformat(),
            "new_within_days": days,
            "sweep": sweep,
            "tier": household.tier if household else "",
            "recommend": "enrol",
        }
        if live:
            evidence |= {"status": Coverage.SINGLE_DIBAO, "member": member.pk}
        finding = _person_finding(
            ctx, Rule.SEVERE_DISABILITY, record, registered_on.isoformat(), evidence, severe=True
        )
        if finding:
            if member is not None:
                ctx.found[Rule.SEVERE_DISABILITY].add(member.pk)
            yield finding


def single_dibao_candidate(ctx: ScanContext) -> Iterator[Finding]:
    """003: 「全面排查低收入家庭中…一级、二级重度残疾人，三级智力残疾人和精神残疾人以及重病患者，
    参照单人户纳入最低生活保障范围」; 000 (in traditional script in the seed):
    「低保边缘家庭中的重病患者、失能失智老年人实施单人纳保」.

    A registry member without a status of their own, in a low-income household not on 低保
    (``is_low_income``), who is seriously ill (重病), an elderly person (60 or over) who needs
    semi or full care (失能失智, read from the care level), or severely disabled. Someone the
    certificate rule found already (this scan or before) is not raised twice for disability."""
    certified = ctx.found[Rule.SEVERE_DISABILITY] | set(
        Flag.objects.filter(
            within(ctx.region, "region"), rule=Rule.SEVERE_DISABILITY, member__isnull=False
        ).values_list("member_id", flat=True)
    )
    members = (
        Member.objects.filter(
            within(ctx.region, "household__region"),
            household__status__in=LIVE_STATUSES,
            household__household_tier__in=[*LOW_INCOME_TIERS, HouseholdTier.NONE],
            personal_status=PersonalStatus.NONE,
        )
        # Only those with a ground (checked exactly below): a county's registry is large.
        .filter(
            Q(illness=Member.Illness.SERIOUS)
            | Q(care_level__in=DEPENDENT_CARE)
            | Q(disability_grade__in=[1, 2])
            | Q(
                disability_grade=3,
                disability__in=[Member.Disability.INTELLECTUAL, Member.Disability.MENTAL],
            )
        )
        .select_related("household__region")
        .prefetch_related("household__members")
        .order_by("pk")
    )
    for member in members:
        grounds = []
        if member.illness == Member.Illness.SERIOUS:
            grounds.append("serious_illness")
        if member.age_on(ctx.today) >= ELDERLY_AGE and member.care_level in DEPENDENT_CARE:
            grounds.append("dependent_elderly")
        if member.is_severely_disabled and member.pk not in certified:
            grounds.append("severe_disability")
        if not grounds:
            continue
        household = member.household
        standards = ctx.standards(household.region, household)
        if not is_low_income(household, standards, ctx.today):
            continue
        yield _member_finding(
            ctx,
            Rule.SINGLE_DIBAO_CANDIDATE,
            member,
            member.id_number_hash[:32],
            {
                "grounds": grounds,
                "household_tier": household.household_tier,
                "income_per_person": str(income_per_person(household, standards, ctx.today)),
                "ceiling": str(standards.expenditure_ceiling),
                "recommend": "enrol",
                "status": Coverage.SINGLE_DIBAO,
                "member": member.pk,
            },
        )


def tekun_minor_dropped(ctx: ScanContext) -> Iterator[Finding]:
    """003: 「全面排查特困救助供养对象以及最低生活保障对象，重点核查是否有年满16周岁退出特困救助
    供养的未成年人，严格落实特困救助供养覆盖的未成年人年龄从16周岁延长至18周岁的规定」.

    Anyone on any 特困 list a region sent who is missing from its latest list and was 16 or 17
    on the date of the first list that left them out; and anyone whose 特困 status the
    platform ended by a confirmed exit while 16 or 17 (not for a death). One warning per person.

    The bounds, 16 ≤ age < 18 (``TEKUN_MINOR_AGES``): 「年满16周岁退出」 is someone who left
    having turned 16 — under the old rule support ended at 16 — and the 2021 rule keeps them
    until 18, so leaving at 18 is lawful and leaving before 16 is not the error 003 names (a
    child dropped at 15 left under neither rule's age limit; other rules look at them)."""
    by_region: dict[int, list[CrossCheckImport]] = defaultdict(list)
    imports = CrossCheckImport.objects.filter(
        within(ctx.region, "region"), source=Source.TEKUN_LIST, ok=True
    ).order_by("as_of", "pk")
    for item in imports:
        by_region[item.region_id].append(item)
    low, high = TEKUN_MINOR_AGES
    found: set[str] = set()
    for lists in by_region.values():
        if len(lists) < 2:
            continue
        latest = lists[-1]
        still_listed = set(latest.records.values_list("person_hash", flat=True))
        following = {item.pk: lists[index + 1] for index, item in enumerate(lists[:-1])}
        last_seen: dict[str, SourceRecord] = {}
        for record in (
            SourceRecord.objects.filter(crosscheck_import__in=lists[:-1])
            .select_related("crosscheck_import", "region")
            .order_by("crosscheck_import__as_of", "crosscheck_import_id", "row")
        ):
            last_seen[record.person_hash] = record
        dropped = {d: r for d, r in last_seen.items() if d not in still_listed}
        ctx.load_people(set(dropped))  # every person at once, not one query each
        for digest, record in dropped.items():
            member, candidate = ctx.person(digest)
            person = member or candidate
            if person is None:
                continue
            # Their age when they left: on the first list that omits them.
            omitted_on = following[record.crosscheck_import_id].as_of
            age = age_on(person.birth_date, omitted_on)
            if not low <= age < high:
                continue
            finding = _person_finding(
                ctx,
                Rule.TEKUN_MINOR_DROPPED,
                record,
                "16-18",
                {
                    "previous_list": record.crosscheck_import.as_of.isoformat(),
                    "omitted_from": omitted_on.isoformat(),
                    "current_list": latest.as_of.isoformat(),
                    "age": age,
                },
            )
            if finding:
                found.add(digest)
                yield finding
    exits = (
        StatusDecision.objects.filter(
            within(ctx.region, "household__region"),
            kind=StatusDecision.Kind.EXIT,
            state=StatusDecision.State.CONFIRMED,
            from_status=Coverage.TEKUN,
            member__isnull=False,
        )
        .exclude(exit_reason=ExitReason.DECEASED)
        .select_related("member__household__region")
        .prefetch_related("member__household__members")
        .order_by("effective_on", "pk")
    )
    for decision in exits:
        member = decision.member
        on = decision.effective_on or decision.decided_at.date()
        age = member.age_on(on)
        if member.id_number_hash in found or not low <= age < high:
            continue
        if member.personal_status == PersonalStatus.TEKUN:
            continue  # enrolled again since
        found.add(member.id_number_hash)
        yield _member_finding(
            ctx,
            Rule.TEKUN_MINOR_DROPPED,
            member,
            f"{member.id_number_hash[:32]}:16-18",
            {
                "exited_on": on.isoformat(),
                "reference": decision.reference,
                "exit_reason": decision.exit_reason,
                "age": age,
            },
        )


def custody_minor(ctx: ScanContext) -> Iterator[Finding]:
    """002: 「加强低保、特困、孤儿、事实无人抚养儿童等困难群体基本生活保障」; 003:
    「加强事实无人抚养儿童等困境儿童保障」 — a child of a prisoner or of someone in compulsory
    rehab is a de-facto unsupported child unless recorded as protected."""
    for record in ctx.latest_records(Source.CUSTODY):
        member, candidate = ctx.person(record.person_hash)
        person = member or candidate
        if person is None:
            continue
        age = age_on(person.birth_date, ctx.today)
        if age >= ADULT_AGE:
            continue
        if member is not None and (
            member.is_orphan
            or member.is_unsupported_child
            or (member.personal_status == PersonalStatus.TEKUN and is_live(member.household))
        ):
            continue
        since = record.period_start.isoformat()
        finding = _person_finding(
            ctx,
            Rule.CUSTODY_MINOR,
            record,
            since,
            {"parent": record.data["parent_situation"], "since": since, "age": age},
        )
        if finding:
            yield finding


def monitoring_uncovered(ctx: ScanContext) -> Iterator[Finding]:
    """002: 「…脱贫不稳定人口和边缘易致贫人口及其他疑似困难群众等数据的基础上，加强相关部门数据
    比对共享，及时梳理下发疑似困难群众数据，并督促摸排核实」 — someone on the monitoring list
    whom no status covers."""
    for record in ctx.latest_records(Source.MONITORING):
        member, _candidate = ctx.person(record.person_hash)
        if is_covered(member):
            continue
        identified = record.period_start.isoformat()
        finding = _person_finding(
            ctx,
            Rule.MONITORING,
            record,
            identified,
            {"identified_on": identified, "risk": record.data.get("risk") or ""},
        )
        if finding:
            yield finding
