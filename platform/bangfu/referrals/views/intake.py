from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bangfu.accounts.scoping import scope_for
from bangfu.core.links import row_url
from bangfu.core.masking import mask_name
from bangfu.core.views import service_call
from bangfu.referrals import selectors, services
from bangfu.referrals.errors import NeedNotRankable
from bangfu.referrals.exclusions import excluded_providers, need_exclusions
from bangfu.referrals.forms import AttachNeedForm, IntakeForm, LinkHouseholdForm, ReferNoteForm
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.referrals.selectors.intake import (
    DESK_REFERRED_COLUMNS,
    desk_case_rows,
    desk_need_rows,
)
from bangfu.referrals.views.common import require_staff_area, reveal_caller
from bangfu.regions.models import Region
from bangfu.registry.forms import NeedForm
from bangfu.registry.models import Need
from bangfu.registry.search import household_hit
from bangfu.registry.selectors import households_for

# Labels of the parts of a score a referral keeps (``Referral.score_components``), for the
# referral's page, and of a candidate's when its ranker gives no reasons in words.
COMPONENT_LABELS = {
    "distance": gettext_lazy("distance"),
    "skills": gettext_lazy("skills"),
    "quality": gettext_lazy("quality"),
    "continuity": gettext_lazy("continuity"),
    "capacity": gettext_lazy("capacity"),
    "success": gettext_lazy("chance of success"),
    "availability": gettext_lazy("availability"),
}
COMPONENT_ORDER = tuple(COMPONENT_LABELS)


def explain(components: dict) -> list[tuple[str, str, int]]:
    """(key, label, percent) for each score component, in a fixed order for the columns."""
    return [
        (key, str(COMPONENT_LABELS[key]), round(100 * float(components.get(key, 0) or 0)))
        for key in COMPONENT_ORDER
    ]


@never_cache
@login_required
def intake_list(request):
    scope = scope_for(request.user)
    if not scope.reads_registry and scope.is_provider:
        return redirect("portal:inbox")
    require_staff_area(request.user)
    shape = _DeskRows()
    return render(
        request,
        "referrals/intake_list.html",
        {
            "waiting": shape.cases(desk_case_rows(selectors.waiting_cases(request.user), 100)),
            "referred": shape.cases(
                desk_case_rows(selectors.referred_cases(request.user), 100, DESK_REFERRED_COLUMNS)
            ),
            "needs": shape.needs(desk_need_rows(request.user, 50)),
            "can_write": scope.can_write,
        },
    )


class _DeskRows:
    """Shapes the desk's rows (``selectors.intake.desk_case_rows``) as the objects' template
    showed them, with each label translated and each link reversed once per page."""

    def __init__(self):
        self.case_url = row_url("referrals:intake-detail")
        self.household_url = row_url("registry:household-detail")
        self.case_label = _("Intake case %(number)s")
        self.sources = {key: str(label) for key, label in IntakeCase.Source.choices}
        self.urgencies = {key: str(label) for key, label in Need.Urgency.choices}

    def cases(self, rows: list[dict]) -> list[dict]:
        for row in rows:
            row["url"] = self.case_url(row["pk"])
            row["label"] = self.case_label % {"number": row["pk"]}
            if "region__parent__name" in row:
                row["region__parent__name"] = row["region__parent__name"] or ""
            if "caller" in row:
                row["caller"] = mask_name(row["caller"]) if row["caller"] else None
            if "need__urgency" in row:
                urgency = row["need__urgency"]
                row["urgency_label"] = self.urgencies.get(urgency, urgency)
                row["source_label"] = self.sources.get(row["source"], row["source"])
                row["opened"] = timezone.localtime(row["opened_at"]).date().isoformat()
                if row["need_id"] is None:
                    row["summary"] = Truncator(row["summary"] or "").chars(40)
        return rows

    def needs(self, rows: list[dict]) -> list[dict]:
        for row in rows:
            row["household_url"] = self.household_url(row["household_id"])
            row["household__region__parent__name"] = row["household__region__parent__name"] or ""
            row["urgency_label"] = self.urgencies.get(row["urgency"], row["urgency"])
            row["priority"] = floatformat(row["priority"], "-2")
            row["opened"] = row["opened_on"].isoformat()
        return rows


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def intake_create(request):
    """Open a case: the caller is found with the household search box or recorded as a person.

    ``?need=<id>`` (a household page's "refer") opens it on that need: no list of needs is
    ever offered here.
    """
    require_staff_area(request.user)
    needs = selectors.needs_awaiting_intake(request.user)
    need_id = (request.POST or request.GET).get("need", "")
    need = needs.filter(pk=need_id).first() if need_id.isdecimal() else None
    initial = {"need": need, "source": IntakeCase.Source.VISIT} if need else {}
    form = IntakeForm(request.POST or None, user=request.user, needs=needs, initial=initial)
    if request.method == "POST" and form.is_valid():
        outcome = service_call(
            request,
            lambda: services.intake_open(by=request.user, **form.service_arguments()),
            form=form,
            rename={"township": "place", "village": "place"},
        )
        if outcome:
            messages.success(request, _("The case is open at the intake desk."))
            return redirect("referrals:intake-detail", outcome.value.pk)
    # A form shown again keeps the household the search box had chosen.
    household = getattr(form, "cleaned_data", {}).get("household")
    return render(
        request,
        "referrals/intake_form.html",
        {
            "form": form,
            "need": need,
            "chosen": household_hit(request.user, household.pk) if household else None,
        },
        status=400 if form.is_bound else 200,
    )


@never_cache
@login_required
def intake_detail(request, pk: int, *, bound: dict | None = None, status: int = 200):
    require_staff_area(request.user)
    intake = get_object_or_404(
        selectors.intake_cases_for(request.user).select_related("household__region__parent"),
        pk=pk,
    )
    scope = scope_for(request.user)
    candidates, not_rankable, excluded = [], None, []
    if intake.status == IntakeCase.Status.OPEN and intake.need is not None:
        # Read once: the providers left out are both kept from the candidates and listed.
        exclusions = need_exclusions(intake.need)
        try:
            # A ranker that gives no reasons in words gets its parts shown by their share.
            candidates = [
                {
                    "candidate": candidate,
                    "parts": ()
                    if getattr(candidate, "reasons", ())
                    else explain(candidate.components),
                }
                for candidate in selectors.intake_candidates(intake, exclusions=exclusions)
            ]
        except NeedNotRankable as error:
            not_rankable = error
        excluded = excluded_providers(exclusions)
    referrals = (
        Referral.objects.filter(intake=intake)
        .select_related("provider", "sent_by")
        .prefetch_related("events__by")
    )
    return render(
        request,
        "referrals/intake_detail.html",
        {
            "intake": intake,
            "candidates": candidates,
            "not_rankable": not_rankable,
            "excluded": excluded,
            "referrals": referrals,
            "can_write": scope.can_write,
            "can_reveal": reveal_caller(request.user, intake),
            "note_form": (bound or {}).get("note") or ReferNoteForm(),
            **_need_step(request, intake, bound or {}),
        },
        status=status,
    )


def _need_step(request, intake: IntakeCase, bound: dict) -> dict:
    """What the case page offers while the case has no need: find and link the caller's
    household (the registry's households with the caller's phone first), then pick one of its
    open needs or record a new one."""
    if intake.need_id is not None or intake.status != IntakeCase.Status.OPEN:
        return {}
    if intake.household_id is None:
        same_phone = (
            households_for(request.user)
            .filter(phone_hash=intake.caller_phone_hash)
            .select_related("region__parent")[:5]
            if intake.caller_phone_hash
            else []
        )
        # The registry's form opens on the caller's village; the new household is then found
        # among those with the caller's phone, or with the search box.
        village = intake.region_id if intake.region.level == Region.Level.VILLAGE else None
        return {
            "link_form": bound.get("link") or LinkHouseholdForm(user=request.user),
            "same_phone": same_phone,
            "register_url": reverse("registry:household-create")
            + (f"?{urlencode({'region': village})}" if village else ""),
        }
    return {
        "household_needs": _household_needs(request, intake)[:20],
        "attach_form": bound.get("attach"),
        "need_form": bound.get("need") or NeedForm(prefix="need"),
    }


def _household_needs(request, intake: IntakeCase):
    return selectors.needs_awaiting_intake(request.user).filter(household_id=intake.household_id)


def _open_case(request, pk: int) -> IntakeCase:
    require_staff_area(request.user)
    return get_object_or_404(selectors.intake_cases_for(request.user), pk=pk)


@login_required
@require_POST
def intake_link(request, pk: int):
    """Link the caller's case to their household, found with the search box."""
    intake = _open_case(request, pk)
    form = LinkHouseholdForm(request.POST, user=request.user)
    if form.is_valid() and service_call(
        request,
        lambda: services.intake_link_household(
            intake=intake, household=form.cleaned_data["household"], by=request.user
        ),
        form=form,
    ):
        messages.success(request, _("The household is linked: pick or record its need."))
        return redirect("referrals:intake-detail", intake.pk)
    return intake_detail(request, pk, bound={"link": form}, status=400)


@login_required
@require_POST
def intake_attach(request, pk: int):
    """Give the case one of its household's open needs, so it can be referred."""
    intake = _open_case(request, pk)
    form = AttachNeedForm(request.POST, needs=_household_needs(request, intake))
    if form.is_valid() and service_call(
        request,
        lambda: services.intake_attach_need(
            intake=intake, need=form.cleaned_data["need"], by=request.user
        ),
        form=form,
    ):
        messages.success(request, _("The need is attached: the case can be referred."))
        return redirect("referrals:intake-detail", intake.pk)
    return intake_detail(request, pk, bound={"attach": form}, status=400)


@login_required
@require_POST
def intake_need_create(request, pk: int):
    """Record the need the caller describes for their household, and give it to the case."""
    intake = _open_case(request, pk)
    form = NeedForm(request.POST, prefix="need")
    if form.is_valid() and service_call(
        request,
        lambda: services.intake_record_need(intake=intake, by=request.user, **form.cleaned_data),
        form=form,
    ):
        messages.success(request, _("The need is recorded: the case can be referred."))
        return redirect("referrals:intake-detail", intake.pk)
    return intake_detail(request, pk, bound={"need": form}, status=400)


@login_required
@require_POST
def intake_refer(request, pk: int):
    """Refer the case to the candidate staff picked from the engine's list, with the note."""
    intake = _open_case(request, pk)
    note = ReferNoteForm(request.POST)
    if not note.is_valid():
        return intake_detail(request, pk, bound={"note": note}, status=400)
    provider_id = request.POST.get("provider", "")
    try:
        ranked = selectors.intake_candidates(intake) if intake.need else []
    except NeedNotRankable as error:
        messages.error(request, str(error))
        return redirect("referrals:intake-detail", intake.pk)
    chosen = next(
        (
            (rank, candidate)
            for rank, candidate in enumerate(ranked, start=1)
            if str(candidate.provider_id) == provider_id
        ),
        None,
    )
    if chosen is None:
        messages.error(request, _("That provider is no longer a candidate: choose again."))
        return redirect("referrals:intake-detail", intake.pk)
    rank, candidate = chosen
    outcome = service_call(
        request,
        lambda: services.referral_send(
            intake=intake,
            provider_id=candidate.provider_id,
            by=request.user,
            candidate=candidate,
            rank=rank,
            note_to_provider=note.cleaned_data["note_to_provider"],
        ),
    )
    if outcome:
        messages.success(request, _("Referred to %(provider)s.") % {"provider": candidate.name})
        return redirect("referrals:referral-detail", outcome.value.pk)
    return redirect("referrals:intake-detail", intake.pk)


@login_required
@require_POST
def intake_route(request, pk: int):
    """Send the case to the engine's first candidate, with the note."""
    intake = _open_case(request, pk)
    note = ReferNoteForm(request.POST)
    if not note.is_valid():
        return intake_detail(request, pk, bound={"note": note}, status=400)
    outcome = service_call(
        request,
        lambda: services.intake_route(
            intake=intake,
            by=request.user,
            note_to_provider=note.cleaned_data["note_to_provider"],
        ),
    )
    if outcome:
        if outcome.value is None:
            messages.warning(request, _("No provider can take this need now."))
        else:
            messages.success(
                request, _("Referred to %(provider)s.") % {"provider": outcome.value.provider.name}
            )
            return redirect("referrals:referral-detail", outcome.value.pk)
    return redirect("referrals:intake-detail", intake.pk)
