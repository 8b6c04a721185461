from django.contrib import admin

from bangfu.providers.models import Station, Volunteer
from bangfu.providers.services import station_default_service_area


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["organisation", "capacity", "quality_rating", "rated_outcomes", "is_accepting"]
    list_filter = ["is_accepting"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation", "service_area"]
    filter_horizontal = ["categories"]
    readonly_fields = ["rated_outcomes"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not form.instance.service_area.exists():
            station_default_service_area(station=form.instance)


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "home_region", "travel_radius_km", "capacity"]
    list_filter = ["is_available", "serves_gender"]
    search_fields = ["user__username", "user__display_name"]
    autocomplete_fields = ["user", "organisation", "home_region"]
    filter_horizontal = ["categories"]
    readonly_fields = ["rated_outcomes"]
