"""What a plan holds: the people of a household as drawn, before the registry has them."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from bangfu.registry.models import HouseholdTier, Member, PersonalStatus, Tier, is_severe_disability

Relation = Member.Relation
Disability = Member.Disability
Illness = Member.Illness
Care = Member.CareLevel
Work = Member.WorkAbility


@dataclass(eq=False)  # people are compared by identity: twins are two people
class PersonPlan:
    relation: str
    sex: str
    age: int
    disability: str = Disability.NONE
    disability_grade: int | None = None
    illness: str = Illness.NONE
    illness_note: str = ""
    care_level: str = Care.SELF
    work_ability: str = Work.FULL
    is_orphan: bool = False
    is_unsupported_child: bool = False
    is_five_elders: bool = False
    student: bool = False
    monthly_income: Decimal = Decimal("0.00")
    income_is_irregular: bool = False
    is_employed: bool = False  # 已就业: a regular wage or a public-welfare post
    personal_status: str = PersonalStatus.NONE
    name: str = ""
    birth_date: dt.date | None = None
    id_number: str = ""

    @property
    def severely_disabled(self) -> bool:
        return is_severe_disability(self.disability, self.disability_grade)


@dataclass
class HouseholdPlan:
    tier: str
    shape: str
    people: list[PersonPlan]
    event: str = ""  # what happened (a 临时救助 grant) or why children are unsupported
    notes: list[str] = field(default_factory=list)
    household_tier: str = HouseholdTier.NONE  # the household's own status
    financial_assets: Decimal | None = None  # yuan; None: not known
    gradual_exit: bool = False  # 低保 income just above the standard: exits with a 渐退期
    exited: bool = False  # left the registry (the decisions step's exits): no visits since

    @property
    def crisis(self) -> bool:
        """No lasting status: the household came through a 临时救助 grant after ``event``."""
        return self.tier == Tier.NONE

    @property
    def per_capita_income(self) -> Decimal:
        total = sum((p.monthly_income for p in self.people), Decimal("0"))
        return (total / len(self.people)).quantize(Decimal("0.01"))

    @property
    def has_irregular_working_age_income(self) -> bool:
        return any(p.income_is_irregular and 18 <= p.age < 60 for p in self.people)
