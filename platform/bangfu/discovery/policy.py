"""Finding people's policy parameters: how warnings are weighed and when work falls due."""

from django.utils.translation import gettext_lazy as _

from bangfu.discovery.rules import RULES
from bangfu.regions.policy import Parameter, register_parameters

PARAMETERS = {
    "discovery_rule_weights": Parameter(
        _("Finding people: rule weights (order of warnings, 0 switches a rule off)"),
        "weights",
        # One weight for each rule a scan runs, and no other.
        names=tuple(rule.value for rule in RULES),
        name_labels={rule.value: rule.label for rule in RULES},
    ),
    "discovery_new_disability_days": Parameter(
        _(
            "Finding people: days a disability certificate counts as new (the first file of a "
            "region is swept whole)"
        ),
        "days",
    ),
    "discovery_property_limit": Parameter(
        _("Finding people (错保): properties a covered household may hold without a warning"),
        "count",
    ),
    "discovery_expenditure_band_pct": Parameter(
        _("Finding people: income up to this % above the dibao standard is just above it"),
        "percent",
    ),
    "discovery_rigid_spending_pct": Parameter(
        # xgettext:no-python-format
        _("Finding people: rigid spending of at least this % of income is heavy"),
        "percent",
        maximum=100,
    ),
    "discovery_review_notice_days": Parameter(
        _("Finding people: days before a review falls due to schedule it"), "days"
    ),
    "discovery_verification_days": Parameter(
        _("Finding people: days an assistant has to verify a warning"), "days"
    ),
}
register_parameters(PARAMETERS)
