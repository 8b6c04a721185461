"""The procured project as a kind of provider, registered with ``bangfu.providers.kinds`` in
``ProcurementConfig.ready``: the referrals app reaches a project only through these hooks.

A project holds no capacity slots: it serves a quota of households (its target) while it is
under way, in its service area (its buying region when it names none), with the services its
lines buy. A household counts against the quota once it received a delivery of the project.
"""

from django.db.models import Q, QuerySet
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership
from bangfu.procurement.models import DeliveryRecord, Project
from bangfu.procurement.services import record_service
from bangfu.providers.kinds import ProviderKind, ProviderUnavailable
from bangfu.providers.models import Provider
from bangfu.registry.models import Need, ServiceCategory


def project_of(provider: Provider) -> Project:
    return provider.project


def check_serves(project: Project, need: Need) -> None:
    """Refuse a need from outside the project's service area, or of a service no line buys."""
    village = need.household.region
    if not any(village.is_within(area) for area in project.service_area.all() or [project.region]):
        raise ProviderUnavailable(_("The household lies outside the project's service area."))
    if project.line_for(need.category) is None:
        raise ProviderUnavailable(
            _("%(project)s does not buy %(service)s.")
            % {"project": project, "service": need.category}
        )


def served_households(provider_pks: list[int]) -> dict[int, set[int]]:
    """Provider pk -> households the project's deliveries reached, in one query."""
    found: dict[int, set[int]] = {}
    rows = (
        DeliveryRecord.objects.filter(project__provider__in=provider_pks, household__isnull=False)
        .values_list("project__provider", "household")
        .distinct()
    )
    for provider, household in rows:
        found.setdefault(provider, set()).add(household)
    return found


def session_categories(project: Project) -> QuerySet:
    """The services a session may be logged under: those a line buys, with their children (a
    session of 助餐 counts against the line of 照料护理)."""
    bought = project.lines.values("item__category")
    return ServiceCategory.objects.filter(Q(pk__in=bought) | Q(parent__in=bought)).values_list(
        "pk", flat=True
    )


def describe_records(delivery_pks: list[int]) -> dict[int, str]:
    """Delivery pk -> what it counted, e.g. "1.50 hour · 居家照料护理"."""
    records = DeliveryRecord.objects.filter(pk__in=delivery_pks).select_related("line__item")
    return {
        record.pk: f"{floatformat(record.quantity, '-2')} {record.line.item.get_unit_display()}"
        f" · {record.line.item.name}"
        for record in records
    }


PROJECT_KIND = ProviderKind(
    code=Provider.Kind.PROJECT,
    holds_slots=False,
    profile=project_of,
    capacity=lambda project: project.capacity,
    is_accepting=lambda project, on: project.is_accepting_on(on),
    check_serves=check_serves,
    served_households=served_households,
    record_service=record_service,
    session_categories=session_categories,
    describe_records=describe_records,
    acted_for=lambda scope: (
        scope.agency_organisation_ids and Q(project__agency__in=scope.agency_organisation_ids)
    ),
    answered_by=lambda pk: Q(
        memberships__role=Membership.Role.AGENCY_STAFF,
        memberships__organisation__procurement_projects__provider=pk,
        memberships__is_active=True,
    ),
)
