"""Warnings in words: which rule fired, and on which data, as a sentence an assistant reads."""

from django.utils.translation import gettext as _

from bangfu.core.templatetags.money import yuan
from bangfu.discovery.models import Flag, Rule
from bangfu.registry.identity import Source
from bangfu.registry.models import Member, Tier


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value))


def explain(flag: Flag) -> str:
    try:
        return _explain(flag.rule, flag.evidence)
    except (KeyError, TypeError, ArithmeticError):
        # Evidence written by an older version of a rule: say so rather than fail the page.
        return _("The data behind this warning are no longer readable.")


def _explain(rule: str, data: dict) -> str:
    if rule == Rule.MEDICAL:
        return _(
            "Out-of-pocket medical spending of %(spent)s yuan in %(year)s, above the threshold "
            "of %(threshold)s yuan (healthcare security bureau)."
        ) % {
            "spent": yuan(data["out_of_pocket"]),
            "year": data["year"],
            "threshold": yuan(data["threshold"]),
        }
    if rule == Rule.SEVERE_DISABILITY:
        tier = data.get("tier")
        return _(
            "Disability certificate issued on %(date)s: %(kind)s, grade %(grade)s (severe). "
            "Household tier: %(tier)s (disabled persons' federation)."
        ) % {
            "date": data["registered_on"],
            "kind": _choice(Member.Disability.choices, data["disability"]),
            "grade": data["grade"],
            "tier": _choice(Tier.choices, tier) if tier else _("not in the registry"),
        }
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
        return _(
            "Income of %(income)s yuan per person a month, between the dibao standard of "
            "%(standard)s and %(ceiling)s; after %(rigid)s yuan of medical spending per person a "
            "month (%(year)s) only %(after)s yuan remain."
        ) % {
            "income": yuan(data["income_per_person"]),
            "standard": yuan(data["standard"]),
            "ceiling": yuan(data["ceiling"]),
            "rigid": yuan(data["rigid_per_person"]),
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
