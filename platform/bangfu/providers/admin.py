from django.contrib import admin

from bangfu.providers.models import Station, Volunteer


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["organisation", "capacity", "quality_rating", "is_accepting"]
    list_filter = ["is_accepting"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation", "service_area"]
    filter_horizontal = ["categories"]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "home_region", "travel_radius_km", "capacity"]
    list_filter = ["is_available", "serves_gender"]
    search_fields = ["user__username", "user__display_name"]
    autocomplete_fields = ["user", "organisation", "home_region"]
    filter_horizontal = ["categories"]
