"""The rules that raise warnings, each reading the imported records and the registry of one
region. A rule returns ``Finding``s: who, which village, the data it fired on, and a key that
makes the warning unique (the same rule on the same person and period is one warning).

Each rule implements a sentence of the source documents (``seeds/``), quoted in its docstring
and, through ``explain.RULE_BASIS``, in the explanation staff read. Thresholds are policy
parameters of the person's village (``Policy(village, year)``).

Coverage is per person (``is_covered``): 特困 and 单人纳保 are a member's status, 低保, 低保边缘
and 支出型 the household's (``Household.household_tier``); ``Household.tier`` is the strongest of
them. 临时救助 is a one-off grant, never coverage.

A finding that calls for a decision says so in its evidence: ``"recommend"`` ("enrol", "exit"
or "adjust"), the ``"status"`` concerned and, for a person's status, the ``"member"``; the
assistant's verification turns it into a recommendation for the township to confirm.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from bangfu.discovery.features import Facts
from bangfu.discovery.models import (
    CandidatePerson,
    CrossCheckImport,
    Flag,
    Rule,
    Source,
    SourceRecord,
)
from bangfu.discovery.schedule import LIVE_STATUSES, review_due_on
from bangfu.discovery.standards import (
    ADULT_AGE,
    ELDERLY_AGE,
    Standards,
    countable_income,
    expenditure_check,
    standards_for,
)
from bangfu.regions.models import Region, within
from bangfu.regions.policy import Policy
from bangfu.registry.models import (
    Coverage,
    ExitReason,
    Household,
    HouseholdTier,
    Member,
    PersonalStatus,
    StatusDecision,
    Tier,
    age_on,
    is_severe_disability,
)

# The household statuses that cover every member (a household's own status, not 特困).
COVERED_TIERS = frozenset({Tier.DIBAO, Tier.MARGINAL, Tier.EXPENDITURE})
# Statuses whose holders receive 低保 or 特困 support (and medical assistance with it).
BASIC_LIVING = frozenset({Coverage.TEKUN, Coverage.SINGLE_DIBAO, Coverage.DIBAO})
# 003: 「全面排查低收入家庭中…」: the households a 单人纳保 candidate may live in.
LOW_INCOME_TIERS = frozenset({HouseholdTier.MARGINAL, HouseholdTier.EXPENDITURE})
# A household whose own status is one of these may become 支出型 (not yet 低保); a member's
# 特困 or 单人纳保 does not cover the others.
EXPENDITURE_TIERS = frozenset({HouseholdTier.NONE, HouseholdTier.MARGINAL})
# The rigid spending of 支出型 households (001: 「因病、因学、因残」), by the file that reports it.
RIGID_SPENDING = {
    Source.MEDICAL: "medical",
    Source.EDUCATION: "education",
    Source.REHABILITATION: "rehabilitation",
}
# 2021 (民发〔2021〕44号): destitute minors are supported until 18, no longer until 16.
TEKUN_MINOR_AGES = (16, 18)
# 失能: the registry's care levels of someone who cannot look after themselves.
DEPENDENT_CARE = frozenset({Member.CareLevel.SEMI, Member.CareLevel.FULL})
# The 错保 files, with the exit reason each suggests.
WRONGLY_COVERED_SOURCES = {
    Source.DEATHS: ExitReason.DECEASED,
    Source.VEHICLES: ExitReason.ASSETS_ABOVE,
    Source.PROPERTY: ExitReason.ASSETS_ABOVE,
    Source.BUSINESS: ExitReason.INCOME_ABOVE,
    Source.PUBLIC_PAYROLL: ExitReason.INCOME_ABOVE,
}
DISTINCT_DATA = ("died_on", "plate", "certificate", "business_name", "employer")
LOOKUP_CHUNK = 500


@dataclass
class Finding:
    rule: str
    key: str
    village: Region
    household: Household | None
    member: Member | None
    candidate: CandidatePerson | None
    record: SourceRecord | None
    evidence: dict
    facts: Facts
    due: dt.date | None = None  # reviews: the date the review falls due


def is_live(household: Household) -> bool:
    return household.status in LIVE_STATUSES


def is_covered(member: Member | None) -> bool:
    """The member has a status of their own (特困, 单人纳保), or their household's own status
    (低保, 低保边缘, 支出型) covers them, and the household is live."""
    if member is None:
        return False
    household = member.household
    if not is_live(household):
        return False
    return (
        member.personal_status != PersonalStatus.NONE or household.household_tier in COVERED_TIERS
    )


def basic_living_status(member: Member) -> str:
    """The 低保 or 特困 status the member lives on, or "" (none, or only 边缘/支出型)."""
    if not is_live(member.household):
        return ""
    if member.personal_status != PersonalStatus.NONE:
        return member.personal_status
    return Coverage.DIBAO if member.household.household_tier == HouseholdTier.DIBAO else ""


def income_per_person(household: Household, standards: Standards, on: dt.date) -> Decimal:
    """The household's countable income per person, as the standards calculator counts it
    (``standards.countable_income``: 特困 and 单人纳保 members left out, work costs deducted)."""
    return countable_income(list(household.members.all()), standards, on).per_person


def is_low_income(household: Household, standards: Standards, on: dt.date) -> bool:
    """低收入家庭 (003), read as: a 低保边缘 or 支出型 household, or one with no status whose
    countable income per person (``income_per_person``) lies below the 低保边缘 ceiling (the 低保
    standard plus ``discovery_expenditure_band_pct``). A 低保 household is covered whole
    already."""
    if not is_live(household):
        return False
    if household.household_tier in LOW_INCOME_TIERS:
        return True
    return (
        household.household_tier == HouseholdTier.NONE
        and income_per_person(household, standards, on) < standards.expenditure_ceiling
    )


class ScanContext:
    """What the rules of one scan share: the region, the day, policies and people, each read
    once."""

    def __init__(self, region: Region, today: dt.date):
        self.region, self.today = region, today
        self._policies: dict[tuple[int, int], Policy] = {}
        self._standards: dict[tuple[int, str], Standards] = {}
        self._records: dict[str, list[SourceRecord]] = {}
        self._members: dict[str, Member] = {}
        self._candidates: dict[str, CandidatePerson] = {}
        self._loaded: set[str] = set()
        # Members a rule of this scan found (rule -> member pks), for rules that defer.
        self.found: dict[str, set[int]] = defaultdict(set)

    def policy(self, village: Region, year: int | None = None) -> Policy:
        key = (village.pk, year or self.today.year)
        if key not in self._policies:
            self._policies[key] = Policy(village, key[1])
        return self._policies[key]

    def standards(self, village: Region, household: Household | None = None) -> Standards:
        """The standards of the village, for the household's residence (urban or rural)."""
        residence = household.residence if household is not None else None
        key = (village.pk, residence or "")
        if key not in self._standards:
            options = {"residence": residence} if residence else {}
            self._standards[key] = standards_for(
                village, self.today.year, self.policy(village), **options
            )
        return self._standards[key]

    def weight(self, village: Region, rule: str) -> int:
        # Every rule of ``RULES`` has its weight (the parameter's names are RULES' keys).
        return int(self.policy(village)["discovery_rule_weights"][rule])

    def records(self, source: str) -> list[SourceRecord]:
        """Every record of the source in the region, oldest import first."""
        if source not in self._records:
            self._records[source] = list(
                SourceRecord.objects.filter(
                    within(self.region, "region"),
                    source=source,
                    crosscheck_import__ok=True,
                )
                .select_related("crosscheck_import", "region")
                .order_by("crosscheck_import__as_of", "crosscheck_import_id", "row")
            )
            self.load_people({record.person_hash for record in self._records[source]})
        return self._records[source]

    def latest_records(self, source: str) -> list[SourceRecord]:
        """A list's records from the latest import of each region that sent one."""
        latest: dict[int, int] = {}
        for record in self.records(source):
            latest[record.crosscheck_import.region_id] = record.crosscheck_import_id
        return [r for r in self.records(source) if r.crosscheck_import_id in latest.values()]

    def first_imports(self, source: str) -> set[int]:
        """The first import of the source of each region that sent one."""
        first: dict[int, int] = {}
        for record in self.records(source):
            first.setdefault(record.crosscheck_import.region_id, record.crosscheck_import_id)
        return set(first.values())

    def load_people(self, digests: set[str]) -> None:
        """Read the members and candidate persons of these hashes, in chunks."""
        wanted = sorted(digests - self._loaded)
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            self._members.update(
                (m.id_number_hash, m)
                for m in Member.objects.filter(id_number_hash__in=chunk)
                .select_related("household__region")
                .prefetch_related("household__members")
            )
            self._candidates.update(
                (c.id_number_hash, c)
                for c in CandidatePerson.objects.filter(id_number_hash__in=chunk).select_related(
                    "region"
                )
            )
        self._loaded.update(wanted)

    def person(self, digest: str) -> tuple[Member | None, CandidatePerson | None]:
        """Who the hash is now: a registered member first, else the candidate person."""
        self.load_people({digest})
        member = self._members.get(digest)
        return member, (None if member else self._candidates.get(digest))

    def village_of(self, member: Member | None, candidate: CandidatePerson | None):
        village = member.household.region if member else (candidate.region if candidate else None)
        if village is None or not village.is_within(self.region):
            return None  # moved out of the region since the file came in
        return village

    def facts(
        self,
        rule: str,
        *,
        member: Member | None = None,
        candidate: CandidatePerson | None = None,
        household: Household | None = None,
        village: Region,
        severe: bool = False,
        amount_ratio: float = 0.0,
    ) -> Facts:
        household = household or (member.household if member else None)
        if household is None:
            return Facts(
                rule=rule,
                age=age_on(candidate.birth_date, self.today) if candidate else None,
                registered=False,
                severe_disability=severe,
                amount_ratio=amount_ratio,
            )
        members = list(household.members.all())
        person = member or household.head
        return Facts(
            rule=rule,
            age=person.age_on(self.today) if person else None,
            registered=True,
            tier=household.tier,
            personal_status=member.personal_status if member else "",
            household_size=len(members),
            income_per_person=household.monthly_income_per_person(),
            standard=self.standards(village, household).dibao_standard,
            severe_disability=severe or any(m.is_severely_disabled for m in members),
            serious_illness=any(m.illness == Member.Illness.SERIOUS for m in members),
            elderly=sum(1 for m in members if m.age_on(self.today) >= ELDERLY_AGE),
            children=sum(1 for m in members if m.age_on(self.today) < ADULT_AGE),
            amount_ratio=amount_ratio,
        )


def _person_finding(
    ctx: ScanContext, rule: str, record: SourceRecord, period, evidence: dict, **facts
) -> Finding | None:
    member, candidate = ctx.person(record.person_hash)
    village = ctx.village_of(member, candidate)
    if village is None:
        return None
    return Finding(
        rule=rule,
        key=f"{rule}:{record.person_hash[:32]}:{period}",
        village=village,
        household=member.household if member else None,
        member=member,
        candidate=candidate,
        record=record,
        evidence=evidence,
        facts=ctx.facts(rule, member=member, candidate=candidate, village=village, **facts),
    )


def _member_finding(ctx: ScanContext, rule: str, member: Member, key: str, evidence: dict):
    village = member.household.region
    return Finding(
        rule=rule,
        key=f"{rule}:{key}",
        village=village,
        household=member.household,
        member=member,
        candidate=None,
        record=None,
        evidence=evidence,
        facts=ctx.facts(rule, member=member, village=village),
    )


def _latest_yearly(ctx: ScanContext, source: str) -> dict[tuple[str, int], SourceRecord]:
    """A yearly file's latest record of each person and year, this year's and last year's."""
    latest: dict[tuple[str, int], SourceRecord] = {}
    for record in ctx.records(source):
        if record.period_start.year >= ctx.today.year - 1:
            latest[(record.person_hash, record.period_start.year)] = record
    return latest


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


RULES = {
    Rule.MEDICAL: medical_out_of_pocket,
    Rule.SEVERE_DISABILITY: severe_disability_uncovered,
    # After the certificates' rule, whose finds it leaves alone.
    Rule.SINGLE_DIBAO_CANDIDATE: single_dibao_candidate,
    Rule.TEKUN_MINOR_DROPPED: tekun_minor_dropped,
    Rule.DIBAO_REVIEW_DUE: dibao_review_due,
    Rule.EXPENDITURE: expenditure_hardship,
    Rule.MONITORING: monitoring_uncovered,
    Rule.CUSTODY_MINOR: custody_minor,
    Rule.WRONGLY_COVERED: wrongly_covered,
}


def find_all(ctx: ScanContext) -> list[Finding]:
    return [finding for rule in RULES.values() for finding in rule(ctx)]
