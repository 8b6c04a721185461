"""Forms of status decisions: a recommendation, and the reviewer's confirmation or rejection.

They parse input; ``registry.coverage`` checks what a decision may say (which status fits a
member or the household) and is the only write path. The recommendation's fields are a mixin,
so that a verification visit (discovery's outcome form) asks them the same way.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import InputRulesMixin
from bangfu.registry.coverage import MAX_GRADUAL_EXIT_MONTHS
from bangfu.registry.forms import DateInput
from bangfu.registry.models import (
    HOUSEHOLD_COVERAGES,
    PERSONAL_COVERAGES,
    Coverage,
    ExitReason,
    Member,
    StatusDecision,
)


class MemberChoiceField(forms.ModelChoiceField):
    """A member by masked name and relation: the form is read by roles that see lists masked."""

    def label_from_instance(self, member: Member) -> str:
        return f"{member.masked_name} · {member.get_relation_display()}"


def status_choices() -> list:
    """The proposed statuses, grouped as the law groups them: the household's, a member's."""
    labels = dict(Coverage.choices)
    return [
        ("", "—"),
        (_("The household's status"), [(v, labels[v]) for v in HOUSEHOLD_COVERAGES]),
        (_("A member's own status"), [(v, labels[v]) for v in PERSONAL_COVERAGES]),
    ]


class RecommendationFields(forms.Form):
    """What a recommendation says: enrol, exit or adjust; about whom; to which status; why."""

    kind = forms.ChoiceField(
        label=_("Recommendation"),
        required=False,
        choices=[("", "—"), *StatusDecision.Kind.choices],
    )
    member = MemberChoiceField(
        label=_("About"),
        required=False,
        queryset=Member.objects.none(),
        empty_label=_("the household as a whole"),
        help_text=_("A member for 特困 or 单人纳保 (a person's status); else the household."),
    )
    to_status = forms.ChoiceField(label=_("Proposed status"), required=False, choices=[])
    exit_reason = forms.ChoiceField(
        label=_("Reason for the exit"),
        required=False,
        choices=[("", "—"), *ExitReason.choices],
    )

    def set_members(self, members) -> None:
        """The members the recommendation may name (a queryset of the household's)."""
        self.fields["member"].queryset = members
        self.fields["to_status"].choices = status_choices()


class RecommendForm(InputRulesMixin, RecommendationFields):
    note = forms.CharField(
        label=_("What you found"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The facts behind the recommendation, for the township's reviewer."),
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_members(household.members.order_by("pk"))
        for name in ("kind", "to_status"):
            self.fields[name].required = True


class ConfirmForm(InputRulesMixin, forms.Form):
    reference = forms.CharField(
        label=_("Decision reference"),
        max_length=100,
        help_text=_("The number of the decision in the social-assistance system."),
    )
    effective_on = forms.DateField(label=_("Effective on"), widget=DateInput())
    gradual_exit_months = forms.IntegerField(
        label=_("Gradual exit (渐退期), months"),
        required=False,
        min_value=0,
        max_value=MAX_GRADUAL_EXIT_MONTHS,
        help_text=_(
            "For an exit because income rose above the standard: the status is kept this many "
            "months. Empty: the region's policy; 0: none."
        ),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, decision: StatusDecision, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_on"].initial = timezone.localdate()
        self.gradual_exit = (
            decision.kind == StatusDecision.Kind.EXIT
            and decision.exit_reason == ExitReason.INCOME_ABOVE
            and decision.member_id is None
        )
        if not self.gradual_exit:
            del self.fields["gradual_exit_months"]


class RejectForm(InputRulesMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The assistant reads it; say what is missing or wrong."),
    )


class DecisionFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("all")), *StatusDecision.State.choices]
    )
    kind = forms.ChoiceField(
        label=_("Recommendation"),
        required=False,
        choices=[("", _("all")), *StatusDecision.Kind.choices],
    )
