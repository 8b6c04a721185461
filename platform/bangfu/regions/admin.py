from django.contrib import admin

from bangfu.regions.models import PolicyValue, Region, RegionChange


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "level", "parent", "retired_on"]
    list_filter = ["level", "retired_on"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]


@admin.register(RegionChange)
class RegionChangeAdmin(admin.ModelAdmin):
    """The record ``load_regions`` keeps: read here, written only by loading a file."""

    list_display = ["date", "kind", "region", "old_name", "new_name", "successor", "source"]
    list_filter = ["kind"]
    search_fields = ["region__code", "region__name", "old_name", "new_name"]
    list_select_related = ["region", "successor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PolicyValue)
class PolicyValueAdmin(admin.ModelAdmin):
    list_display = ["key", "region", "year", "value", "source"]
    list_filter = ["key", "year"]
    search_fields = ["key", "region__name", "region__code"]
    autocomplete_fields = ["region"]
