"""The registry: households with their members, spread over the villages by need."""

import datetime as dt

from bangfu.core import crypto
from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step, forget_audit, place_data
from bangfu.demo.families import MIN_GRADUAL_EXITS, IdentityMaker, plan_household, tier_quota
from bangfu.demo.names import weighted
from bangfu.demo.steps.regions import jitter
from bangfu.regions.models import Region, within
from bangfu.regions.policy import Policy
from bangfu.registry.coverage import strongest
from bangfu.registry.models import Household, Member, Residence, Tier
from bangfu.registry.policy import dibao_standard
from bangfu.registry.summaries import refresh_household_summaries

BATCH = 500
# Mobile prefixes in use in Yunnan (China Mobile, Unicom, Telecom).
MOBILE_PREFIXES = ("139", "138", "137", "136", "135", "151", "152", "157", "158", "159", "187",
                   "188", "182", "183", "130", "131", "155", "185", "186", "133", "153", "180",
                   "189", "199", "177")  # fmt: skip
# When each tier's households typically entered the registry: (earliest year, latest days ago);
# those of no tier came with a recent 临时救助 grant.
ENROLMENT = {
    Tier.TEKUN: (2010, 60),
    Tier.DIBAO: (2012, 30),
    Tier.MARGINAL: (2021, 30),
    Tier.EXPENDITURE: (2023, 20),
}


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, 28))


def residence_of(village) -> str:
    """Communities are the towns' streets (城镇); villages are rural (农村)."""
    return Residence.URBAN if village.code[-3] == "0" else Residence.RURAL


def _between(rng, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


class HouseholdsStep(Step):
    name = "households"

    def build(self, ctx: DemoContext) -> None:
        rng = ctx.rng(self.name)
        as_of = ctx.options.as_of
        townships = {item["code"]: item for item in place_data()["townships"]}
        # Highland townships carry more assisted households; villages differ in size.
        village_weights = {
            village: townships[ctx.township_of[village.pk].code]["weight"] * rng.uniform(0.6, 1.4)
            for village in ctx.villages
        }
        tiers = tier_quota(ctx.options.households)
        rng.shuffle(tiers)
        identities = IdentityMaker(rng, area=COUNTY_CODE, as_of=as_of)
        if not ctx.dibao_standard:  # built without the policy step
            ctx.dibao_standard = dibao_standard(Policy(ctx.county, as_of.year))
            ctx.dibao_standard_rural = ctx.dibao_standard

        households, members = [], []
        dibao, orphans = 0, 0
        for number, tier in enumerate(tiers, start=1):
            village = weighted(rng, village_weights)
            township = ctx.township_of[village.pk]
            people = identities.names.people(townships[township.code]["ethnic"])
            dibao += tier == Tier.DIBAO
            gradual = tier == Tier.DIBAO and dibao <= MIN_GRADUAL_EXITS
            standard = ctx.standard(residence_of(village))
            plan = plan_household(rng, tier, standard, gradual_exit=gradual)
            orphans += plan.shape == "orphans"
            if orphans == 1 and plan.shape == "orphans" and plan.people[0].age < 16:
                # One orphan of 16 or 17 at least: the age the 16-18 rule is about.
                plan.people[0].age = rng.choice((16, 17))
            identities.fill(plan, people)
            household = self._household(ctx, rng, number, village, township, plan)
            households.append(household)
            ctx.households.append((household, plan))
            members.extend((household, person) for person in plan.people)

        Household.objects.bulk_create(households, batch_size=BATCH)
        # Encrypting the ID numbers is this step's main cost: one Fernet token per member.
        Member.objects.bulk_create(
            (
                Member(
                    household_id=household.pk,
                    name=person.name,
                    id_number=person.id_number,
                    id_number_hash=crypto.lookup_hash(person.id_number),
                    birth_date=person.birth_date,
                    sex=person.sex,
                    relation=person.relation,
                    disability=person.disability,
                    disability_grade=person.disability_grade,
                    illness=person.illness,
                    illness_note=person.illness_note,
                    care_level=person.care_level,
                    work_ability=person.work_ability,
                    monthly_income=person.monthly_income,
                    income_is_irregular=person.income_is_irregular,
                    is_employed=person.is_employed,
                    personal_status=person.personal_status,
                    is_orphan=person.is_orphan,
                    is_unsupported_child=person.is_unsupported_child,
                    is_five_elders=person.is_five_elders,
                )
                for household, person in members
            ),
            batch_size=BATCH,
        )
        refresh_household_summaries(household.pk for household in households)
        ctx.count("households", len(households))
        ctx.count("members", len(members))

    def _household(self, ctx, rng, number, village, township, plan) -> Household:
        as_of = ctx.options.as_of
        if village.code[-3] == "0":  # a community in town: street numbers
            address = f"{township.name}{village.name}{rng.randint(1, 180)}号"
        else:  # a village: villagers' group (村民小组) and house number
            address = f"{township.name}{village.name}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
        phone = ""
        if rng.random() < (0.55 if plan.people[0].age >= 70 else 0.9):
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
        lat, lon = jitter(rng, village.latitude, village.longitude, 0.8)

        if plan.tier == Tier.NONE:
            enrolled = as_of - dt.timedelta(days=rng.randint(3, 45))
            next_review = None
        else:
            first_year, latest = ENROLMENT[plan.tier]
            enrolled = _between(rng, dt.date(first_year, 1, 1), as_of - dt.timedelta(days=latest))
            months = 6 if plan.has_irregular_working_age_income else 12
            if rng.random() < 0.06:  # overdue: the review slipped
                last_review = as_of - dt.timedelta(days=months * 30 + rng.randint(5, 60))
            else:
                last_review = as_of - dt.timedelta(days=rng.randint(0, months * 30 - 1))
            next_review = add_months(max(last_review, enrolled), months)
        status = Household.Status.UNDER_REVIEW if rng.random() < 0.04 else Household.Status.ACTIVE
        return Household(
            registry_number=f"{COUNTY_CODE}-{number:05d}",
            region=village,
            address=address,
            phone=phone,
            latitude=lat,
            longitude=lon,
            household_tier=plan.household_tier,
            tier=strongest(plan.household_tier, [p.personal_status for p in plan.people]),
            residence=residence_of(village),
            financial_assets=plan.financial_assets,
            status=status,
            enrolled_on=enrolled,
            next_review_due=next_review,
        )

    def reset(self) -> None:
        county = Region.objects.filter(code=COUNTY_CODE).first()
        if county is not None:
            households = Household.objects.filter(within(county, "region"))
            forget_audit(Member.objects.filter(household__in=households), households)
            # Deferred rows: deleting must not decrypt every member's ID number.
            Member.objects.filter(household__in=households).only("pk").delete()
            households.only("pk").delete()
