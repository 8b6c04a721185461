"""Charities and offers, read-only for the platform's configurators: every change goes through
the services (registration, approval, moderation). Allocations reach households and stay in the
scoped staff interface."""

from django.contrib import admin

from bangfu.core.admin import ReadOnlyAdminMixin
from bangfu.offers.models import Charity, Offer


@admin.register(Charity)
class CharityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["organisation", "status", "registered_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["organisation__name", "certificate_number"]
    list_select_related = ["organisation"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "charity", "kind", "status", "quantity", "unit", "valid_until"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "charity__organisation__name"]
    list_select_related = ["charity__organisation"]
