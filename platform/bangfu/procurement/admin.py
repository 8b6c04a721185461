"""Configuration only: the catalogue, evaluation schemes, agencies' registrations to serve other
regions, and a read-only view of the money.

Funds, projects and the ledger change through the staff pages, whose services hold the cap lock;
the admin shows them but cannot edit them.
"""

from django.contrib import admin

from bangfu.core.admin import ReadOnlyAdminMixin
from bangfu.procurement.models import (
    AgencyRegistration,
    CatalogueItem,
    EvaluationCriterion,
    EvaluationScheme,
    Fund,
    LedgerEntry,
    ProcurementCap,
    Project,
)


@admin.register(CatalogueItem)
class CatalogueItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "unit", "reference_unit_price", "is_active"]
    list_filter = ["category__kind", "unit", "is_active"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["category"]


@admin.register(AgencyRegistration)
class AgencyRegistrationAdmin(admin.ModelAdmin):
    list_display = ["agency", "agency__region", "region", "registered_on", "reference"]
    search_fields = ["agency__name", "region__name", "reference"]
    autocomplete_fields = ["agency", "region"]


class EvaluationCriterionInline(admin.TabularInline):
    model = EvaluationCriterion
    extra = 0


@admin.register(EvaluationScheme)
class EvaluationSchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "year", "form_share_pct", "excellent_min", "pass_min"]
    autocomplete_fields = ["region"]
    inlines = [EvaluationCriterionInline]


@admin.register(Fund)
class FundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["region", "year", "source", "budget_amount", "spent_amount"]
    list_filter = ["year", "source"]


@admin.register(ProcurementCap)
class ProcurementCapAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["region", "year", "cap_pct", "cap_amount", "committed_total", "paid_total"]
    list_filter = ["year"]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "region", "year", "agency", "amount", "status"]
    list_filter = ["status", "year", "lines__funding_source"]
    search_fields = ["name", "agency__name"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["project", "kind", "amount", "booked_on", "by"]
    list_filter = ["kind"]
