"""Charities and offers, read-only for the platform's configurators: every change goes through
the services (registration, approval, moderation). Allocations reach households and stay in the
scoped staff interface."""

from django.contrib import admin

from bangfu.offers.models import Charity, Offer


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Charity)
class CharityAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "status", "registered_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["organisation__name", "certificate_number"]
    list_select_related = ["organisation"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ["title", "charity", "kind", "status", "quantity", "unit", "valid_until"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "charity__organisation__name"]
    list_select_related = ["charity__organisation"]
