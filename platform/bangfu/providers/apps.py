from operator import attrgetter

from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "bangfu.providers"
    verbose_name = _("Service providers")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from bangfu.accounts.models import Membership
        from bangfu.core import public_cache
        from bangfu.providers import models
        from bangfu.providers.kinds import ProviderKind, register
        from bangfu.providers.times import case_limit

        # Stations and volunteers hold up to ``capacity`` open cases at once, one capacity slot
        # each. Where they serve is the engine's concern (service area, travel radius): the
        # desk may refer outside it, as it always could.
        capacity = attrgetter("capacity")
        register(
            ProviderKind(
                code="station",
                holds_slots=True,
                profile=attrgetter("station"),
                capacity=capacity,
                acted_for=lambda scope: (
                    scope.station_organisation_ids
                    and Q(station__organisation__in=scope.station_organisation_ids)
                ),
                answered_by=lambda pk: Q(
                    memberships__role=Membership.Role.STATION_STAFF,
                    memberships__organisation__station__provider=pk,
                    memberships__is_active=True,
                ),
            )
        )
        register(
            ProviderKind(
                code="volunteer",
                holds_slots=True,
                profile=attrgetter("volunteer"),
                # No more open cases than the volunteer's weekly hours allow.
                capacity=lambda volunteer: case_limit(
                    capacity=volunteer.capacity, weekly_hours=volunteer.weekly_hours
                ),
                acted_for=lambda scope: (
                    scope.volunteer_user_id is not None
                    and Q(volunteer__user=scope.volunteer_user_id)
                ),
                answered_by=lambda pk: Q(volunteer__provider=pk),
            )
        )
        # Changes to the directory are audited; a volunteer's home coordinates are masked.
        auditlog.register(models.Provider)
        auditlog.register(models.Station, m2m_fields={"categories", "service_area"})
        auditlog.register(
            models.Volunteer, m2m_fields={"categories"}, mask_fields=["latitude", "longitude"]
        )
        # Stations, their services and status are the public directory's.
        public_cache.watch(models.Provider, models.Station)
