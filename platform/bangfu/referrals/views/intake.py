from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bangfu.accounts.scoping import scope_for
from bangfu.core.views import service_call
from bangfu.referrals import selectors, services
from bangfu.referrals.errors import NeedNotRankable
from bangfu.referrals.forms import AttachNeedForm, IntakeForm
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.referrals.views.common import require_staff_area
from bangfu.regions.models import within

# Labels of the parts of a candidate's score (bangfu.matching_runs.services.RankedProvider).
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
    cases = selectors.intake_cases_for(request.user)
    return render(
        request,
        "referrals/intake_list.html",
        {
            "waiting": cases.waiting().order_by(
                F("need__priority").desc(nulls_last=True), "opened_at"
            )[:100],
            "referred": cases.filter(status=IntakeCase.Status.REFERRED)[:100],
            "needs": selectors.needs_awaiting_intake(request.user)[:50],
            "can_write": scope.can_write,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def intake_create(request):
    require_staff_area(request.user)
    needs = selectors.needs_awaiting_intake(request.user)
    initial = {}
    if request.GET.get("need", "").isdecimal():
        initial["need"] = needs.filter(pk=request.GET["need"]).first()
    form = IntakeForm(request.POST or None, user=request.user, needs=needs, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = []

        def call():
            created.append(
                services.intake_open(
                    by=request.user,
                    source=data["source"],
                    need=data["need"],
                    township=data["township"],
                    description=data["description"],
                )
            )

        if service_call(request, call, form=form):
            messages.success(request, _("The case is open at the intake desk."))
            return redirect("referrals:intake-detail", created[0].pk)
    return render(request, "referrals/intake_form.html", {"form": form})


@never_cache
@login_required
def intake_detail(request, pk: int, *, attach_form=None, status: int = 200):
    require_staff_area(request.user)
    intake = get_object_or_404(selectors.intake_cases_for(request.user), pk=pk)
    scope = scope_for(request.user)
    candidates, not_rankable = [], None
    if intake.status == IntakeCase.Status.OPEN and intake.need is not None:
        try:
            candidates = [
                {"candidate": candidate, "parts": explain(candidate.components)}
                for candidate in selectors.intake_candidates(intake)
            ]
        except NeedNotRankable as error:
            not_rankable = error
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
            "component_labels": [COMPONENT_LABELS[key] for key in COMPONENT_ORDER],
            "referrals": referrals,
            "refused": selectors.provider_names(
                selectors.refused_providers(intake.need) if intake.need else ()
            ).values(),
            "can_write": scope.can_write,
            "attach_form": attach_form or _attach_form(request, intake),
        },
        status=status,
    )


def _attach_form(request, intake: IntakeCase) -> AttachNeedForm | None:
    if intake.need_id is not None or intake.status != IntakeCase.Status.OPEN:
        return None
    needs = selectors.needs_awaiting_intake(request.user).filter(
        within(intake.township, "household__region")
    )
    return AttachNeedForm(needs=needs)


@login_required
@require_POST
def intake_attach(request, pk: int):
    """Attach the need recorded since the call, so the case can be referred."""
    require_staff_area(request.user)
    intake = get_object_or_404(selectors.intake_cases_for(request.user), pk=pk)
    form = _attach_form(request, intake)
    if form is None:
        return redirect("referrals:intake-detail", intake.pk)
    form = AttachNeedForm(request.POST, needs=form.fields["need"].queryset)
    if form.is_valid() and service_call(
        request,
        lambda: services.intake_attach_need(
            intake=intake, need=form.cleaned_data["need"], by=request.user
        ),
        form=form,
    ):
        messages.success(request, _("The need is attached: the case can be referred."))
        return redirect("referrals:intake-detail", intake.pk)
    return intake_detail(request, pk, attach_form=form, status=400)


@login_required
@require_POST
def intake_refer(request, pk: int):
    """Refer the case to the candidate staff picked from the engine's list."""
    require_staff_area(request.user)
    intake = get_object_or_404(selectors.intake_cases_for(request.user), pk=pk)
    kind, provider_id = request.POST.get("kind", ""), request.POST.get("provider", "")
    try:
        ranked = selectors.intake_candidates(intake) if intake.need else []
    except NeedNotRankable as error:
        messages.error(request, str(error))
        return redirect("referrals:intake-detail", intake.pk)
    chosen = next(
        (
            (rank, candidate)
            for rank, candidate in enumerate(ranked, start=1)
            if candidate.kind == kind and str(candidate.provider_id) == provider_id
        ),
        None,
    )
    if chosen is None:
        messages.error(request, _("That provider is no longer a candidate: choose again."))
        return redirect("referrals:intake-detail", intake.pk)
    rank, candidate = chosen
    sent = []

    def call():
        sent.append(
            services.referral_send(
                intake=intake,
                provider_id=candidate.provider_id,
                by=request.user,
                candidate=candidate,
                rank=rank,
            )
        )

    if service_call(request, call):
        messages.success(request, _("Referred to %(provider)s.") % {"provider": candidate.name})
        return redirect("referrals:referral-detail", sent[0].pk)
    return redirect("referrals:intake-detail", intake.pk)


@login_required
@require_POST
def intake_route(request, pk: int):
    """Send the case to the engine's first candidate."""
    require_staff_area(request.user)
    intake = get_object_or_404(selectors.intake_cases_for(request.user), pk=pk)
    sent = []
    if service_call(
        request, lambda: sent.append(services.intake_route(intake=intake, by=request.user))
    ):
        if sent[0] is None:
            messages.warning(request, _("No provider can take this need now."))
        else:
            messages.success(
                request, _("Referred to %(provider)s.") % {"provider": sent[0].provider.name}
            )
            return redirect("referrals:referral-detail", sent[0].pk)
    return redirect("referrals:intake-detail", intake.pk)
