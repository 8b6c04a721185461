"""What the registry's endpoints answer: the household page's records in English snake_case,
people masked as the pages mask them (``masked_*`` fields; a name in clear only where the
household page shows it so, to the roles that may reveal)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bangfu.accounts.scoping import scope_for
from bangfu.core.masking import mask_phone
from bangfu.registry import selectors
from bangfu.registry.models import Household, Tier
from bangfu.registry.search import MAX_QUERY
from bangfu.registry.timeline import category_name


class RegistryHeadSerializer(serializers.Serializer):
    masked_name = serializers.CharField()
    masked_id_number = serializers.CharField()


class RegistryHouseholdListSerializer(serializers.Serializer):
    """A row of the household list: the head masked, as the list page shows it."""

    id = serializers.IntegerField(source="pk")
    registry_number = serializers.CharField()
    village = serializers.CharField(source="region.name")
    village_code = serializers.CharField(source="region.code")
    township = serializers.CharField(source="region.parent.name", default="")
    tier = serializers.CharField()
    tier_label = serializers.CharField(source="get_tier_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    head = RegistryHeadSerializer(allow_null=True)
    member_count = serializers.IntegerField()
    open_need_count = serializers.IntegerField()
    top_priority = serializers.DecimalField(
        source="top_open_priority", max_digits=7, decimal_places=2, allow_null=True
    )
    next_review_due = serializers.DateField(allow_null=True)


class RegistryHouseholdSearchSerializer(serializers.Serializer):
    """What a search posts: the words, and the list's filters to narrow it."""

    q = serializers.CharField(
        max_length=MAX_QUERY,
        help_text="A member's name (or part, pinyin, initials), an ID number (whole, or its "
        "last 4 to 6 characters), a phone, a registry number or address words.",
    )
    tier = serializers.ChoiceField(Tier.choices, required=False)
    status = serializers.ChoiceField(
        Household.Status.choices,
        required=False,
        help_text="Without it, the current households (exited ones left out).",
    )
    region = serializers.CharField(
        required=False, help_text="A region code or its first digits (530428101: a township)."
    )


class RegistryHouseholdSearchResultSerializer(serializers.Serializer):
    results = RegistryHouseholdListSerializer(many=True)
    more = serializers.BooleanField(help_text="More households match than the first 50 shown.")


class RegistryMemberSerializer(serializers.Serializer):
    """A member as the household page shows them: the name in clear for the roles that may
    reveal ID numbers, masked for the others; the ID number always masked (``reveal``)."""

    id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()
    masked_id_number = serializers.CharField()
    relation = serializers.CharField()
    relation_label = serializers.SerializerMethodField()
    sex = serializers.CharField()
    age = serializers.SerializerMethodField()
    disability = serializers.CharField()
    disability_grade = serializers.IntegerField(allow_null=True)
    is_severely_disabled = serializers.BooleanField()
    illness = serializers.CharField()
    illness_note = serializers.CharField()
    care_level = serializers.CharField()
    work_ability = serializers.CharField()
    monthly_income = serializers.DecimalField(max_digits=10, decimal_places=2)
    income_is_irregular = serializers.BooleanField()
    is_employed = serializers.BooleanField()
    personal_status = serializers.CharField()
    is_orphan = serializers.BooleanField()
    is_unsupported_child = serializers.BooleanField()
    is_five_elders = serializers.BooleanField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, member) -> str:
        return member.name if self.context["can_reveal"] else member.masked_name

    def get_relation_label(self, member) -> str:
        return selectors.relation_label(member.relation)

    def get_age(self, member) -> int:
        return member.age_on(self.context["today"])


class RegistryPriorityPartSerializer(serializers.Serializer):
    label = serializers.CharField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2)


class RegistryNeedSerializer(serializers.Serializer):
    """A need as the household page lists it, its priority explained."""

    id = serializers.IntegerField(source="pk")
    household_id = serializers.IntegerField()
    category = serializers.CharField(source="category.code")
    category_name = serializers.SerializerMethodField()
    severity = serializers.IntegerField()
    urgency = serializers.CharField()
    urgency_label = serializers.CharField(source="get_urgency_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    preferred_times = serializers.CharField()
    notes = serializers.CharField()
    opened_on = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)
    priority = serializers.DecimalField(max_digits=7, decimal_places=2)
    priority_explained = serializers.SerializerMethodField()

    def get_category_name(self, need) -> str:
        return category_name(need.category)

    @extend_schema_field(RegistryPriorityPartSerializer(many=True))
    def get_priority_explained(self, need):
        parts = selectors.priority_explained(need)
        return RegistryPriorityPartSerializer(
            [{"label": label, "points": points} for label, points in parts], many=True
        ).data


class RegistryEventSerializer(serializers.Serializer):
    """An entry of the household's timeline, as its page shows it (links left to the pages)."""

    at = serializers.DateTimeField()
    day_only = serializers.BooleanField()
    kind = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    state = serializers.CharField()


class RegistryHouseholdSerializer(RegistryHouseholdListSerializer):
    """A household's page: its record, its members, its needs and its timeline."""

    address = serializers.CharField()
    phone = serializers.CharField()
    masked_phone = serializers.SerializerMethodField()
    languages = serializers.ListField(child=serializers.CharField())
    household_tier = serializers.CharField()
    residence = serializers.CharField()
    enrolled_on = serializers.DateField(allow_null=True)
    exit_reason = serializers.CharField()
    exited_on = serializers.DateField(allow_null=True)
    gradual_exit_until = serializers.DateField(allow_null=True)
    monthly_income_per_person = serializers.DecimalField(max_digits=12, decimal_places=2)
    member_count = None
    open_need_count = None
    top_priority = None
    members = RegistryMemberSerializer(many=True)
    needs = RegistryNeedSerializer(many=True)
    timeline = RegistryEventSerializer(many=True)

    def get_masked_phone(self, household) -> str:
        return mask_phone(household.phone) if household.phone else ""


class RegistryNeedHistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    by = serializers.CharField()
    changes = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class RegistryNeedDetailSerializer(RegistryNeedSerializer):
    registry_number = serializers.CharField(source="household.registry_number")
    history = RegistryNeedHistorySerializer(many=True)


class RegistryRevealedSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    id_number = serializers.CharField()


def member_context(user, today) -> dict:
    """What ``RegistryMemberSerializer`` needs: whether names show in clear, and the day ages
    count to."""
    return {"can_reveal": scope_for(user).can_reveal_identity, "today": today}
