"""Forms of 临时救助 grants: the proposal and the decision. They parse input; ``registry.grants``
checks the amount, the reason and the date (one rule, whatever the caller) and is the only write
path, so its refusals are shown next to these fields."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import InputRulesMixin
from bangfu.registry.decision_forms import MemberChoiceField
from bangfu.registry.forms import DateInput
from bangfu.registry.grants import TemporaryGrant


class GrantForm(InputRulesMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", "—"), *TemporaryGrant.Kind.choices],
        help_text=_(
            "Emergency (急难型): a sudden event, accident or disaster. Expenditure (支出型): rigid "
            "spending on illness or schooling the household cannot meet."
        ),
    )
    member = MemberChoiceField(
        label=_("For"),
        required=False,
        queryset=None,
        empty_label=_("the household as a whole"),
    )
    # Text, not a number field: ``grants`` reads the amount (1,200.50 too) and says what is wrong.
    amount = forms.CharField(
        label=_("Amount (yuan)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened, and why the household cannot meet it alone."),
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.order_by("pk")


class DecideForm(InputRulesMixin, forms.Form):
    granted_on = forms.DateField(label=_("Granted on"), widget=DateInput())
    reference = forms.CharField(
        label=_("Decision reference"),
        max_length=100,
        required=False,
        help_text=_("The number of the grant in the social-assistance system, when it has one."),
    )

    def __init__(self, *args, grant: TemporaryGrant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["granted_on"].initial = grant.granted_on or timezone.localdate()


class RecordForm(GrantForm):
    """A grant given at once (先行救助): the proposal's fields and the decision's."""

    granted_on = forms.DateField(label=_("Granted on"), widget=DateInput())
    reference = DecideForm.base_fields["reference"]

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, household=household, **kwargs)
        self.fields["granted_on"].initial = timezone.localdate()
