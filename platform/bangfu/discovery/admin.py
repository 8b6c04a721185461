"""Only the audit trail of cross-check imports is in the admin, read-only. Warnings, tasks and
candidate persons are personal data: they live in the staff interface, scoped and audited."""

from django.contrib import admin

from bangfu.core.admin import ReadOnlyAdminMixin
from bangfu.discovery.models import CrossCheckImport


@admin.register(CrossCheckImport)
class CrossCheckImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "imported_at",
        "source",
        "region",
        "as_of",
        "imported_by",
        "file_name",
        "ok",
        "rows",
        "matched",
        "candidates_created",
        "flags_created",
        "error_count",
    ]
    list_filter = ["ok", "source"]
    search_fields = ["file_name", "file_sha256", "imported_by__username"]
    date_hierarchy = "imported_at"
    list_select_related = ["imported_by", "region"]
