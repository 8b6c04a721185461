"""What every rule shares: the constants, the ``Finding``, the coverage tests and the
``ScanContext`` of one scan."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from bangfu.discovery.features import Facts
from bangfu.discovery.models import (
    CandidatePerson,
    Source,
    SourceRecord,
)
from bangfu.discovery.schedule import LIVE_STATUSES
from bangfu.discovery.standards import (
    ADULT_AGE,
    ELDERLY_AGE,
    Standards,
    countable_income,
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
    Tier,
    age_on,
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
