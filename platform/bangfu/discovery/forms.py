"""Forms of finding people: they parse input; the writes go through ``services``/``importing``."""

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import InputRulesMixin
from bangfu.core.validators import validate_phone
from bangfu.discovery.importing import import_regions
from bangfu.discovery.models import Rule, Source, Task
from bangfu.discovery.services import OUTCOMES, Recommendation
from bangfu.regions.models import Region
from bangfu.registry.decision_forms import RecommendationFields
from bangfu.registry.forms import DateInput
from bangfu.registry.models import Coverage, Member, StatusDecision
from bangfu.registry.region_picker import RegionSearchField
from bangfu.registry.selectors import regions_in_scope


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region: Region) -> str:
        return f"{region.parent.name} / {region.name}" if region.parent else region.name


class CrossCheckImportForm(InputRulesMixin, forms.Form):
    past_dates = ("as_of",)

    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    region = RegionChoiceField(label=_("Region the file covers"), queryset=Region.objects.none())
    as_of = forms.DateField(
        label=_("Data as of"),
        widget=DateInput(),
        help_text=_("The date the department's data stand at (for a list: the list's date)."),
    )
    file = forms.FileField(
        label=_("File"),
        validators=[FileExtensionValidator(["xlsx", "csv"])],
        help_text=_("Excel (.xlsx) or CSV, one row per person, as the department exports it."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file, write nothing"), required=False, initial=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        regions = import_regions(user).select_related("parent")
        self.fields["region"].queryset = regions
        if len(regions) == 1:
            self.fields["region"].initial = regions[0]
        self.fields["as_of"].initial = timezone.localdate()


# The places a warning list narrows to: any region below a province, down to the village.
FILTER_LEVELS = [
    Region.Level.CITY,
    Region.Level.COUNTY,
    Region.Level.TOWNSHIP,
    Region.Level.VILLAGE,
]


class FlagFilterForm(forms.Form):
    rule = forms.ChoiceField(label=_("Rule"), choices=[("", _("all rules")), *Rule.choices])
    # Typed with suggestions: a province has a thousand townships and ten times the villages.
    # A city or a county too: the dashboard's rows lead here.
    place = RegionSearchField(
        label=_("Region"),
        queryset=Region.objects.none(),
        levels=FILTER_LEVELS,
        help_text=_("Type a name or code; empty: all in my area."),
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=[
            ("", _("all")),
            ("open", _("to verify")),
            ("done", _("verified")),
            ("recommended", _("recommended to the township")),
            ("enrolled", _("enrolled (confirmed)")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields["place"].queryset = regions_in_scope(user, FILTER_LEVELS)


class TaskOutcomeForm(InputRulesMixin, RecommendationFields):
    """The recommendation's fields are the registry's (``RecommendationFields``), checked by
    ``registry.coverage`` when the visit is recorded. The registration fields follow the
    registry's rules: the phone's is checked here, the registry number's (which needs the
    village) by ``Household.clean`` on registering."""

    past_dates = ("visited_on",)

    outcome = forms.ChoiceField(label=_("Outcome of the visit"), widget=forms.RadioSelect)
    visited_on = forms.DateField(label=_("Visited on"), widget=DateInput())
    dismiss_reason = forms.ChoiceField(
        label=_("Reason for dismissing"),
        required=False,
        choices=[("", "—"), *Task.DismissReason.choices],
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    registry_number = forms.CharField(
        label=_("Registry number"),
        required=False,
        max_length=32,
        help_text=_("The person is not registered yet: the number of their new household."),
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    phone = forms.CharField(
        label=_("Contact phone"), required=False, max_length=20, validators=[validate_phone]
    )

    REGISTRATION_FIELDS = ("registry_number", "address", "phone")

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = OUTCOMES[task.kind]
        self.fields["outcome"].choices = [
            (value, label) for value, label in Task.Outcome.choices if value in allowed
        ]
        self.fields["visited_on"].initial = timezone.localdate()
        self.needs_registration = task.household_id is None
        if not self.needs_registration:
            for name in self.REGISTRATION_FIELDS:
                del self.fields[name]
        self.set_members(
            task.household.members.order_by("pk") if task.household else Member.objects.none()
        )
        self.fields["member"].help_text = _(
            "For 特困 or 单人纳保 (a person's status); left empty, the person the warning is "
            "about. For a household's status, leave it empty."
        )
        # A warning may say what it suggests (错保: exit or adjust).
        flag = getattr(task, "flag", None)
        suggested = (flag.evidence or {}).get("recommend") if flag else None
        if suggested in StatusDecision.Kind.values:
            self.fields["outcome"].initial = Task.Outcome.RECOMMENDED
            self.fields["kind"].initial = suggested
            if suggested == StatusDecision.Kind.EXIT:
                self.fields["to_status"].initial = Coverage.NONE

    def recommendation(self):
        """The recommendation the form gives, when the outcome is one."""
        data = self.cleaned_data
        if data["outcome"] != Task.Outcome.RECOMMENDED:
            return None
        return Recommendation(
            kind=data["kind"],
            to_status=data["to_status"],
            member=data["member"],
            exit_reason=data["exit_reason"],
        )


STANDARDS_LEVELS = [Region.Level.COUNTY, Region.Level.TOWNSHIP, Region.Level.VILLAGE]


class StandardsForm(forms.Form):
    # Typed with suggestions: a province's villages are too many for a list.
    region = RegionSearchField(
        label=_("Region"), queryset=Region.objects.none(), levels=STANDARDS_LEVELS
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    household = forms.CharField(label=_("Household"), max_length=32, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_in_scope(user, STANDARDS_LEVELS)
        self.fields["year"].initial = timezone.localdate().year
