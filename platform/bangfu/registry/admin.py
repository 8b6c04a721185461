"""Only configuration lives in the admin. Households, members and needs are personal data and
are handled in the staff interface, where every read is scoped and audited."""

from django.contrib import admin

from bangfu.core.admin import ReadOnlyAdminMixin
from bangfu.registry.models import LedgerImport, ServiceCategory


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "kind", "parent", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_en"]


@admin.register(LedgerImport)
class LedgerImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail of ledger imports: read-only, written only by the import itself."""

    list_display = [
        "imported_at",
        "imported_by",
        "file_name",
        "ok",
        "rows",
        "households_created",
        "members_created",
        "error_count",
    ]
    list_filter = ["ok"]
    search_fields = ["file_name", "file_sha256", "imported_by__username"]
    date_hierarchy = "imported_at"
    list_select_related = ["imported_by"]
