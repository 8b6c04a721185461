"""Each rule fires exactly where it should: on the data inside its threshold, and not on the
data just outside it. Files are built by hand and go through the real import; statuses are per
person (特困, 单人纳保) or per household (低保, 低保边缘, 支出型)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bangfu.discovery.explain import explain
from bangfu.discovery.importing import import_crosscheck
from bangfu.discovery.models import (
    CandidatePerson,
    CrossCheckImport,
    Flag,
    Rule,
    Source,
    SourceRecord,
    Task,
)
from bangfu.discovery.rules import ScanContext, tekun_minor_dropped
from bangfu.discovery.services import flags_scan
from bangfu.discovery.tasks import flags_scan_task
from bangfu.regions.models import PolicyValue
from bangfu.registry.models import (
    Coverage,
    ExitReason,
    Household,
    Member,
    PersonalStatus,
    StatusDecision,
    Tier,
)
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

EDUCATION = ["身份证号", "姓名", "村(社区)代码", "年度", "个人负担教育费用(元)"]
REHABILITATION = ["身份证号", "姓名", "村(社区)代码", "年度", "个人负担康复护理费用(元)"]
DEATHS = ["身份证号", "姓名", "死亡日期"]
VEHICLES = ["身份证号", "姓名", "号牌号码", "车辆类型", "登记日期"]
PROPERTY = ["身份证号", "姓名", "不动产权证号", "用途", "登记日期"]
BUSINESS = ["身份证号", "姓名", "市场主体名称", "成立日期"]
PAYROLL = ["身份证号", "姓名", "工作单位", "入职日期"]


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


def born(years: int, days: int = 0) -> dt.date:
    """Born ``years`` years before today, ``days`` days earlier still."""
    return dt.date(TODAY.year - years, TODAY.month, TODAY.day) - dt.timedelta(days=days)


# --- medical spending -------------------------------------------------------------------------


def test_medical_spending_over_the_threshold_for_everyone_with_the_fitting_hint(place, bureau):
    _h, (at_threshold,) = household(place["village"], members=[{"name": "整四万"}])
    _h, (marginal,) = household(place["village"], tier=Tier.MARGINAL, members=[{"name": "多一分"}])
    _h, (in_dibao,) = household(place["village"], tier=Tier.DIBAO, members=[{"name": "低保户"}])
    _h, (tekun,) = household(place["village"], tier=Tier.TEKUN, members=[{"name": "特困户"}])
    _h, (old_year,) = household(place["village"], members=[{"name": "前年"}])
    stranger = person_id()
    bring_in(
        bureau,
        Source.MEDICAL,
        MEDICAL,
        [
            [at_threshold.id_number, "整四万", "", 2026, "40000.00"],
            [marginal.id_number, "多一分", "", 2026, "40000.01"],
            [in_dibao.id_number, "低保户", "", 2026, "90000"],
            [tekun.id_number, "特困户", "", 2026, "50000"],
            [old_year.id_number, "前年", "", 2024, "90000"],
            [stranger, "外来人", place["village_b"].code, 2025, "41000"],
        ],
    )
    # 002 excludes no one: those on 低保 or 特困 are raised too.
    assert flagged(Rule.MEDICAL) == {"多一分", "低保户", "特困户", "外来人"}
    flag = Flag.objects.get(rule=Rule.MEDICAL, member=marginal)
    assert flag.evidence == {
        "year": 2026,
        "out_of_pocket": "40000.01",
        "threshold": "40000",
        "status": "",
        "hint": "expenditure",
    }
    assert "支出型" in explain(flag) and "个人自付医疗费用超过4万元" in explain(flag)
    dibao = Flag.objects.get(rule=Rule.MEDICAL, member=in_dibao)
    assert (dibao.evidence["status"], dibao.evidence["hint"]) == ("dibao", "reassistance")
    assert "医疗再救助" in explain(dibao)
    assert Flag.objects.get(member=tekun).evidence["status"] == "tekun"


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


# --- severe disability ------------------------------------------------------------------------


def test_severe_disability_of_anyone_without_dibao_or_tekun(place, bureau):
    _h, (dibao,) = household(place["village"], tier=Tier.DIBAO, members=[{"name": "已低保"}])
    _h, (marginal,) = household(place["village"], tier=Tier.MARGINAL, members=[{"name": "边缘"}])
    _h, (expenditure,) = household(
        place["village"], tier=Tier.EXPENDITURE, members=[{"name": "支出型"}]
    )
    _h, (single, _other) = household(
        place["village"],
        tier=Tier.MARGINAL,
        members=[{"name": "已单人", "personal_status": PersonalStatus.SINGLE_DIBAO}, {}],
    )
    # No status, 3,000 a person: above the 低保边缘 ceiling (1,188), not a low-income household.
    _h, (well_off,) = household(place["village"], members=[{"name": "高收入", "income": "3000"}])
    new = (TODAY - dt.timedelta(days=30)).isoformat()
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
            [dibao.id_number, "已低保", "", "肢体", "1", new],
            [marginal.id_number, "边缘", "", "肢体", "1", new],
            [expenditure.id_number, "支出型", "", "视力", "2", new],
            [single.id_number, "已单人", "", "肢体", "1", new],
            [well_off.id_number, "高收入", "", "肢体", "1", new],
        ],
    )
    assert flagged(Rule.SEVERE_DISABILITY) == {"肢体二级", "智力三级", "精神三级", "边缘", "支出型"}
    flag = Flag.objects.get(rule=Rule.SEVERE_DISABILITY, member=marginal)
    assert flag.evidence["recommend"] == "enrol"
    assert flag.evidence["status"] == Coverage.SINGLE_DIBAO
    assert flag.evidence["member"] == marginal.pk
    assert "参照单人户纳入最低生活保障范围" in explain(flag)
    unregistered = Flag.objects.get(rule=Rule.SEVERE_DISABILITY, candidate__name="肢体二级")
    assert "status" not in unregistered.evidence


def test_the_first_file_is_swept_whole_and_later_ones_only_for_new_certificates(place, bureau):
    village = place["village"].code
    old = (TODAY - dt.timedelta(days=900)).isoformat()
    new = (TODAY - dt.timedelta(days=180)).isoformat()
    too_old = (TODAY - dt.timedelta(days=181)).isoformat()
    first = bring_in(
        bureau,
        Source.DISABILITY,
        DISABILITY,
        [[person_id(), "老证一", village, "肢体", "1", old]],
        as_of=TODAY - dt.timedelta(days=60),
    )
    assert first.flags_created == 1  # 全面排查: a certificate of 2024 counts the first time
    assert Flag.objects.get().evidence["sweep"] is True
    bring_in(
        bureau,
        Source.DISABILITY,
        DISABILITY,
        [
            [person_id(), "老证二", village, "肢体", "1", old],
            [person_id(), "新证", village, "肢体", "1", new],
            [person_id(), "差一天", village, "肢体", "1", too_old],
        ],
    )
    assert flagged(Rule.SEVERE_DISABILITY) == {"老证一", "新证"}
    assert Flag.objects.get(candidate__name="新证").evidence["sweep"] is False


def test_the_new_certificate_window_is_a_parameter(place, bureau):
    PolicyValue.objects.create(
        key="discovery_new_disability_days", region=place["county"], year=2020, value=365
    )
    village = place["village"].code
    bring_in(bureau, Source.DISABILITY, DISABILITY, [[person_id(), "首批", village, "肢体", "1",
                                                      TODAY.isoformat()]])  # fmt: skip
    bring_in(
        bureau,
        Source.DISABILITY,
        DISABILITY,
        [
            [person_id(), "一年内", village, "肢体", "1", (TODAY - dt.timedelta(days=365))],
            [person_id(), "一年多", village, "肢体", "1", (TODAY - dt.timedelta(days=366))],
        ],
    )
    assert flagged(Rule.SEVERE_DISABILITY) == {"首批", "一年内"}


# --- 单人纳保 candidates -------------------------------------------------------------------------


def test_single_dibao_candidates_in_low_income_households(place, bureau):
    """Standard 792 (45% of 1,760); the 低保边缘 ceiling 1,188 (150%)."""
    ill = {"illness": Member.Illness.SERIOUS}
    village = place["village"]
    household(village, tier=Tier.MARGINAL, members=[{"name": "边缘重病", **ill}, {}])
    household(
        village,
        tier=Tier.EXPENDITURE,
        members=[{"name": "失能老人", "birth": born(60), "care_level": Member.CareLevel.SEMI}],
    )
    household(
        village,
        members=[{"name": "低收入重残", "disability": "physical", "disability_grade": 1,
                  "income": "1187.99"}],
    )  # fmt: skip
    # A 特困 member is left out of the household's income, as the calculator counts it: 1,300
    # over the one other member is above the ceiling (over both it would be 650).
    household(
        village,
        members=[
            {"name": "同户特困高收入", "income": "1300.00", **ill},
            {"personal_status": PersonalStatus.TEKUN},
        ],
    )
    # Not candidates:
    household(village, members=[{"name": "收入够", "income": "1188.00", **ill}])
    household(village, tier=Tier.DIBAO, members=[{"name": "全户低保", **ill}])
    household(
        village,
        tier=Tier.MARGINAL,
        members=[{"name": "已特困", "personal_status": PersonalStatus.TEKUN, **ill}],
    )
    household(
        village,
        tier=Tier.MARGINAL,
        members=[{"name": "能自理", "birth": born(70), "care_level": Member.CareLevel.SELF}],
    )
    household(
        village,
        tier=Tier.MARGINAL,
        members=[{"name": "未满六十", "birth": born(60, -1), "care_level": Member.CareLevel.FULL}],
    )
    household(
        village,
        tier=Tier.MARGINAL,
        members=[{"name": "已退出", **ill}],
        status=Household.Status.EXITED,
    )
    flags_scan(region=place["county"])
    assert flagged(Rule.SINGLE_DIBAO_CANDIDATE) == {"边缘重病", "失能老人", "低收入重残"}
    assert not Flag.objects.filter(member__name="同户特困高收入").exists()
    flag = Flag.objects.get(member__name="边缘重病")
    assert flag.evidence["recommend"] == "enrol"
    assert flag.evidence["status"] == "single_dibao"
    assert flag.evidence["member"] == flag.member.pk
    assert flag.evidence["grounds"] == ["serious_illness"]
    assert flag.task.kind == Task.Kind.VERIFY
    text = explain(flag)
    assert "低保边缘家庭中的重病患者、失能失智老年人实施单人纳保" in text and "(000" in text
    assert Flag.objects.get(member__name="失能老人").evidence["grounds"] == ["dependent_elderly"]


def test_a_certificate_warning_is_not_raised_twice_as_a_single_dibao_candidate(place, bureau):
    _h, (disabled,) = household(
        place["village"],
        tier=Tier.MARGINAL,
        members=[{"name": "重残", "disability": "physical", "disability_grade": 1}],
    )
    bring_in(
        bureau,
        Source.DISABILITY,
        DISABILITY,
        [[disabled.id_number, "重残", "", "肢体", "1", TODAY.isoformat()]],
    )
    assert set(Flag.objects.values_list("rule", flat=True)) == {Rule.SEVERE_DISABILITY}
    flags_scan(region=place["county"])  # and not on a later scan either
    assert Flag.objects.count() == 1


# --- minors leaving 特困 ----------------------------------------------------------------------


def test_destitute_minors_aged_16_to_18_dropped_from_the_list(place, bureau):
    listed = TODAY - dt.timedelta(days=30)
    village = place["village"].code
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
    assert "年满16周岁退出特困救助供养的未成年人" in explain(flag)


def test_a_minor_missing_since_an_older_list_is_found_aged_when_they_left(place, bureau):
    """Both were on the first list only and left out from the second (100 days ago): 十六离
    was 16 then, 十五离 15 — 16 by the third list's date, but aged 15 when they left, which is
    not 「年满16周岁退出」. Comparing the last two lists would miss 十六离: on neither."""
    village = place["village"].code
    sixteen, fifteen, stays = born(16, 150), born(16, 50), born(17)
    staying = [person_id(stays), "在册", village, stays.isoformat()]
    first = [
        [person_id(sixteen), "十六离", village, sixteen.isoformat()],
        [person_id(fifteen), "十五离", village, fifteen.isoformat()],
        staying,
    ]
    for days, rows in zip((200, 100, 0), [first, [staying], [staying]], strict=True):
        bring_in(bureau, Source.TEKUN_LIST, TEKUN, rows, as_of=TODAY - dt.timedelta(days=days))
    assert flagged(Rule.TEKUN_MINOR_DROPPED) == {"十六离"}
    flag = Flag.objects.get()
    assert flag.evidence["previous_list"] == (TODAY - dt.timedelta(days=200)).isoformat()
    assert flag.evidence["omitted_from"] == (TODAY - dt.timedelta(days=100)).isoformat()
    assert flag.evidence["age"] == 16


def test_dropped_minors_and_exits_are_read_without_a_query_per_person(place, bureau):
    """The people dropped from the list are read at once, and the platform's exits with their
    households' members: the rule's queries do not grow with the people found."""
    village = place["village"].code

    def queries(count: int) -> int:
        Task.objects.all().delete()
        Flag.objects.all().delete()
        CandidatePerson.objects.all().delete()
        SourceRecord.objects.all().delete()
        CrossCheckImport.objects.all().delete()
        StatusDecision.objects.all().delete()
        births = [born(17, index) for index in range(count)]
        rows = [[person_id(b), f"离{i}", village, b.isoformat()] for i, b in enumerate(births)]
        stays = born(17)
        staying = [person_id(stays), "在册", village, stays.isoformat()]
        for days, listed in ((100, [*rows, staying]), (0, [staying])):
            bring_in(
                bureau, Source.TEKUN_LIST, TEKUN, listed, as_of=TODAY - dt.timedelta(days=days)
            )
        for index in range(count):
            _h, (member,) = household(place["village"], members=[{"birth": born(17, 100 + index)}])
            _tekun_exit(member, on=TODAY - dt.timedelta(days=10))
        ctx = ScanContext(place["county"], TODAY)
        with CaptureQueriesContext(connection) as captured:
            found = list(tekun_minor_dropped(ctx))
        assert len(found) == 2 * count
        return len(captured)

    assert queries(1) == queries(4)


def _tekun_exit(member, *, on: dt.date, reason=ExitReason.OTHER) -> StatusDecision:
    return StatusDecision.objects.create(
        household=member.household,
        member=member,
        kind=StatusDecision.Kind.EXIT,
        state=StatusDecision.State.CONFIRMED,
        source=StatusDecision.Source.STAFF,
        from_status=Coverage.TEKUN,
        to_status=Coverage.NONE,
        exit_reason=reason,
        reference="元民救〔2026〕7号",
        effective_on=on,
        decided_at=timezone.now(),
    )


def test_the_platforms_own_exits_of_minors_from_tekun(place, bureau):
    exited_on = TODAY - dt.timedelta(days=90)
    cases = {
        "十六退出": born(16, 90),  # 16 on the day of the exit
        "十五退出": born(16, 89),  # one day short of 16 then
        "十八退出": born(18, 90),  # 18 then: support ended by age
        "已故": born(17),
        "又纳入": born(17),
    }
    members = {}
    for name, birth in cases.items():
        _h, (member,) = household(place["village"], members=[{"name": name, "birth": birth}])
        members[name] = member
    for name, member in members.items():
        reason = ExitReason.DECEASED if name == "已故" else ExitReason.OTHER
        _tekun_exit(member, on=exited_on, reason=reason)
    Member.objects.filter(pk=members["又纳入"].pk).update(personal_status=PersonalStatus.TEKUN)

    assert flags_scan(region=place["county"]).created == 1
    assert flagged(Rule.TEKUN_MINOR_DROPPED) == {"十六退出"}
    flag = Flag.objects.get()
    assert flag.evidence == {
        "exited_on": exited_on.isoformat(),
        "reference": "元民救〔2026〕7号",
        "exit_reason": "other",
        "age": 16,
    }
    assert "元民救〔2026〕7号" in explain(flag)


# --- reviews, 支出型, monitoring, custody --------------------------------------------------------


def test_dibao_households_whose_review_date_has_passed(place, bureau):
    def dibao(name, due, tier=Tier.DIBAO, **member):
        household(
            place["village"], tier=tier, next_review_due=due, members=[{"name": name, **member}]
        )

    dibao("今天到期", TODAY)
    dibao("明天到期", TODAY + dt.timedelta(days=1))
    dibao("已逾期", TODAY - dt.timedelta(days=10))
    dibao("边缘逾期", TODAY - dt.timedelta(days=10), tier=Tier.MARGINAL)
    # A 单人纳保 member makes the household's tier 低保.
    dibao(
        "单人逾期",
        TODAY - dt.timedelta(days=3),
        tier=Tier.MARGINAL,
        personal_status=PersonalStatus.SINGLE_DIBAO,
    )
    # A 特困 member makes the strongest tier 特困; the household's own 低保 is still reviewed,
    # and so is a 单人纳保 member's beside a 特困 one.
    household(
        place["village"],
        tier=Tier.DIBAO,
        next_review_due=TODAY - dt.timedelta(days=5),
        members=[{"name": "低保含特困"}, {"personal_status": PersonalStatus.TEKUN}],
    )
    household(
        place["village"],
        next_review_due=TODAY - dt.timedelta(days=5),
        members=[
            {"name": "单人含特困", "personal_status": PersonalStatus.SINGLE_DIBAO},
            {"personal_status": PersonalStatus.TEKUN},
        ],
    )
    assert flags_scan_task.delay().get() == 5  # the nightly scan, over every county
    assert flagged(Rule.DIBAO_REVIEW_DUE) == {
        "今天到期",
        "已逾期",
        "单人逾期",
        "低保含特困",
        "单人含特困",
    }
    overdue = Flag.objects.get(rule=Rule.DIBAO_REVIEW_DUE, household__members__name="已逾期")
    assert overdue.evidence == {"due": "2026-11-10", "overdue_days": 10}
    # The warning's task is the household's review for that date, not a second visit.
    assert overdue.task.kind == Task.Kind.REVIEW
    assert overdue.task.period_start == TODAY - dt.timedelta(days=10)


def family(place, name, income, tier=Tier.NONE):
    _h, people = household(
        place["village"], tier=tier, members=[{"name": name, "income": income}, {}]
    )
    return people  # two members: per-person income is half of ``income``


def test_income_just_above_the_standard_with_heavy_medical_spending(place, bureau):
    """Standard 792 (45% of 1,760), ceiling 1,188 (150%); heavy: 40% of income or more."""
    heavy = family(place, "刚过线", "1800.00")[0]  # 900 a person
    above_ceiling = family(place, "线以上", "2380.00")[0]  # 1,190 a person
    light = family(place, "花得少", "1600.00")[0]  # 800 a person
    below = family(place, "低于标准", "1500.00")[0]  # 750: below the standard
    dibao = family(place, "已低保", "1800.00", tier=Tier.DIBAO)[0]
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
    assert flag.evidence["spending"] == {"medical": "8640.00"}
    assert flag.evidence["recommend"] == "enrol" and flag.evidence["status"] == "expenditure"
    assert Decimal(flag.evidence["after_spending"]) == Decimal("540.00")
    assert "因病、因学、因残" in explain(flag)


def test_a_marginal_household_with_a_single_dibao_member_may_be_expenditure_type(place, bureau):
    """A 单人纳保 member makes the strongest tier 低保, but the household's own status is
    低保边缘: it may still become 支出型. Its income is counted as the calculator does: the
    单人纳保 member and their income are left out (900 over one member, not 450 over two)."""
    _h, (earner, _single) = household(
        place["village"],
        tier=Tier.MARGINAL,
        members=[
            {"name": "边缘单人户", "income": "900.00"},
            {"personal_status": PersonalStatus.SINGLE_DIBAO, "income": "0.00"},
        ],
    )
    assert earner.household.tier == Tier.DIBAO
    bring_in(bureau, Source.MEDICAL, MEDICAL, [[earner.id_number, "某", "", 2026, "8640"]])
    assert flagged(Rule.EXPENDITURE) == {"边缘单人户"}
    flag = Flag.objects.get(rule=Rule.EXPENDITURE)
    assert flag.evidence["income_per_person"] == "900.00"
    assert flag.evidence["recommend"] == "adjust"  # from 低保边缘 to 支出型


def test_schooling_and_rehabilitation_costs_count_as_rigid_spending(place, bureau):
    """900 a person; heavy from 360 a person a month = 8,640 a year for two. Neither file alone
    reaches it; together they do."""
    schooling, child = family(place, "因学因病", "1800.00")
    light = family(place, "只上学", "1800.00")
    care = family(place, "因残", "1800.00")[0]
    bring_in(
        bureau,
        Source.MEDICAL,
        MEDICAL,
        [[schooling.id_number, "因学因病", "", 2026, "4320"]],  # 180 a person a month
    )
    assert not Flag.objects.filter(rule=Rule.EXPENDITURE).exists()
    bring_in(
        bureau,
        Source.EDUCATION,
        EDUCATION,
        [
            [child.id_number, "孩子", "", 2026, "4320"],  # with the medical costs: 360
            [light[1].id_number, "孩子二", "", 2026, "8600"],  # 358.33: short of 360
        ],
    )
    bring_in(
        bureau,
        Source.REHABILITATION,
        REHABILITATION,
        [[care.id_number, "因残", "", 2026, "8640"]],
    )
    marginal = family(place, "边缘因病", "1800.00", tier=Tier.MARGINAL)[0]
    bring_in(bureau, Source.MEDICAL, MEDICAL, [[marginal.id_number, "边缘因病", "", 2026, "8640"]])
    assert flagged(Rule.EXPENDITURE) == {"因学因病", "因残", "边缘因病"}
    # From 低保边缘 to 支出型 is an adjustment; from no status, an enrolment.
    adjust = Flag.objects.get(rule=Rule.EXPENDITURE, household=marginal.household)
    assert (adjust.evidence["recommend"], adjust.evidence["status"]) == ("adjust", "expenditure")
    flag = Flag.objects.get(rule=Rule.EXPENDITURE, household=schooling.household)
    assert flag.evidence["spending"] == {"education": "4320.00", "medical": "4320.00"}
    assert flag.evidence["rigid_per_person"] == "360.00"
    assert "schooling 4,320.00 yuan" in explain(flag)


def test_people_on_the_monitoring_list_without_a_status(place, bureau):
    _h, (in_dibao,) = household(place["village"], tier=Tier.DIBAO, members=[{"name": "已低保"}])
    _h, (no_tier,) = household(place["village"], members=[{"name": "无类别"}])
    _h, (own, beside) = household(
        place["village"],
        members=[{"name": "单人纳保", "personal_status": PersonalStatus.SINGLE_DIBAO},
                 {"name": "同户"}],
    )  # fmt: skip
    bring_in(
        bureau,
        Source.MONITORING,
        MONITORING,
        [
            [in_dibao.id_number, "已低保", "", "2026-05-01", "因病"],
            [no_tier.id_number, "无类别", "", "2026-05-01", "因病"],
            [own.id_number, "单人纳保", "", "2026-05-01", "因病"],
            [beside.id_number, "同户", "", "2026-05-01", "因病"],  # the status is not theirs
            [person_id(), "未登记", place["village"].code, "2026-06-01", ""],
        ],
    )
    assert flagged(Rule.MONITORING) == {"无类别", "同户", "未登记"}


def test_minor_children_of_prisoners_not_yet_protected(place, bureau):
    child = dt.date(2016, 1, 1)
    _h, (protected,) = household(
        place["village"],
        members=[{"name": "已认定", "birth": child, "is_unsupported_child": True}],
    )
    _h, (tekun,) = household(
        place["village"], tier=Tier.TEKUN, members=[{"name": "已特困", "birth": child}]
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
            [tekun.id_number, "已特困", "", "服刑", "2025-01-01"],
            [unprotected.id_number, "未认定", "", "强制隔离戒毒", "2025-03-01"],
            [adult, "已成年", village, "服刑", "2024-01-01"],
            [person_id(dt.date(2012, 4, 1)), "未登记儿童", village, "在押", "2026-02-01"],
        ],
    )
    assert flagged(Rule.CUSTODY_MINOR) == {"未认定", "未登记儿童"}
    assert Flag.objects.get(member=unprotected).evidence["parent"] == "rehab"


# --- 错保 -------------------------------------------------------------------------------------


def test_a_death_of_someone_covered_recommends_an_exit_or_an_adjustment(place, bureau, assistant):
    _h, (tekun,) = household(place["village"], tier=Tier.TEKUN, members=[{"name": "特困故"}])
    _h, (alone,) = household(place["village"], tier=Tier.DIBAO, members=[{"name": "独户故"}])
    _h, (head, _child) = household(
        place["village"], tier=Tier.DIBAO, members=[{"name": "户主故"}, {"name": "子"}]
    )
    _h, (uncovered,) = household(place["village"], members=[{"name": "无保障"}])
    report = bring_in(
        bureau,
        Source.DEATHS,
        DEATHS,
        [
            [tekun.id_number, "特困故", "2026-10-01"],
            [alone.id_number, "独户故", "2026-10-02"],
            [head.id_number, "户主故", "2026-10-03"],
            [uncovered.id_number, "无保障", "2026-10-04"],
            [person_id(), "不在册", "2026-10-05"],
        ],
    )
    # The department's other rows are left out, never stored nor made candidates.
    assert (report.matched, report.not_in_registry, report.candidates_created) == (4, 1, 0)
    assert SourceRecord.objects.count() == 4
    assert flagged(Rule.WRONGLY_COVERED) == {"特困故", "独户故", "户主故"}
    by_name = {f.member.name: f for f in Flag.objects.filter(rule=Rule.WRONGLY_COVERED)}
    assert {name: f.evidence["recommend"] for name, f in by_name.items()} == {
        "特困故": "exit",
        "独户故": "exit",
        "户主故": "adjust",
    }
    tekun_flag = by_name["特困故"]
    assert tekun_flag.evidence["status"] == "tekun"
    assert tekun_flag.evidence["member"] == tekun.pk
    assert tekun_flag.evidence["exit_reason"] == ExitReason.DECEASED
    assert by_name["独户故"].evidence["status"] == "dibao"
    assert "member" not in by_name["独户故"].evidence
    # Each becomes a verification for the village's assistant.
    assert tekun_flag.task.kind == Task.Kind.VERIFY and tekun_flag.task.assignee == assistant
    text = explain(tekun_flag)
    assert "Death registered on 2026-10-01" in text and "车船登记" in text
    assert "only a suggestion" not in text  # a death ends the status by itself


def test_vehicles_business_and_public_payroll_of_covered_households(place, bureau):
    _h, (car,) = household(place["village"], tier=Tier.MARGINAL, members=[{"name": "有车"}])
    _h, (no_status,) = household(place["village"], members=[{"name": "无保障有车"}])
    _h, (shop,) = household(place["village"], tier=Tier.DIBAO, members=[{"name": "开店"}])
    _h, (_tekun, clerk) = household(
        place["village"],
        members=[{"name": "特困者", "personal_status": PersonalStatus.TEKUN}, {"name": "公职"}],
    )
    bring_in(
        bureau,
        Source.VEHICLES,
        VEHICLES,
        [
            [car.id_number, "有车", "云P12345", "小型轿车", "2025-04-10"],
            [car.id_number, "有车", "云P54321", "摩托车", "2025-05-10"],  # a second vehicle
            [no_status.id_number, "无保障有车", "云P00001", "小型轿车", "2025-04-10"],
        ],
    )
    bring_in(
        bureau, Source.BUSINESS, BUSINESS, [[shop.id_number, "开店", "某某商店", "2023-02-01"]]
    )
    bring_in(bureau, Source.PUBLIC_PAYROLL, PAYROLL, [[clerk.id_number, "公职", "某某中学",
                                                       "2024-09-01"]])  # fmt: skip
    flags = Flag.objects.filter(rule=Rule.WRONGLY_COVERED)
    assert sorted(f.member.name for f in flags) == ["公职", "开店", "有车", "有车"]
    vehicle = flags.filter(member=car).first()
    assert vehicle.evidence["recommend"] == "exit"
    assert vehicle.evidence["exit_reason"] == ExitReason.ASSETS_ABOVE
    assert vehicle.evidence["status"] == "marginal"
    business = flags.get(member=shop)
    assert (business.evidence["exit_reason"], business.evidence["status"]) == (
        ExitReason.INCOME_ABOVE,
        "dibao",
    )
    # Someone else's 特困 in the household: their status is to be adjusted, not this person's.
    payroll = flags.get(member=clerk)
    assert (payroll.evidence["recommend"], payroll.evidence["status"]) == ("adjust", "tekun")
    assert "member" not in payroll.evidence
    # 001 lists these files as data for checking: the outcome is a suggestion to verify.
    for flag in (vehicle, business, payroll):
        text = explain(flag)
        assert "not a ground for exit by itself" in text and "only a suggestion" in text
        assert "车船登记" in text
        assert flag.task.kind == Task.Kind.VERIFY


def test_a_second_property_of_a_covered_household_is_a_warning_a_home_is_not(place, bureau):
    _h, (one_home,) = household(place["village"], tier=Tier.DIBAO, members=[{"name": "一套"}])
    _h, (owner, spouse) = household(
        place["village"], tier=Tier.DIBAO, members=[{"name": "两套"}, {"name": "配偶"}]
    )
    bring_in(
        bureau,
        Source.PROPERTY,
        PROPERTY,
        [
            [one_home.id_number, "一套", "云(2020)0001号", "住宅", "2020-01-01"],
            [owner.id_number, "两套", "云(2020)0002号", "住宅", "2020-01-01"],
            [spouse.id_number, "配偶", "云(2024)0003号", "商铺", "2024-01-01"],
        ],
    )
    assert flagged(Rule.WRONGLY_COVERED) == {"两套", "配偶"}
    flag = Flag.objects.get(member=spouse)
    assert flag.evidence["properties"] == 2
    assert "2 properties registered to the household" in explain(flag)


# --- every rule -------------------------------------------------------------------------------


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


def test_every_rule_has_a_default_weight_and_names_its_document(db):
    from bangfu.discovery.explain import RULE_BASIS
    from bangfu.discovery.rules import RULES

    weights = PolicyValue.objects.get(key="discovery_rule_weights", region=None).value
    assert set(weights) == {rule.value for rule in RULES}
    assert set(RULE_BASIS) == set(RULES)


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
