"""Assessments (入户走访) in the months before the as-of date, and the needs they found."""

import datetime as dt

from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step, forget_audit
from bangfu.demo.families import HouseholdPlan
from bangfu.demo.names import weighted
from bangfu.regions.models import Region, within
from bangfu.registry.models import Assessment, Household, Member, Need, ServiceCategory, Tier
from bangfu.registry.summaries import refresh_household_summaries

BATCH = 500
ASSESSED_SHARE = 0.92
WINDOW_DAYS = 300  # visits spread over the ten months before the as-of date

SHAPE_WORDS = {
    "elderly_alone": "老人独居",
    "elderly_couple": "老年夫妻同住",
    "disabled_single": "重度残疾，独自生活",
    "orphans": "孤儿，由亲属照看",
    "couple_with_children": "夫妻与子女同住",
    "left_behind": "祖辈照看孙辈，孩子父母外出务工",
    "single_parent": "单亲家庭",
    "three_generations": "三代同住",
    "student_family": "子女在读大学，教育支出大",
    "tekun_in_family": "重度残疾人随兄弟姐妹家庭生活",
}
NOTES = {
    "care": ("需要定期上门照料护理", "卧床，家属照护吃力，希望有人上门护理"),
    "elder-help": ("行动不便，需要帮助购物、理发", "希望每周有人上门看看"),
    "meal-help": ("独自做饭困难，希望送餐或到助餐点就餐", "牙口不好，需要软食送餐"),
    "cleaning-help": ("家中卫生无人打扫", "需要帮助清洗被褥、整理房屋"),
    "childcare": ("孩子年幼，白天无人照看", "需要托育或临时照看"),
    "rehabilitation": ("需要上门康复训练", "希望链接县残联康复服务"),
    "hospital-escort": ("定期到县人民医院复查，无人陪同", "需要陪同就医、代办住院手续"),
    "medical-help": ("长期服药，药费负担重", "需要协助办理医疗救助和慢病卡"),
    "counselling": ("情绪低落，需要心理疏导", "孩子性格内向，需要陪伴和疏导"),
    "social-integration": ("很少出门，希望参加社区活动", "需要帮助融入学校和村里"),
    "schooling-help": ("父母不在身边，作业无人辅导", "成绩下滑，需要学业辅导"),
    "job-support": ("有劳动能力，希望就近就业", "需要技能培训和公益性岗位信息"),
    "hardship-help": ("生活困难，需要临时物资帮助", "需要链接慈善救助"),
    "legal-aid": ("事故赔偿纠纷，需要法律援助", "需要帮助申请工伤认定"),
    "resource-linking": ("需要链接慈善和社会资源", "需要帮助申请相关补贴"),
    "care-visits": ("希望有人定期探访、聊天", "节假日无人陪伴"),
}
PREFERRED_TIMES = ("", "", "工作日上午", "工作日下午", "周末", "下午三点以后", "街天以外")


def category_weights(plan: HouseholdPlan) -> dict[str, float]:
    """Which services this household needs, and how strongly, from who lives in it."""
    weights: dict[str, float] = {}

    def add(code: str, weight: float) -> None:
        weights[code] = weights.get(code, 0) + weight

    alone = len(plan.people) == 1
    for person in plan.people:
        if person.age >= 60:
            add("elder-help", 2.5)
            add("cleaning-help", 1)
            if alone:
                add("meal-help", 2.5)
                add("care-visits", 2.5)
            if person.care_level != Member.CareLevel.SELF:
                add("care", 3.5)
                add("meal-help", 1.5)
        if person.disability != Member.Disability.NONE:
            add("rehabilitation", 3 if person.disability_grade <= 3 else 1.5)
            if person.severely_disabled:
                add("care", 2.5)
        if person.illness == Member.Illness.SERIOUS:
            add("hospital-escort", 3)
            add("medical-help", 3)
        elif person.illness == Member.Illness.CHRONIC:
            add("medical-help", 1)
        if person.age < 6:
            add("childcare", 2)
        elif person.age < 18:
            add("schooling-help", 2.5 if plan.shape == "left_behind" else 1.5)
        if person.is_orphan or person.is_unsupported_child:
            add("counselling", 2.5)
            add("care-visits", 2)
            add("social-integration", 1)
    able = any(18 <= p.age < 55 and p.work_ability == Member.WorkAbility.FULL for p in plan.people)
    if able and plan.tier in {Tier.DIBAO, Tier.MARGINAL}:
        add("job-support", 1)
    if plan.shape == "left_behind":
        add("counselling", 1)
    if plan.crisis:
        add("hardship-help", 4)
        add("resource-linking", 2)
        if "事故" in plan.event or "受伤" in plan.event:
            add("legal-aid", 1.5)
            add("counselling", 1)
    if plan.tier == Tier.EXPENDITURE:
        add("hardship-help", 2)
        add("resource-linking", 2)
    if not weights:
        add("care-visits", 1)
    return weights


def severity(plan: HouseholdPlan, rng) -> int:
    points = {Tier.TEKUN: 3, Tier.DIBAO: 2, Tier.NONE: 3}.get(plan.tier, 2)
    people = plan.people
    if any(p.severely_disabled for p in people):
        points += 1
    if any(p.illness == Member.Illness.SERIOUS for p in people):
        points += 1
    if any(p.age >= 80 for p in people) or any(p.is_orphan for p in people):
        points += 1
    if len(people) == 1 and people[0].age >= 70:
        points += 1
    if any(p.care_level == Member.CareLevel.FULL for p in people):
        points += 1
    return max(1, min(5, points - rng.randint(0, 1)))


def urgency(plan: HouseholdPlan, rng) -> str:
    U = Need.Urgency
    if plan.crisis:
        return weighted(rng, {U.EMERGENCY: 20, U.URGENT: 40, U.SOON: 30, U.ROUTINE: 10})
    if any(p.illness == Member.Illness.SERIOUS for p in plan.people):
        return weighted(rng, {U.EMERGENCY: 5, U.URGENT: 25, U.SOON: 35, U.ROUTINE: 35})
    return weighted(rng, {U.EMERGENCY: 2, U.URGENT: 10, U.SOON: 25, U.ROUTINE: 63})


def summary(plan: HouseholdPlan) -> str:
    text = f"入户走访：家庭成员{len(plan.people)}人，{SHAPE_WORDS[plan.shape]}。"
    sick = sum(p.illness != Member.Illness.NONE for p in plan.people)
    disabled = sum(p.disability != Member.Disability.NONE for p in plan.people)
    if disabled:
        text += f"{disabled}人持残疾证。"
    if sick:
        text += f"{sick}人患病。"
    if plan.event:
        text += f"{plan.event}。"
    return text


class AssessmentsStep(Step):
    name = "assessments"

    def build(self, ctx: DemoContext) -> None:
        rng = ctx.rng(self.name)
        as_of = ctx.options.as_of
        categories = dict(
            ServiceCategory.objects.filter(kind=ServiceCategory.Kind.SERVICE).values_list(
                "code", "pk"
            )
        )
        assessments, found = [], []
        for household, plan in ctx.households:
            if plan.exited:  # died or moved away: no visit, nothing to meet
                continue
            if rng.random() > ASSESSED_SHARE and not plan.crisis:
                continue
            if plan.crisis:
                assessed_on = household.enrolled_on
            else:
                days = int(rng.triangular(0, WINDOW_DAYS, 30))
                assessed_on = max(as_of - dt.timedelta(days=days), household.enrolled_on)
            township = ctx.township_of[household.region_id]
            if rng.random() < 0.8:
                assessor = ctx.village_assistant[household.region_id]
            else:
                assessor = ctx.station_staff[township.code]
            assessment = Assessment(
                household=household,
                assessed_on=assessed_on,
                assessor=assessor,
                summary=summary(plan),
            )
            assessments.append(assessment)
            # Squared: the household's main need is the likeliest to be recorded first.
            weights = {code: w * w for code, w in category_weights(plan).items()}
            count = min(len(weights), 1 + (rng.random() < 0.55) + (rng.random() < 0.2))
            chosen = []
            while len(chosen) < count:
                code = weighted(rng, {c: w for c, w in weights.items() if c not in chosen})
                chosen.append(code)
            for code in chosen:
                need = self._need(rng, plan, household, code, assessed_on, as_of)
                need.category_id = categories[code]
                found.append((assessment, need))

        Assessment.objects.bulk_create(assessments, batch_size=BATCH)
        for assessment, need in found:
            need.assessment_id = assessment.pk
        Need.objects.bulk_create([need for _a, need in found], batch_size=BATCH)
        refresh_household_summaries(need.household_id for _a, need in found)
        ctx.count("assessments", len(assessments))
        ctx.count("needs", len(found))

    def _need(self, rng, plan, household, code, opened_on, as_of) -> Need:
        open_days = (as_of - opened_on).days
        status, closed_on = Need.Status.OPEN, None
        draw = rng.random()
        # The longer a need has been open, the likelier it has been met by now.
        if draw < min(0.45, open_days / 500):
            status = Need.Status.MET
        elif draw > 0.96:
            status = Need.Status.WITHDRAWN
        if status != Need.Status.OPEN:
            closed_on = opened_on + dt.timedelta(days=rng.randint(min(3, open_days), open_days))
        return Need(
            household=household,
            severity=severity(plan, rng),
            urgency=urgency(plan, rng),
            preferred_times=rng.choice(PREFERRED_TIMES),
            notes=rng.choice(NOTES[code]),
            status=status,
            opened_on=opened_on,
            closed_on=closed_on,
        )

    def reset(self) -> None:
        county = Region.objects.filter(code=COUNTY_CODE).first()
        if county is not None:
            in_county = within(county, "household__region")
            forget_audit(Need.objects.filter(in_county), Assessment.objects.filter(in_county))
            # Deferred rows: deleting must not decrypt anything.
            Need.objects.filter(in_county).only("pk").delete()
            Assessment.objects.filter(in_county).only("pk").delete()
            households = Household.objects.filter(within(county, "region"))
            refresh_household_summaries(households.values("pk"))
