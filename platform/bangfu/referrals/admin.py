"""Read-only views of intake cases and referrals for the platform's administrators.

Referrals change only through their services (each change writes its audit row), so the admin
shows them and their history but adds, edits and deletes nothing.
"""

from django.contrib import admin

from bangfu.core.admin import ReadOnlyAdminMixin
from bangfu.referrals.models import IntakeCase, Notification, Referral, ReferralEvent


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReferralEvent
    fields = ["at", "action", "from_status", "to_status", "by", "reason", "note"]
    extra = 0


@admin.register(IntakeCase)
class IntakeCaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "source", "region", "status", "opened_at", "candidate_count"]
    list_filter = ["status", "source"]
    date_hierarchy = "opened_at"


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "pk",
        "provider",
        "status",
        "sent_at",
        "accept_due_at",
        "slot",
    ]
    list_filter = ["status", "provider__kind"]
    date_hierarchy = "sent_at"
    inlines = [EventInline]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "read_at", "emailed_at"]
    list_filter = ["kind"]
