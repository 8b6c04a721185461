"""The only code that writes the processing record and the retention schedule (the schedule's
runs are ``retention``'s). Each change is audited by auditlog (registered in ``apps``)."""

from django.db import transaction
from django.utils.translation import gettext as _

from bangfu.privacy import access
from bangfu.privacy.models import ProcessingActivity, RetentionRule
from bangfu.regions.models import Region


@transaction.atomic
def activity_save(*, form, by) -> ProcessingActivity:
    """Save a processing activity from its validated form."""
    access.require(
        access.keeps_record(by),
        _("The security administrator keeps the record of processing activities."),
    )
    return form.save()


def county_rule_for(*, category: str, county: Region) -> RetentionRule:
    """The county's own rule of ``category``, or an unsaved one starting from the platform's
    period (saved by ``rule_save`` only)."""
    rule = RetentionRule.objects.filter(category=category, region=county).first()
    if rule is not None:
        return rule
    default = RetentionRule.objects.filter(category=category, region=None).first()
    return RetentionRule(
        category=category,
        region=county,
        period=default.period if default else 1,
        is_active=default.is_active if default else True,
    )


@transaction.atomic
def rule_save(*, form, by) -> RetentionRule:
    """Save a retention period from its validated form, as ``by``."""
    rule = form.instance
    access.require(
        access.may_edit_rule(by, rule),
        _("The security administrator or the county's manager sets this period."),
    )
    rule = form.save(commit=False)
    rule.updated_by = by
    rule.save()
    return rule
