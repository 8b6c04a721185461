"""What the portal's endpoints answer and take. Rows and cases carry what the portal pages
show, no more: the household's contact (name, address, phone) only once the referral is
accepted (``selectors.service_sheet``), never an income or an ID number."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bangfu.referrals.models import Referral
from bangfu.registry.timeline import category_name


class ServiceCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, category) -> str:
        return category_name(category)


class ReferralProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    kind = serializers.CharField()


def waiting_on(referral: Referral) -> str | None:
    """The deadline the referral waits on, as the portal shows it: the answer while sent, the
    first service while accepted; none after that."""
    due = None
    if referral.status == Referral.Status.SENT:
        due = referral.accept_due_at
    elif referral.status == Referral.Status.ACCEPTED:
        due = referral.service_due_at
    return None if due is None else serializers.DateTimeField().to_representation(due)


DUE = serializers.DateTimeField(
    allow_null=True,
    help_text=_(
        "The deadline the referral waits on: the answer while sent, the first service while "
        "accepted; null after that."
    ),
)


class ReferralRowSerializer(serializers.Serializer):
    """A row of the inbox (a volunteer's task)."""

    id = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    is_overdue = serializers.BooleanField()
    due_at = serializers.SerializerMethodField()
    category = ServiceCategorySerializer(source="need.category")
    urgency = serializers.CharField(source="need.urgency")
    urgency_label = serializers.CharField(source="need.get_urgency_display")
    township = serializers.CharField(source="need.household.region.parent.name", default="")
    village = serializers.CharField(source="need.household.region.name")
    distance_km = serializers.FloatField(allow_null=True)
    provider = ReferralProviderSerializer()
    sent_at = serializers.DateTimeField()
    session_count = serializers.IntegerField()

    @extend_schema_field(DUE)
    def get_due_at(self, referral) -> str | None:
        return waiting_on(referral)


class SheetPersonSerializer(serializers.Serializer):
    relation = serializers.CharField()
    sex = serializers.CharField()
    age = serializers.IntegerField()
    disability = serializers.CharField()
    care_level = serializers.CharField()
    illness = serializers.CharField()


class ServiceSheetSerializer(serializers.Serializer):
    """``selectors.ServiceSheet``: what the provider needs to serve the household."""

    village = serializers.CharField()
    township = serializers.CharField()
    category = serializers.CharField()
    urgency = serializers.CharField()
    severity = serializers.IntegerField()
    preferred_times = serializers.CharField()
    notes = serializers.CharField()
    people = SheetPersonSerializer(many=True)
    contact_name = serializers.CharField(allow_null=True)
    address = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)


class ServiceSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="session.pk")
    held_on = serializers.DateField(source="session.held_on")
    duration_minutes = serializers.IntegerField(source="session.duration_minutes")
    category = ServiceCategorySerializer(source="session.category")
    provided_by = serializers.CharField(source="session.provided_by")
    notes = serializers.CharField(source="session.notes")
    counted = serializers.CharField(
        help_text=_("What the session counted for the provider's project (empty otherwise).")
    )


class ReferralEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    action_label = serializers.CharField(source="get_action_display")
    by = serializers.CharField(allow_null=True, help_text=_("Null: the deadline check."))
    reason = serializers.CharField()
    reason_label = serializers.CharField()
    note = serializers.CharField()


class ReferralCaseSerializer(serializers.Serializer):
    """The case page: the referral, its service sheet, its sessions and its history."""

    id = serializers.IntegerField(source="referral.pk")
    status = serializers.CharField(source="referral.status")
    status_label = serializers.CharField(source="referral.get_status_display")
    is_overdue = serializers.BooleanField(source="referral.is_overdue")
    due_at = serializers.SerializerMethodField()
    provider = ReferralProviderSerializer(source="referral.provider")
    note_to_provider = serializers.CharField(source="referral.note_to_provider")
    distance_km = serializers.FloatField(source="referral.distance_km", allow_null=True)
    sent_at = serializers.DateTimeField(source="referral.sent_at")
    sheet = ServiceSheetSerializer()
    sessions = ServiceSessionSerializer(many=True)
    counts_service = serializers.BooleanField(
        help_text=_("Whether each session counts against the project's lines.")
    )
    session_categories = ServiceCategorySerializer(
        many=True,
        help_text=_("The service types a session may be logged as (none unless accepted)."),
    )
    events = ReferralEventSerializer(many=True)

    @extend_schema_field(DUE)
    def get_due_at(self, case) -> str | None:
        return waiting_on(case["referral"])


class DeclinedReferralSerializer(serializers.Serializer):
    """A referral once declined: no longer the provider's to read, only its outcome."""

    id = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    decline_reason = serializers.CharField()
    decline_reason_label = serializers.CharField(source="get_decline_reason_display")


# --- what the POSTs take: the pages' forms read them (``bangfu.api.portal.forms``) ---------


class ReferralDeclineRequest(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Referral.DeclineReason.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Required with the reason “other”.")
    )


class ServiceSessionRequest(serializers.Serializer):
    held_on = serializers.DateField(help_text=_("Not in the future, not before the referral."))
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60)
    category = serializers.IntegerField(
        help_text=_("The id of one of the case's ``session_categories``.")
    )
    notes = serializers.CharField(required=False, allow_blank=True)


class ReferralCompleteRequest(serializers.Serializer):
    outcome = serializers.CharField(help_text=_("What changed for the household."))


class ReferralCloseRequest(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Referral.CloseReason.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Required with the reason “other”.")
    )
