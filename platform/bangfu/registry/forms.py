"""Forms of the staff interface. They parse and check input; the writes go through services."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import InputRulesMixin
from bangfu.regions.models import Region
from bangfu.registry import selectors
from bangfu.registry.models import Assessment, Household, Member, Need, ServiceCategory
from bangfu.registry.timeline import category_name


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class CategoryChoiceField(forms.ModelChoiceField):
    """Service categories in the interface language (the catalogue holds both names)."""

    def label_from_instance(self, category: ServiceCategory) -> str:
        return category_name(category)


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region: Region) -> str:
        return f"{region.parent.name} / {region.name}" if region.parent else region.name


class LanguagesField(forms.CharField):
    """Languages and dialects, typed in one box separated by commas (普通话, 哈尼语), kept as a
    list without repeats."""

    SEPARATORS = re.compile(r"[,，、;；\s]+")
    MAX_LANGUAGES, MAX_LENGTH = 10, 20

    def __init__(self, *, encoder=None, decoder=None, **kwargs):
        # ``encoder`` and ``decoder`` come from the model's JSONField: a list of words needs none.
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", _("Separate them with commas, e.g. 普通话, 哈尼语, 彝语."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        languages = list(dict.fromkeys(part for part in self.SEPARATORS.split(text) if part))
        if len(languages) > self.MAX_LANGUAGES or any(
            len(language) > self.MAX_LENGTH for language in languages
        ):
            raise ValidationError(
                _("Give at most %(count)d languages of up to %(length)d characters each.")
                % {"count": self.MAX_LANGUAGES, "length": self.MAX_LENGTH}
            )
        return languages


class HouseholdForm(InputRulesMixin, forms.ModelForm):
    """Phone, registry number, coordinates and dates are checked by ``Household.clean``.

    No status here: a household's and its members' statuses change only through a confirmed
    decision (``registry.coverage``)."""

    past_dates = ("enrolled_on",)

    class Meta:
        model = Household
        fields = [
            "registry_number",
            "region",
            "address",
            "phone",
            "residence",
            "enrolled_on",
            "next_review_due",
            "financial_assets",
            "latitude",
            "longitude",
            "languages",
        ]
        field_classes = {"region": VillageChoiceField, "languages": LanguagesField}
        widgets = {
            "enrolled_on": DateInput(),
            "next_review_due": DateInput(),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = selectors.regions_in_scope(
            user, [Region.Level.VILLAGE]
        ).select_related("parent")

    def validate_unique(self):
        # Django's check would tell anyone that a registry number is taken anywhere in the
        # country; the service names the household holding it only inside the user's area
        # (registry.identity.registry_number_check).
        exclude = {*self._get_validation_exclusions(), "registry_number"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)


ID_NUMBER_WIDGET = forms.TextInput(
    attrs={
        "autocomplete": "off",
        "spellcheck": "false",
        "autocapitalize": "characters",
        "maxlength": 20,
        "class": "mono",
    }
)


class MemberForm(InputRulesMixin, forms.ModelForm):
    """A new member: the ID number is entered once and shown masked from then on."""

    id_number = forms.CharField(
        label=_("ID number"),
        max_length=20,
        widget=ID_NUMBER_WIDGET,
        help_text=_("18 characters; birth date and sex are read from it."),
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "id_number",
            "relation",
            "disability",
            "disability_grade",
            "illness",
            "illness_note",
            "care_level",
            "work_ability",
            "monthly_income",
            "income_is_irregular",
            "is_employed",
            "is_orphan",
            "is_unsupported_child",
            "is_five_elders",
        ]
        labels = {"name": _("Full name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].choices = [("", "---------"), *selectors.relation_choices()]

    def clean(self):
        cleaned = super().clean()
        disability = cleaned.get("disability")
        grade = cleaned.get("disability_grade")
        if disability and disability != Member.Disability.NONE and grade is None:
            self.add_error("disability_grade", _("Give the grade of this disability (1 to 4)."))
        if disability == Member.Disability.NONE and grade is not None:
            self.add_error("disability_grade", _("A grade needs a type of disability."))
        return cleaned

    def service_fields(self) -> dict:
        """The member fields for services.member_create / member_update."""
        return {name: value for name, value in self.cleaned_data.items() if name != "id_number"}


class MemberUpdateForm(MemberForm):
    """Editing a member: the ID number is only re-entered to correct a mistake."""

    id_number = None
    new_id_number = forms.CharField(
        label=_("Corrected ID number"),
        max_length=20,
        required=False,
        widget=ID_NUMBER_WIDGET,
        help_text=_("Leave empty to keep the registered number."),
    )

    class Meta(MemberForm.Meta):
        fields = [name for name in MemberForm.Meta.fields if name != "id_number"]

    def service_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "new_id_number"}


SEVERITY_CHOICES = [
    (1, _("1 · mild")),
    (2, _("2 · moderate")),
    (3, _("3 · serious")),
    (4, _("4 · severe")),
    (5, _("5 · critical")),
]


class NeedForm(InputRulesMixin, forms.ModelForm):
    """One need found during a visit (a row of the assessment form)."""

    severity = forms.TypedChoiceField(
        label=_("severity"), choices=[("", "—"), *SEVERITY_CHOICES], coerce=int
    )

    class Meta:
        model = Need
        fields = ["category", "severity", "urgency", "preferred_times", "notes"]
        field_classes = {"category": CategoryChoiceField}
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = selectors.service_categories()


NeedFormSet = forms.formset_factory(NeedForm, extra=1, max_num=20, absolute_max=20)


class AssessmentForm(InputRulesMixin, forms.ModelForm):
    past_dates = ("assessed_on",)

    class Meta:
        model = Assessment
        fields = ["assessed_on", "summary"]
        widgets = {"assessed_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 4})}


class NeedUpdateForm(InputRulesMixin, forms.ModelForm):
    severity = forms.TypedChoiceField(label=_("severity"), choices=SEVERITY_CHOICES, coerce=int)

    class Meta:
        model = Need
        fields = ["status", "urgency", "severity", "preferred_times", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class LedgerImportForm(forms.Form):
    file = forms.FileField(
        label=_("Ledger file"),
        validators=[FileExtensionValidator(["xlsx", "csv"])],
        help_text=_("Excel (.xlsx) or CSV; one row per member, as in the export."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file, write nothing"), required=False, initial=False
    )
    # The SHA-256 of the file whose preview the user confirms (``ledger.import_ledger``).
    confirm = forms.RegexField(regex=r"^[0-9a-f]{64}$", required=False, widget=forms.HiddenInput)


class HouseholdExportForm(forms.Form):
    """The export page's form; the list's filters come along as hidden fields. The purpose is
    checked by the service (``exports``), which alone knows the rule."""

    unmasked = forms.BooleanField(required=False, widget=forms.HiddenInput)
    purpose = forms.CharField(
        label=_("Purpose of the export"),
        required=False,
        max_length=300,
        help_text=_(
            "What the full names and ID numbers are needed for, e.g. the yearly review visits "
            "of one township."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
