"""Warnings in words: which rule fired, and on which data, as a sentence an assistant reads,
followed by the document and the sentence the rule implements (``RULE_BASIS``)."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.core.masking import mask_name
from bangfu.core.templatetags.money import yuan
from bangfu.discovery.models import CandidatePerson, Flag, Rule, Task
from bangfu.discovery.models import Source as FileSource
from bangfu.registry.identity import Source
from bangfu.registry.models import Coverage, ExitReason, Member, Tier
from bangfu.registry.selectors import members_and_heads

# The source documents (``seeds/``), as staff cite them.
FUJIAN_2021 = gettext_lazy("Fujian civil affairs department, 2021 review (000)")
ANSHAN_2021 = gettext_lazy("Anshan civil affairs bureau, reply on social assistance (001)")
QUANZHOU_2022 = gettext_lazy("Quanzhou, 漏保漏救 remediation plan 2022 (002)")
YUANJIANG_2021 = gettext_lazy("Yuanjiang county, social assistance reform task list (003)")
# Each rule: the document and the sentence it implements.
RULE_BASIS = {
    Rule.MEDICAL: (QUANZHOU_2022, "2021年度个人自付医疗费用超过4万元以上对象…督促摸排核实"),
    Rule.SEVERE_DISABILITY: (
        YUANJIANG_2021,
        "全面排查低收入家庭中持有中华人民共和国残疾人证的一级、二级重度残疾人，三级智力残疾人和"
        "精神残疾人…参照单人户纳入最低生活保障范围",
    ),
    Rule.SINGLE_DIBAO_CANDIDATE: (
        FUJIAN_2021,
        "低保边缘家庭中的重病患者、失能失智老年人实施单人纳保",
    ),
    Rule.TEKUN_MINOR_DROPPED: (
        YUANJIANG_2021,
        "重点核查是否有年满16周岁退出特困救助供养的未成年人，严格落实特困救助供养覆盖的未成年人"
        "年龄从16周岁延长至18周岁的规定",
    ),
    Rule.DIBAO_REVIEW_DUE: (
        YUANJIANG_2021,
        "对特困人员和低保对象中的重残人员、重病患者、老年人等特殊困难人员家庭每年核查一次；"
        "对收入来源不固定、家庭成员有劳动能力的低保家庭，每半年核查一次",
    ),
    Rule.EXPENDITURE: (
        ANSHAN_2021,
        "开展支出型贫困救助，最大限度减缓因病、因学、因残致贫返贫等现象",
    ),
    Rule.MONITORING: (QUANZHOU_2022, "脱贫不稳定人口和边缘易致贫人口及其他疑似困难群众"),
    Rule.CUSTODY_MINOR: (YUANJIANG_2021, "加强事实无人抚养儿童等困境儿童保障"),
    Rule.WRONGLY_COVERED: (
        ANSHAN_2021,
        "相关部门、金融机构加快提供社会救助家庭及其家庭相关成员的户籍、纳税记录、社会保险缴纳、"
        "不动产登记、市场主体登记、住房公积金缴纳、车船登记…等信息",
    ),
}
# The single-person enrolment of 003 also names the seriously ill (重病患者).
SINGLE_DIBAO_ALSO = (
    YUANJIANG_2021,
    "全面排查低收入家庭中…三级智力残疾人和精神残疾人以及重病患者，参照单人户纳入最低生活保障范围",
)


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value))


def explain(flag: Flag) -> str:
    try:
        text = _explain(flag.rule, flag.evidence)
    except (KeyError, TypeError, ArithmeticError):
        # Evidence written by an older version of a rule: say so rather than fail the page.
        return _("The data behind this warning are no longer readable.")
    basis = basis_of(flag.rule)
    return f"{text} {basis}" if basis else text


def basis_of(rule: str) -> str:
    """The document and sentence a rule implements, as staff read it."""
    sources = [RULE_BASIS[rule]] if rule in RULE_BASIS else []
    if rule == Rule.SINGLE_DIBAO_CANDIDATE:
        sources.append(SINGLE_DIBAO_ALSO)
    return " ".join(
        _("(%(document)s: 「%(sentence)s」)") % {"document": document, "sentence": sentence}
        for document, sentence in sources
    )


def _status(value: str) -> str:
    return _choice(Coverage.choices, value) if value else _("no status")


HINTS = {
    "reassistance": gettext_lazy(
        "Already on %(status)s: check whether medical re-assistance (医疗再救助) or temporary "
        "assistance (临时救助) is needed."
    ),
    "expenditure": gettext_lazy(
        "Check for expenditure hardship (支出型) or temporary assistance (临时救助)."
    ),
}
GROUNDS = {
    "serious_illness": gettext_lazy("seriously ill (重病)"),
    "dependent_elderly": gettext_lazy("60 or over and needs care (失能失智)"),
    "severe_disability": gettext_lazy("severely disabled"),
}
SPENDING = {
    "medical": gettext_lazy("medical"),
    "education": gettext_lazy("schooling"),
    "rehabilitation": gettext_lazy("rehabilitation and care"),
}
RECOMMEND = {
    "exit": gettext_lazy("Verify and, if confirmed, recommend ending %(status)s (%(reason)s)."),
    "adjust": gettext_lazy(
        "Verify and, if confirmed, recommend adjusting %(status)s (%(reason)s)."
    ),
}
# 001 lists these files as data to check a household against, not as grounds for an exit:
# 「相关部门、金融机构加快提供社会救助家庭及其家庭相关成员的…不动产登记、市场主体登记、…车船登记
# …等信息」. A death ends a status by itself; for the others the outcome is only a suggestion.
SUGGEST = {
    "exit": gettext_lazy(
        "This is data for checking, not a ground for exit by itself (001: "
        "「相关部门、金融机构加快提供社会救助家庭及其家庭相关成员的…不动产登记、市场主体登记、"
        "…车船登记…等信息」): the assistant verifies the household's income and assets; ending "
        "%(status)s (%(reason)s) is only a suggestion."
    ),
    "adjust": gettext_lazy(
        "This is data for checking, not a ground for exit by itself (001: "
        "「相关部门、金融机构加快提供社会救助家庭及其家庭相关成员的…不动产登记、市场主体登记、"
        "…车船登记…等信息」): the assistant verifies the household's income and assets; "
        "adjusting %(status)s (%(reason)s) is only a suggestion."
    ),
}


def _wrongly_covered(data: dict) -> str:
    record = data["data"]
    source = data["source"]
    if source == FileSource.DEATHS:
        found = _("Death registered on %(date)s.") % {"date": record["died_on"]}
    elif source == FileSource.VEHICLES:
        found = _("Vehicle %(plate)s (%(type)s) registered on %(date)s.") % {
            "plate": record["plate"],
            "type": record["vehicle_type"],
            "date": record["registered_on"],
        }
    elif source == FileSource.PROPERTY:
        found = _(
            "%(count)s properties registered to the household, e.g. %(use)s since %(date)s."
        ) % {
            "count": data["properties"],
            "use": record["use"],
            "date": record["registered_on"],
        }
    elif source == FileSource.BUSINESS:
        found = _("Registered with the business %(name)s since %(date)s.") % {
            "name": record["business_name"],
            "date": record["registered_on"],
        }
    else:
        found = _("Paid from public funds by %(employer)s since %(date)s.") % {
            "employer": record["employer"],
            "date": record["since"],
        }
    outcome = RECOMMEND if source == FileSource.DEATHS else SUGGEST
    return f"{found} " + str(outcome[data["recommend"]]) % {
        "status": _status(data["status"]),
        "reason": _choice(ExitReason.choices, data["exit_reason"]),
    }


def _explain(rule: str, data: dict) -> str:
    if rule == Rule.MEDICAL:
        text = _(
            "Out-of-pocket medical spending of %(spent)s yuan in %(year)s, above the threshold "
            "of %(threshold)s yuan (healthcare security bureau)."
        ) % {
            "spent": yuan(data["out_of_pocket"]),
            "year": data["year"],
            "threshold": yuan(data["threshold"]),
        }
        hint = data.get("hint")
        if hint in HINTS:
            text += " " + str(HINTS[hint]) % {"status": _status(data.get("status", ""))}
        return text
    if rule == Rule.SINGLE_DIBAO_CANDIDATE:
        return _(
            "%(grounds)s, without a status of their own, in a household with %(tier)s and "
            "%(income)s yuan per person a month (the 低保边缘 ceiling is %(ceiling)s): a "
            "candidate for single-person dibao (单人纳保)."
        ) % {
            "grounds": ", ".join(str(GROUNDS[g]) for g in data["grounds"]).capitalize(),
            "tier": _status(data["household_tier"] if data["household_tier"] != "none" else ""),
            "income": yuan(data["income_per_person"]),
            "ceiling": yuan(data["ceiling"]),
        }
    if rule == Rule.WRONGLY_COVERED:
        return _wrongly_covered(data)
    if rule == Rule.SEVERE_DISABILITY:
        tier = data.get("tier")
        text = _(
            "Disability certificate issued on %(date)s: %(kind)s, grade %(grade)s (severe). "
            "Household tier: %(tier)s (disabled persons' federation)."
        ) % {
            "date": data["registered_on"],
            "kind": _choice(Member.Disability.choices, data["disability"]),
            "grade": data["grade"],
            "tier": _choice(Tier.choices, tier) if tier else _("not in the registry"),
        }
        if data.get("status") == Coverage.SINGLE_DIBAO:
            text += " " + _("A candidate for single-person dibao (单人纳保).")
        return text
    if rule == Rule.TEKUN_MINOR_DROPPED and "exited_on" in data:
        return _(
            "Left destitute support (特困) on %(date)s aged %(age)s (decision %(reference)s): "
            "minors are supported until 18."
        ) % {"date": data["exited_on"], "age": data["age"], "reference": data["reference"] or "—"}
    if rule == Rule.TEKUN_MINOR_DROPPED:
        return _(
            "On the destitute list of %(previous)s, missing from the list of %(current)s, aged "
            "%(age)s: minors are supported until 18."
        ) % {"previous": data["previous_list"], "current": data["current_list"], "age": data["age"]}
    if rule == Rule.DIBAO_REVIEW_DUE:
        if data["overdue_days"]:
            return _("The review was due on %(due)s, %(days)s days ago, and has not been done.") % {
                "due": data["due"],
                "days": data["overdue_days"],
            }
        return _("The review is due today (%(due)s) and has not been done.") % {"due": data["due"]}
    if rule == Rule.EXPENDITURE:
        spending = data.get("spending") or {"medical": None}
        return _(
            "Income of %(income)s yuan per person a month, between the dibao standard of "
            "%(standard)s and %(ceiling)s; after %(rigid)s yuan of rigid spending per person a "
            "month (%(year)s: %(kinds)s) only %(after)s yuan remain."
        ) % {
            "income": yuan(data["income_per_person"]),
            "standard": yuan(data["standard"]),
            "ceiling": yuan(data["ceiling"]),
            "rigid": yuan(data["rigid_per_person"]),
            "kinds": ", ".join(
                _("%(kind)s %(amount)s yuan") % {"kind": SPENDING[kind], "amount": yuan(amount)}
                if amount
                else str(SPENDING[kind])
                for kind, amount in spending.items()
            ),
            "year": data["year"],
            "after": yuan(data["after_spending"]),
        }
    if rule == Rule.MONITORING:
        risk = data.get("risk") or _("risk not stated")
        return _(
            "On the poverty-monitoring list since %(date)s (%(risk)s), covered by no tier."
        ) % {"date": data["identified_on"], "risk": risk}
    if rule == Rule.CUSTODY_MINOR:
        parent = {
            "prison": _("in prison"),
            "rehab": _("in compulsory drug rehabilitation"),
        }.get(data["parent"], data["parent"])
        return _(
            "Aged %(age)s; a parent is %(situation)s since %(since)s, and the child is not "
            "recorded as unsupported (justice bureau)."
        ) % {"age": data["age"], "situation": parent, "since": data["since"]}
    if rule == Rule.DUPLICATE_REGISTRATION:
        return _(
            "%(by)s tried to register this person in household %(attempt)s (%(attempt_village)s) "
            "through %(source)s; they are registered in household %(registered)s "
            "(%(village)s). Check that they are not assisted in both."
        ) % {
            "by": data["by"],
            "attempt": data["attempt"] or "—",
            "attempt_village": data["attempt_village"] or "—",
            "source": _choice(Source.choices, data["source"]),
            "registered": data["registered"],
            "village": data["registered_village"],
        }
    if rule == Rule.IDENTITY_PROBING:
        return _(
            "%(count)s ID or registry numbers held outside their area were refused to %(by)s "
            "on %(day)s (the alert threshold is %(threshold)s a day): someone may be probing "
            "other areas' registries."
        ) % {
            "count": data["refusals"],
            "by": data["by"],
            "day": data["day"],
            "threshold": data["threshold"],
        }
    return ""


def subject_name(flag_or_task, *, reveal: bool) -> str:
    """The person the warning or task is about (the household's head for household rules; the
    user for a probing alert)."""
    user = getattr(flag_or_task, "flagged_user", None)
    if user is not None:
        return str(user)
    person = getattr(flag_or_task, "member", None) or flag_or_task.candidate
    if person is None and flag_or_task.household is not None:
        person = flag_or_task.household.head
    if person is None:
        return ""
    return person.name if reveal else person.masked_name


def word_flags(flags) -> None:
    """What the warning list says of each warning, worked out once for the page: its subject
    (``name_subjects``), its rule's name, its explanation and its task's state. The labels come
    from one dictionary a page: ``get_rule_display`` translates every label of the field's
    choices on each call, 0.1 ms a row."""
    flags = list(flags)
    name_subjects(flags)
    rules = dict(Rule.choices)
    outcomes, statuses = dict(Task.Outcome.choices), dict(Task.Status.choices)
    for flag in flags:
        flag.rule_label = rules.get(flag.rule, flag.rule)
        flag.explanation = explain(flag)
        if task := flag.task:
            task.state_label = (
                outcomes.get(task.outcome, task.outcome)
                if task.outcome
                else statuses.get(task.status, task.status)
            )


def name_subjects(rows) -> None:
    """Each warning or task of a list page gets its ``subject``, masked, as ``subject_name``
    names it. The names are read as bare values, in one query for the page's members and
    households' heads and one for its candidates (and users, for probing alerts): building
    the model rows of a household's members costs more than reading their names."""
    rows = list(rows)
    user_ids = _ids(rows, "flagged_user")
    users = get_user_model().objects.in_bulk(user_ids) if user_ids else {}
    people = [row for row in rows if not getattr(row, "flagged_user_id", None)]
    member_ids = _ids(people, "member")
    unregistered = [row for row in people if not getattr(row, "member_id", None)]
    loaded = {
        row.candidate_id: row.candidate.name
        for row in unregistered
        if row.candidate_id and type(row).candidate.is_cached(row)
    }
    candidate_ids = _ids(unregistered, "candidate") - loaded.keys()
    candidates = loaded | dict(
        CandidatePerson.objects.filter(pk__in=candidate_ids).order_by().values_list("pk", "name")
        if candidate_ids
        else ()
    )
    household_ids = _ids([row for row in unregistered if not row.candidate_id], "household")
    members, heads = members_and_heads(member_ids, household_ids)
    for row in rows:
        if user_id := getattr(row, "flagged_user_id", None):
            row.subject = str(users[user_id])
            continue
        if member_id := getattr(row, "member_id", None):
            name = members[member_id]["name"]
        elif row.candidate_id:
            name = candidates[row.candidate_id]
        else:
            head = heads.get(row.household_id)
            name = head["name"] if head else None
        row.subject = "" if name is None else mask_name(name)


def _ids(rows, field: str) -> set[int]:
    return {getattr(row, f"{field}_id", None) for row in rows} - {None}
