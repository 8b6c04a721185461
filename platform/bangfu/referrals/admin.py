"""Read-only views of intake cases and referrals for the platform's administrators.

Referrals change only through their services (each change writes its audit row), so the admin
shows them and their history but adds, edits and deletes nothing.
"""

from django.contrib import admin

from bangfu.referrals.models import IntakeCase, Notification, Referral, ReferralEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = ReferralEvent
    fields = ["at", "action", "from_status", "to_status", "by", "reason", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IntakeCase)
class IntakeCaseAdmin(ReadOnlyAdmin):
    list_display = ["pk", "source", "region", "status", "opened_at", "candidate_count"]
    list_filter = ["status", "source"]
    date_hierarchy = "opened_at"


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "station",
        "volunteer",
        "project",
        "status",
        "sent_at",
        "accept_due_at",
        "slot",
    ]
    list_filter = ["status"]
    date_hierarchy = "sent_at"
    inlines = [EventInline]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "read_at", "emailed_at"]
    list_filter = ["kind"]
