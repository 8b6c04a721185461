from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import InputRulesMixin
from bangfu.procurement.models import (
    FEN,
    PAYING_SOURCES,
    PDF_MAX_MEGABYTES,
    CatalogueItem,
    Filing,
    FundingSource,
    Programme,
    Project,
    ProjectLine,
    validate_pdf,
)
from bangfu.procurement.selectors import agencies_for_buyer, buying_regions, visible_regions
from bangfu.regions.models import Region, within
from bangfu.registry.models import Household


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def money_form_field(label, *, required=True, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=required,
        **kwargs,
    )


def year_choices() -> list[tuple[int, int]]:
    this_year = timezone.localdate().year
    return [(year, year) for year in range(this_year + 1, this_year - 6, -1)]


class ProjectForm(InputRulesMixin, forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "name",
            "region",
            "agency",
            "starts_on",
            "ends_on",
            "service_area",
            "target_households",
            "target_hours",
            "description",
            "procurement_method",
            "contract_number",
            "complaint_channel",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "complaint_channel": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "contract_number": _("Needed before the project goes for approval."),
            "complaint_channel": _(
                "Whom the public contacts to complain, and how. Empty: the buying bureau's "
                "phone and address."
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = buying_regions(user)
        self.fields["agency"].queryset = agencies_for_buyer(user)
        self.fields["service_area"].queryset = visible_regions(user).filter(
            level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP]
        )
        self.fields["service_area"].required = False
        self.fields["procurement_method"].required = True


class LineForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("catalogue item"),
        queryset=CatalogueItem.objects.filter(is_active=True).select_related("category"),
    )
    quantity = forms.DecimalField(
        label=_("quantity"), max_digits=10, decimal_places=2, min_value=FEN
    )
    unit_price = money_form_field(
        _("unit price (yuan)"),
        required=False,
        help_text=_("Empty: the catalogue's reference price."),
    )
    funding_source = forms.ChoiceField(
        label=_("paid from"),
        choices=[(source.value, source.label) for source in PAYING_SOURCES],
        help_text=_("Paying from the assistance subsidy funds needs a filing (备案) one level up."),
    )

    def has_changed(self) -> bool:
        # The source a browser posts for every row does not make an empty row a line.
        return any(name != "funding_source" for name in self.changed_data)


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.lines():
            raise forms.ValidationError(_("A project needs at least one catalogue line."))

    def lines(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if form.cleaned_data.get("item")]


LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=4, max_num=30)


def initial_lines(project: Project) -> list[dict]:
    return [
        {
            "item": line.item,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "funding_source": line.funding_source,
        }
        for line in project.lines.all()
    ]


class FundForm(forms.Form):
    region = forms.ModelChoiceField(label=_("region"), queryset=Region.objects.none())
    year = forms.TypedChoiceField(label=_("year"), coerce=int, choices=year_choices)
    source = forms.ChoiceField(label=_("source"), choices=FundingSource.choices)
    programme = forms.ChoiceField(
        label=_("programme"),
        choices=Programme.choices,
        required=False,
        help_text=_("For the assistance subsidy funds, where the budget names the programme."),
    )
    budget_amount = money_form_field(_("budget (yuan)"))
    spent_amount = money_form_field(_("actual spending (yuan)"), initial=Decimal("0"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = buying_regions(user)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's recipe): cleaned to a list, each file validated."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        clean_one = super().clean
        if isinstance(data, list | tuple) and data:
            return [clean_one(file, initial) for file in data]
        return [clean_one(data, initial)]


class FilingSendForm(forms.Form):
    documents = MultipleFileField(
        label=_("documents (PDF)"),
        validators=[validate_pdf],
        widget=MultipleFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].help_text = _(
            "The filing's documents, as PDF files of at most %(limit)s MB each."
        ) % {"limit": PDF_MAX_MEGABYTES}


class FilingAcknowledgeForm(InputRulesMixin, forms.Form):
    reference = forms.CharField(label=_("filing reference (备案号)"), max_length=60)


class PaymentForm(InputRulesMixin, forms.Form):
    past_dates = ("paid_on",)

    amount = money_form_field(_("amount (yuan)"))
    paid_on = forms.DateField(label=_("paid on"), widget=DateInput())
    reference = forms.CharField(label=_("voucher reference"), max_length=60, required=False)


class ReturnForm(InputRulesMixin, forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200)


SATISFACTION_CHOICES = [("", "—")] + [(str(n), str(n)) for n in range(5, 0, -1)]


class DeliveryForm(InputRulesMixin, forms.Form):
    past_dates = ("delivered_on",)

    line = forms.ModelChoiceField(label=_("line"), queryset=ProjectLine.objects.none())
    delivered_on = forms.DateField(label=_("delivered on"), widget=DateInput())
    quantity = forms.DecimalField(
        label=_("quantity"), max_digits=10, decimal_places=2, min_value=FEN
    )
    household = forms.CharField(
        label=_("household registry number"),
        max_length=32,
        required=False,
        help_text=_("Optional: the household served."),
    )
    satisfaction = forms.TypedChoiceField(
        label=_("satisfaction (1-5)"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, project: Project, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.project, self.user = project, user
        lines = self.fields["line"]
        lines.queryset = project.lines.select_related("item")
        lines.label_from_instance = lambda line: (
            f"{line.item.name} ({line.item.get_unit_display()})"
        )
        only = list(lines.queryset[:2])
        if len(only) == 1:
            lines.empty_label, lines.initial = None, only[0].pk

    def clean_household(self) -> Household | None:
        number = self.cleaned_data["household"].strip()
        if not number:
            return None
        household = (
            Household.objects.for_user(self.user)
            .filter(within(self.project.region, "region"), registry_number=number)
            .first()
        )
        if household is None:
            raise forms.ValidationError(_("No household with this number in the project's region."))
        return household


class EvaluationForm(InputRulesMixin, forms.Form):
    past_dates = ("evaluated_on",)

    evaluated_on = forms.DateField(label=_("evaluated on"), widget=DateInput())
    comments = forms.CharField(
        label=_("comments"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"score_{criterion.code}"] = forms.DecimalField(
                label=f"{criterion.name} ({criterion.weight}%)",
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                max_digits=5,
                decimal_places=2,
            )

    def scores(self) -> dict[str, Decimal]:
        return {c.code: self.cleaned_data[f"score_{c.code}"] for c in self.criteria}


class DashboardFilter(forms.Form):
    year = forms.TypedChoiceField(label=_("year"), coerce=int, choices=year_choices)
    region = forms.ModelChoiceField(label=_("region"), queryset=Region.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = visible_regions(user)


class FilingInboxFilter(DashboardFilter):
    status = forms.ChoiceField(
        label=_("status"), choices=[("", "—"), *Filing.Status.choices], required=False
    )


class ProjectFilter(forms.Form):
    year = forms.TypedChoiceField(
        label=_("year"),
        coerce=int,
        choices=lambda: [("", "—"), *year_choices()],
        empty_value=None,
        required=False,
    )
    region = forms.ModelChoiceField(
        label=_("region"), queryset=Region.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("status"), choices=[("", "—"), *Project.Status.choices], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = buying_regions(user)
