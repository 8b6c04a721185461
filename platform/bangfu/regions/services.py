"""The one way staff change policy values: set a region's own value for a year, or remove it so
the region inherits again. Both are audited by django-auditlog (``RegionsConfig.ready``)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bangfu.core.errors import Refused
from bangfu.regions.models import PolicyValue, Region
from bangfu.regions.policy import ParameterError, as_json, coerce, may_change


def _require_manager(by, region: Region) -> None:
    if not may_change(by, region):
        raise PermissionDenied(_("Only a bureau manager of the region sets its policy."))


@transaction.atomic
def policy_value_set(*, region: Region, year: int, key: str, value, source: str, by) -> PolicyValue:
    """Set ``region``'s own value of ``key`` from ``year`` on. ``value`` is checked against the
    parameter (range, choices, the names of weights); a refusal names the field at fault:
    ``value``, or the weight's name."""
    _require_manager(by, region)
    if not source.strip():
        raise ValidationError({"source": _("Name the document or the reason for this value.")})
    try:
        typed = coerce(key, value)
    except ParameterError as error:
        raise ValidationError({error.name or "value": str(error)}) from error
    row, _created = PolicyValue.objects.update_or_create(
        key=key,
        region=region,
        year=year,
        defaults={"value": as_json(typed), "source": source.strip()},
    )
    return row


@transaction.atomic
def policy_value_revert(*, region: Region, year: int, key: str, by) -> None:
    """Remove ``region``'s own value of ``key`` for ``year``: what is above it (or its own value
    of an earlier year) is in force again."""
    _require_manager(by, region)
    row = PolicyValue.objects.filter(key=key, region=region, year=year).first()
    if row is None:
        raise Refused(_("This region has no value of its own for this year to revert."))
    row.delete()
