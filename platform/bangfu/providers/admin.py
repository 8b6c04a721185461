"""Stations and volunteers for the platform's administrators.

A station or volunteer added here gets its ``Provider`` row through the same services the staff
pages use, so the provider's name and home region always follow the kind's own row.
"""

from django.contrib import admin

from bangfu.providers.models import Station, Volunteer
from bangfu.providers.services import provider_sync, station_default_service_area


class ProviderRowAdmin(admin.ModelAdmin):
    exclude = ["provider"]

    def save_model(self, request, obj, form, change):
        provider_sync(profile=obj)


@admin.register(Station)
class StationAdmin(ProviderRowAdmin):
    list_display = ["organisation", "capacity"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation", "service_area"]
    filter_horizontal = ["categories"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not form.instance.service_area.exists():
            station_default_service_area(station=form.instance)


@admin.register(Volunteer)
class VolunteerAdmin(ProviderRowAdmin):
    list_display = ["user", "organisation", "home_region", "travel_radius_km", "capacity"]
    list_filter = ["serves_gender"]
    search_fields = ["user__username", "user__display_name"]
    autocomplete_fields = ["user", "organisation", "home_region"]
    filter_horizontal = ["categories"]
