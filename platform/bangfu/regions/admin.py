from django.contrib import admin

from bangfu.regions.models import PolicyValue, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]


@admin.register(PolicyValue)
class PolicyValueAdmin(admin.ModelAdmin):
    list_display = ["key", "region", "year", "value", "source"]
    list_filter = ["key", "year"]
    search_fields = ["key", "region__name", "region__code"]
    autocomplete_fields = ["region"]
