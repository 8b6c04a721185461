"""What the intake endpoints take and answer. Input names things as other systems know them:
a household by its registry number, a place by its administrative code, a service by its
category's code; each is looked up within the token user's area only, so one outside it is
refused exactly as one that does not exist. A case shows its caller masked."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bangfu.api.portal.serializers import ReferralProviderSerializer, ServiceCategorySerializer
from bangfu.referrals.models import IntakeCase
from bangfu.regions.models import Region
from bangfu.registry.models import Need
from bangfu.registry.selectors import households_for, regions_in_scope, service_categories

SEVERITIES = [(level, str(level)) for level in range(1, 6)]


@extend_schema_field(OpenApiTypes.STR)
class HouseholdField(serializers.SlugRelatedField):
    """A household of the user's area, by its registry number."""

    default_error_messages = {
        "does_not_exist": _("No household with this registry number in your area."),
        "invalid": _("Give the household's registry number."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="registry_number", **kwargs)

    def get_queryset(self):
        return households_for(self.context["request"].user)


@extend_schema_field(OpenApiTypes.STR)
class PlaceField(serializers.SlugRelatedField):
    """A township or village of the user's area, by its administrative code."""

    default_error_messages = {
        "does_not_exist": _("No township or village with this code in your area."),
        "invalid": _("Give the township's or village's code."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return regions_in_scope(
            self.context["request"].user, [Region.Level.TOWNSHIP, Region.Level.VILLAGE]
        )


class NewNeedRequest(serializers.Serializer):
    """The need the caller describes, recorded in the registry as a visit's need is."""

    category = serializers.SlugRelatedField(
        slug_field="code", queryset=service_categories(), help_text=_("A service category's code.")
    )
    severity = serializers.ChoiceField(choices=SEVERITIES)
    urgency = serializers.ChoiceField(choices=Need.Urgency.choices)
    preferred_times = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class CaseOpenRequest(serializers.Serializer):
    source = serializers.ChoiceField(choices=IntakeCase.Source.choices)
    household = HouseholdField(
        required=False,
        allow_null=True,
        help_text=_("The caller's household, by registry number, if it is known."),
    )
    need = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("An open need of the area with no case yet, by id."),
    )
    new_need = NewNeedRequest(
        required=False,
        allow_null=True,
        help_text=_("Or the need the caller describes (with a household)."),
    )
    place = PlaceField(
        required=False,
        allow_null=True,
        help_text=_("The township or village the call came from, without a household."),
    )
    caller_name = serializers.CharField(required=False, allow_blank=True)
    caller_phone = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("What the caller asked for: required until the need is recorded."),
    )
    reference = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=_(
            "The call's number in your system (the hotline's work order): the same reference "
            "from the same account opens no second case, it answers with the first (200)."
        ),
    )

    def validate(self, data):
        if data.get("need") is not None and data.get("new_need"):
            raise serializers.ValidationError(
                {"new_need": _("Give an open need or a new one, not both.")}
            )
        return data


class CaseHouseholdRequest(serializers.Serializer):
    household = HouseholdField()


class CaseNeedRequest(serializers.Serializer):
    need = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("One of the household's open needs, by id.")
    )
    new_need = NewNeedRequest(required=False, allow_null=True)

    def validate(self, data):
        if (data.get("need") is None) == (not data.get("new_need")):
            raise serializers.ValidationError(_("Give an open need or a new one."))
        return data


# --- what a case shows -------------------------------------------------------------------


class CasePlaceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CaseNeedSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    category = ServiceCategorySerializer()
    urgency = serializers.CharField()
    urgency_label = serializers.CharField(source="get_urgency_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")


class CaseReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    provider = ReferralProviderSerializer()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    sent_at = serializers.DateTimeField()
    accept_due_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    first_service_on = serializers.DateField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()
    close_reason = serializers.CharField()


class IntakeCaseSerializer(serializers.Serializer):
    """An intake case: where it stands, and each referral of it."""

    id = serializers.IntegerField(source="pk")
    source = serializers.CharField()
    source_label = serializers.CharField(source="get_source_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    place = CasePlaceSerializer(source="region")
    township = CasePlaceSerializer()
    household = serializers.CharField(
        source="household.registry_number", allow_null=True, default=None
    )
    need = CaseNeedSerializer(allow_null=True)
    caller_name = serializers.CharField(source="masked_caller_name")
    caller_phone = serializers.CharField(source="masked_caller_phone")
    reference = serializers.CharField(
        help_text=_("The case's number in the system that opened it.")
    )
    candidate_count = serializers.IntegerField(
        allow_null=True, help_text=_("Providers the engine found the last time it ranked the need.")
    )
    referrals = CaseReferralSerializer(many=True)
