"""Each rule fires exactly where it should: on the data inside its threshold, and not on the
data just outside it. Files are built by hand and go through the real import."""

import datetime as dt
from decimal import Decimal

import pytest

from bangfu.discovery.importing import import_crosscheck
from bangfu.discovery.models import Flag, Rule, Source, Task
from bangfu.discovery.services import flags_scan
from bangfu.discovery.tasks import flags_scan_task
from bangfu.regions.models import PolicyValue
from bangfu.registry.models import Household, Member, Tier
from tests.discovery.conftest import (
    CUSTODY,
    DISABILITY,
    MEDICAL,
    MONITORING,
    TEKUN,
    TODAY,
    csv_upload,
    household,
    person_id,
)


def bring_in(bureau, source, headers, rows, *, as_of=None):
    report = import_crosscheck(
        csv_upload(headers, rows), source=source, filename="f.csv", by=bureau, as_of=as_of
    )
    assert report.ok, report.errors
    return report


def flagged(rule) -> set[str]:
    """Names of the people (or household heads) a rule raised a warning for."""
    names = set()
    for flag in Flag.objects.filter(rule=rule):
        person = flag.member or flag.candidate or flag.household.head
        names.add(person.name)
    return names


def test_medical_spending_over_the_threshold_in_a_year(place, bureau):
    _h, (at_threshold,) = household(place["village"], members=[{"name": "整四万"}])
    _h, (just_over,) = household(place["village"], tier=Tier.MARGINAL, members=[{"name": "多一分"}])
    _h, (in_dibao,) = household(place["village"], tier=Tier.DIBAO, members=[{"name": "低保户"}])
    _h, (old_year,) = household(place["village"], members=[{"name": "前年"}])
    stranger = person_id()
    bring_in(
        bureau,
        Source.MEDICAL,
        MEDICAL,
        [
            [at_threshold.id_number, "整四万", "", 2026, "40000.00"],
            [just_over.id_number, "多一分", "", 2026, "40000.01"],
            [in_dibao.id_number, "低保户", "", 2026, "90000"],
            [old_year.id_number, "前年", "", 2024, "90000"],
            [stranger, "外来人", place["village_b"].code, 2025, "41000"],
        ],
    )
    assert flagged(Rule.MEDICAL) == {"多一分", "外来人"}
    flag = Flag.objects.get(rule=Rule.MEDICAL, member=just_over)
    assert flag.evidence == {"year": 2026, "out_of_pocket": "40000.01", "threshold": "40000"}


def test_the_medical_threshold_is_the_villages_policy(place, bureau):
    PolicyValue.objects.create(
        key="medical_out_of_pocket_threshold", region=place["other_town"], year=2020, value="30000"
    )
    _h, (here,) = household(place["village"], members=[{"name": "县标准"}])
    _h, (there,) = household(place["other_village"], members=[{"name": "镇标准"}])
    bring_in(
        bureau,
        Source.MEDICAL,
        MEDICAL,
        [
            [here.id_number, "县标准", "", 2026, "35000"],
            [there.id_number, "镇标准", "", 2026, "35000"],
        ],
    )
    assert flagged(Rule.MEDICAL) == {"镇标准"}


def test_newly_registered_severe_disability_without_a_tier(place, bureau):
    _h, (covered,) = household(place["village"], tier=Tier.DIBAO, members=[{"name": "已低保"}])
    _h, (temporary,) = household(place["village"], tier=Tier.TEMPORARY, members=[{"name": "临时"}])
    new = (TODAY - dt.timedelta(days=180)).isoformat()
    too_old = (TODAY - dt.timedelta(days=181)).isoformat()
    village = place["village"].code
    bring_in(
        bureau,
        Source.DISABILITY,
        DISABILITY,
        [
            [person_id(), "肢体二级", village, "肢体", "二级", new],
            [person_id(), "智力三级", village, "智力", "3", new],
            [person_id(), "精神三级", village, "精神残疾", "三级", new],
            [person_id(), "肢体三级", village, "肢体", "3", new],  # grade 3, not intellectual
            [person_id(), "视力一级旧", village, "视力", "1", too_old],
            [covered.id_number, "已低保", "", "肢体", "1", new],
            [temporary.id_number, "临时", "", "肢体", "1", new],
        ],
    )
    assert flagged(Rule.SEVERE_DISABILITY) == {"肢体二级", "智力三级", "精神三级", "临时"}


def test_destitute_minors_aged_16_to_18_dropped_from_the_list(place, bureau):
    listed = TODAY - dt.timedelta(days=30)
    village = place["village"].code

    def born(years: int, days: int = 0) -> dt.date:
        return dt.date(TODAY.year - years, TODAY.month, TODAY.day) - dt.timedelta(days=days)

    people = {
        "十六岁": born(16),
        "快十八": born(18, -1),
        "十五岁": born(16, -1),
        "十八岁": born(18),
        "留在册": born(17),
    }
    ids = {name: person_id(birth) for name, birth in people.items()}
    first = [[ids[n], n, village, people[n].isoformat()] for n in people]
    bring_in(bureau, Source.TEKUN_LIST, TEKUN, first, as_of=listed)
    assert not Flag.objects.filter(rule=Rule.TEKUN_MINOR_DROPPED).exists()  # one list: no drop

    second = [[ids["留在册"], "留在册", village, people["留在册"].isoformat()]]
    bring_in(bureau, Source.TEKUN_LIST, TEKUN, second, as_of=TODAY)
    assert flagged(Rule.TEKUN_MINOR_DROPPED) == {"十六岁", "快十八"}
    flag = Flag.objects.get(rule=Rule.TEKUN_MINOR_DROPPED, candidate__name="十六岁")
    assert flag.evidence["age"] == 16
    assert flag.evidence["previous_list"] == listed.isoformat()


def test_dibao_households_whose_review_date_has_passed(place, bureau):
    def dibao(name, due, tier=Tier.DIBAO):
        household(place["village"], tier=tier, next_review_due=due, members=[{"name": name}])

    dibao("今天到期", TODAY)
    dibao("明天到期", TODAY + dt.timedelta(days=1))
    dibao("已逾期", TODAY - dt.timedelta(days=10))
    dibao("边缘逾期", TODAY - dt.timedelta(days=10), tier=Tier.MARGINAL)
    assert flags_scan_task.delay().get() == 2  # the nightly scan, over every county
    assert flagged(Rule.DIBAO_REVIEW_DUE) == {"今天到期", "已逾期"}
    overdue = Flag.objects.get(rule=Rule.DIBAO_REVIEW_DUE, household__members__name="已逾期")
    assert overdue.evidence == {"due": "2026-11-10", "overdue_days": 10}
    # The warning's task is the household's review for that date, not a second visit.
    assert overdue.task.kind == Task.Kind.REVIEW
    assert overdue.task.period_start == TODAY - dt.timedelta(days=10)


def test_income_just_above_the_standard_with_heavy_medical_spending(place, bureau):
    """Standard 792 (45% of 1,760), ceiling 1,188 (150%); heavy: 40% of income or more."""

    def family(name, income, tier=Tier.NONE):
        _h, people = household(
            place["village"], tier=tier, members=[{"name": name, "income": income}, {}]
        )
        return people[0]  # two members: per-person income is half of ``income``

    heavy = family("刚过线", "1800.00")  # 900 a person
    above_ceiling = family("线以上", "2380.00")  # 1,190 a person
    light = family("花得少", "1600.00")  # 800 a person
    below = family("低于标准", "1500.00")  # 750: below the standard, not "just above"
    dibao = family("已低保", "1800.00", tier=Tier.DIBAO)
    rows = [
        [heavy.id_number, 2026, "8640"],  # 360 a person a month: 40% of 900, 540 left
        [above_ceiling.id_number, 2026, "12000"],
        [light.id_number, 2026, "7200"],  # 300 a person a month: 37.5% of 800, 500 left
        [below.id_number, 2026, "12000"],
        [dibao.id_number, 2026, "12000"],
    ]
    bring_in(bureau, Source.MEDICAL, MEDICAL, [[number, "某", "", *rest] for number, *rest in rows])
    assert flagged(Rule.EXPENDITURE) == {"刚过线"}
    flag = Flag.objects.get(rule=Rule.EXPENDITURE)
    assert flag.evidence["income_per_person"] == "900.00"
    assert flag.evidence["ceiling"] == "1188.00"
    assert flag.evidence["heavy_from"] == "360.00"
    assert Decimal(flag.evidence["after_spending"]) == Decimal("540.00")


def test_people_on_the_monitoring_list_without_a_tier(place, bureau):
    _h, (in_dibao,) = household(place["village"], tier=Tier.DIBAO, members=[{"name": "已低保"}])
    _h, (no_tier,) = household(place["village"], members=[{"name": "无类别"}])
    bring_in(
        bureau,
        Source.MONITORING,
        MONITORING,
        [
            [in_dibao.id_number, "已低保", "", "2026-05-01", "因病"],
            [no_tier.id_number, "无类别", "", "2026-05-01", "因病"],
            [person_id(), "未登记", place["village"].code, "2026-06-01", ""],
        ],
    )
    assert flagged(Rule.MONITORING) == {"无类别", "未登记"}


def test_minor_children_of_prisoners_not_yet_protected(place, bureau):
    child = dt.date(2016, 1, 1)
    _h, (protected,) = household(
        place["village"],
        members=[{"name": "已认定", "birth": child, "is_unsupported_child": True}],
    )
    _h, (unprotected,) = household(place["village"], members=[{"name": "未认定", "birth": child}])
    adult = person_id(dt.date(2008, 11, 20))  # 18 today
    village = place["village"].code
    bring_in(
        bureau,
        Source.CUSTODY,
        CUSTODY,
        [
            [protected.id_number, "已认定", "", "服刑", "2025-01-01"],
            [unprotected.id_number, "未认定", "", "强制隔离戒毒", "2025-03-01"],
            [adult, "已成年", village, "服刑", "2024-01-01"],
            [person_id(dt.date(2012, 4, 1)), "未登记儿童", village, "在押", "2026-02-01"],
        ],
    )
    assert flagged(Rule.CUSTODY_MINOR) == {"未认定", "未登记儿童"}
    assert Flag.objects.get(member=unprotected).evidence["parent"] == "rehab"


def test_a_region_can_switch_a_rule_off(place, bureau):
    PolicyValue.objects.create(
        key="discovery_rule_weights",
        region=place["other_town"],
        year=2020,
        # A region sets every weight (a missing one is refused); 0 switches a rule off.
        value={**PolicyValue.objects.get(key="discovery_rule_weights", region=None).value}
        | {"medical_out_of_pocket": 0},
    )
    _h, (here,) = household(place["village"], members=[{"name": "此处"}])
    _h, (there,) = household(place["other_village"], members=[{"name": "彼处"}])
    bring_in(
        bureau,
        Source.MEDICAL,
        MEDICAL,
        [[here.id_number, "此处", "", 2026, "50000"], [there.id_number, "彼处", "", 2026, "50000"]],
    )
    assert flagged(Rule.MEDICAL) == {"此处"}


def test_scanning_again_or_importing_the_same_file_raises_nothing_new(place, bureau):
    rows = [[person_id(), "张三", place["village"].code, 2026, "50000"]]
    first = bring_in(bureau, Source.MEDICAL, MEDICAL, rows)
    assert first.flags_created == 1
    assert flags_scan(region=place["county"]).created == 0
    again = bring_in(bureau, Source.MEDICAL, MEDICAL, rows)
    assert again.flags_created == 0 and again.candidates_created == 0
    assert Flag.objects.count() == Task.objects.count() == 1


@pytest.mark.parametrize("severely", [True, False])
def test_every_warning_becomes_a_task_for_the_villages_assistant(
    place, bureau, assistant, severely
):
    grade = "1" if severely else "4"
    bring_in(
        bureau,
        Source.DISABILITY,
        DISABILITY,
        [[person_id(), "张三", place["village_b"].code, "肢体", grade, TODAY.isoformat()]],
    )
    tasks = Task.objects.all()
    if not severely:
        assert not tasks.exists()
        return
    task = tasks.get()
    assert task.kind == Task.Kind.VERIFY and task.assignee == assistant
    assert task.due_on == TODAY + dt.timedelta(days=15)
    assert task.region == place["village_b"] and task.flag.rule == Rule.SEVERE_DISABILITY
    assert not Household.objects.exists() and not Member.objects.exists()
