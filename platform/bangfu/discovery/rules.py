"""The rules that raise warnings, each reading the imported records and the registry of one
region. A rule returns ``Finding``s: who, which village, the data it fired on, and a key that
makes the warning unique (the same rule on the same person and period is one warning).

Thresholds are policy parameters of the person's village (``Policy(village, year)``):

- ``medical_out_of_pocket``: out-of-pocket medical spending in a year above
  ``medical_out_of_pocket_threshold`` (this year's and last year's files), for anyone not in a
  特困 or 低保 household (those already receive medical assistance).
- ``severe_disability_uncovered``: a disability certificate of grade 1-2, or grade 3 intellectual
  or mental, issued within ``discovery_new_disability_days``, for someone covered by no tier.
- ``tekun_minor_dropped``: someone aged 16 to 18 on the previous 特困 list and missing from the
  latest one (since 2021 minors are covered until 18, not 16).
- ``dibao_review_due``: a 低保 household whose review date has come (today or earlier) without
  a review: the schedule put it on the worklist ``discovery_review_notice_days`` ahead, the
  warning says it slipped.
- ``expenditure_hardship``: a household not in 特困, 低保 or 支出型 whose income per person
  lies between the 低保 standard and ``discovery_expenditure_band_pct`` above it, whose
  members' out-of-pocket medical spending is heavy (``discovery_rigid_spending_pct`` of its
  income or more) and leaves it below the standard once paid (支出型困难).
- ``monitoring_uncovered``: someone on the latest poverty-monitoring list covered by no tier.
- ``custody_minor``: a child under 18 on the latest list of minors of prisoners or people in
  compulsory rehab, not recorded as an orphan or unsupported child nor in a 特困 household.

"Covered by a tier" means a live household in 特困, 低保, 低保边缘 or 支出型: temporary
assistance is a one-off payment, not lasting protection.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from bangfu.discovery.features import Facts
from bangfu.discovery.models import CandidatePerson, CrossCheckImport, Rule, Source, SourceRecord
from bangfu.discovery.schedule import LIVE_STATUSES, review_due_on
from bangfu.discovery.standards import Standards, expenditure_check, standards_for
from bangfu.regions.models import Region, within
from bangfu.regions.policy import Policy
from bangfu.registry.models import Household, Member, Tier, age_on, is_severe_disability

COVERED_TIERS = frozenset({Tier.TEKUN, Tier.DIBAO, Tier.MARGINAL, Tier.EXPENDITURE})
MEDICAL_ASSISTED_TIERS = frozenset({Tier.TEKUN, Tier.DIBAO})
EXPENDITURE_TIERS = frozenset({Tier.NONE, Tier.TEMPORARY, Tier.MARGINAL})
# 2021 (民发〔2021〕44号): destitute minors are supported until 18, no longer until 16.
TEKUN_MINOR_AGES = (16, 18)
ADULT_AGE = 18
ELDERLY_AGE = 60
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


def is_covered(member: Member | None) -> bool:
    if member is None:
        return False
    household = member.household
    return household.tier in COVERED_TIERS and household.status in LIVE_STATUSES


class ScanContext:
    """What the rules of one scan share: the region, the day, policies and people, each read
    once."""

    def __init__(self, region: Region, today: dt.date):
        self.region, self.today = region, today
        self._policies: dict[tuple[int, int], Policy] = {}
        self._standards: dict[int, Standards] = {}
        self._records: dict[str, list[SourceRecord]] = {}
        self._members: dict[str, Member] = {}
        self._candidates: dict[str, CandidatePerson] = {}
        self._loaded: set[str] = set()

    def policy(self, village: Region, year: int | None = None) -> Policy:
        key = (village.pk, year or self.today.year)
        if key not in self._policies:
            self._policies[key] = Policy(village, key[1])
        return self._policies[key]

    def standards(self, village: Region) -> Standards:
        if village.pk not in self._standards:
            self._standards[village.pk] = standards_for(
                village, self.today.year, self.policy(village)
            )
        return self._standards[village.pk]

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
            self._load_people({record.person_hash for record in self._records[source]})
        return self._records[source]

    def latest_records(self, source: str) -> list[SourceRecord]:
        """A list's records from the latest import of each region that sent one."""
        latest: dict[int, int] = {}
        for record in self.records(source):
            latest[record.crosscheck_import.region_id] = record.crosscheck_import_id
        return [r for r in self.records(source) if r.crosscheck_import_id in latest.values()]

    def _load_people(self, digests: set[str]) -> None:
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
        self._load_people({digest})
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
            household_size=len(members),
            income_per_person=household.monthly_income_per_person(),
            standard=self.standards(village).dibao_standard,
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


def medical_out_of_pocket(ctx: ScanContext) -> Iterator[Finding]:
    latest: dict[tuple[str, int], SourceRecord] = {}
    for record in ctx.records(Source.MEDICAL):
        if record.period_start.year >= ctx.today.year - 1:
            latest[(record.person_hash, record.period_start.year)] = record
    for (digest, year), record in latest.items():
        member, candidate = ctx.person(digest)
        village = ctx.village_of(member, candidate)
        if village is None:
            continue
        if member is not None and (
            member.household.tier in MEDICAL_ASSISTED_TIERS
            and member.household.status in LIVE_STATUSES
        ):
            continue
        threshold = ctx.policy(village, year)["medical_out_of_pocket_threshold"]
        spent = Decimal(record.data["out_of_pocket"])
        if spent <= threshold:
            continue
        finding = _person_finding(
            ctx,
            Rule.MEDICAL,
            record,
            year,
            {"year": year, "out_of_pocket": str(spent), "threshold": str(threshold)},
            amount_ratio=float(spent / threshold) if threshold else 0.0,
        )
        if finding:
            yield finding


def severe_disability_uncovered(ctx: ScanContext) -> Iterator[Finding]:
    for record in ctx.records(Source.DISABILITY):
        kind, grade = record.data["disability"], record.data["disability_grade"]
        if not is_severe_disability(kind, grade):
            continue
        member, candidate = ctx.person(record.person_hash)
        village = ctx.village_of(member, candidate)
        if village is None or is_covered(member):
            continue
        days = ctx.policy(village)["discovery_new_disability_days"]
        registered_on = record.period_start
        if not ctx.today - dt.timedelta(days=days) <= registered_on <= ctx.today:
            continue
        finding = _person_finding(
            ctx,
            Rule.SEVERE_DISABILITY,
            record,
            registered_on.isoformat(),
            {
                "disability": kind,
                "grade": grade,
                "registered_on": registered_on.isoformat(),
                "new_within_days": days,
                "tier": member.household.tier if member else "",
            },
            severe=True,
        )
        if finding:
            yield finding


def tekun_minor_dropped(ctx: ScanContext) -> Iterator[Finding]:
    by_region: dict[int, list[CrossCheckImport]] = defaultdict(list)
    imports = CrossCheckImport.objects.filter(
        within(ctx.region, "region"), source=Source.TEKUN_LIST, ok=True
    ).order_by("as_of", "pk")
    for item in imports:
        by_region[item.region_id].append(item)
    low, high = TEKUN_MINOR_AGES
    for lists in by_region.values():
        if len(lists) < 2:
            continue
        previous, latest = lists[-2], lists[-1]
        still_listed = set(latest.records.values_list("person_hash", flat=True))
        for record in previous.records.select_related("crosscheck_import", "region"):
            if record.person_hash in still_listed:
                continue
            member, candidate = ctx.person(record.person_hash)
            person = member or candidate
            if person is None:
                continue
            age = age_on(person.birth_date, latest.as_of)
            if not low <= age < high:
                continue
            finding = _person_finding(
                ctx,
                Rule.TEKUN_MINOR_DROPPED,
                record,
                latest.as_of.isoformat(),
                {
                    "previous_list": previous.as_of.isoformat(),
                    "current_list": latest.as_of.isoformat(),
                    "age": age,
                },
            )
            if finding:
                yield finding


def custody_minor(ctx: ScanContext) -> Iterator[Finding]:
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
            or (member.household.tier == Tier.TEKUN and member.household.status in LIVE_STATUSES)
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
    households = (
        Household.objects.filter(
            within(ctx.region, "region"),
            tier=Tier.DIBAO,
            status__in=LIVE_STATUSES,
        )
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
    # The households' rigid spending: their members' out-of-pocket medical costs, latest year.
    spending: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    households: dict[int, Household] = {}
    latest: dict[tuple[str, int], SourceRecord] = {}
    for record in ctx.records(Source.MEDICAL):
        if record.period_start.year >= ctx.today.year - 1:
            latest[(record.person_hash, record.period_start.year)] = record
    for (digest, year), record in latest.items():
        member, _candidate = ctx.person(digest)
        if member is None:
            continue
        household = member.household
        households[household.pk] = household
        spending[household.pk][year] += Decimal(record.data["out_of_pocket"])
    for pk, by_year in spending.items():
        household = households[pk]
        if household.tier not in EXPENDITURE_TIERS or household.status not in LIVE_STATUSES:
            continue
        village = household.region
        if not village.is_within(ctx.region):
            continue
        year = max(by_year)
        members = list(household.members.all())
        check = expenditure_check(
            income_per_person=household.monthly_income_per_person(),
            rigid_yearly=by_year[year],
            size=len(members),
            standards=ctx.standards(village),
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
            },
            facts=ctx.facts(Rule.EXPENDITURE, household=household, village=village),
        )


RULES = {
    Rule.MEDICAL: medical_out_of_pocket,
    Rule.SEVERE_DISABILITY: severe_disability_uncovered,
    Rule.TEKUN_MINOR_DROPPED: tekun_minor_dropped,
    Rule.DIBAO_REVIEW_DUE: dibao_review_due,
    Rule.EXPENDITURE: expenditure_hardship,
    Rule.MONITORING: monitoring_uncovered,
    Rule.CUSTODY_MINOR: custody_minor,
}


def find_all(ctx: ScanContext) -> list[Finding]:
    return [finding for rule in RULES.values() for finding in rule(ctx)]
