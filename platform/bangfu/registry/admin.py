"""Only configuration lives in the admin. Households, members and needs are personal data and
are handled in the staff interface, where every read is scoped and audited."""

from django.contrib import admin

from bangfu.registry.models import ServiceCategory


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "kind", "parent", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_en"]
