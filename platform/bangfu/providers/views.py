"""The provider directory for bureau staff, and a volunteer's own profile page.

Views parse input, call one selector or service and shape the output. The directory reads
through ``selectors.directory_providers`` (another county's provider is a 404) and is closed
(403) to anyone without a directory role; writes go through ``directory``, which checks the
writer's area again.
"""

from functools import partial

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bangfu.core.keyset import CURSOR, keyset_page
from bangfu.core.views import service_call
from bangfu.providers import directory, selectors
from bangfu.providers.filters import ProviderFilter
from bangfu.providers.forms import (
    PauseForm,
    StationForm,
    SuspendForm,
    VolunteerForm,
    VolunteerProfileForm,
)
from bangfu.providers.models import Certificate, Provider
from bangfu.providers.times import DAY_PARTS, DAYS, slots_of
from bangfu.registry.models import ServiceCategory

PAGE_SIZE = 25


def _require_directory(request) -> None:
    if not selectors.can_open_directory(request.user):
        raise PermissionDenied(_("The provider directory is for bureau staff and managers."))


def _provider(request, pk: int) -> Provider:
    _require_directory(request)
    return get_object_or_404(selectors.directory_providers(request.user), pk=pk)


def _with_categories(providers):
    categories = ServiceCategory.objects.order_by("pk")
    return providers.prefetch_related(
        Prefetch("station__categories", queryset=categories),
        Prefetch("volunteer__categories", queryset=categories),
    )


def _rows(providers) -> list[dict]:
    """Each provider with its capacity and record of work, for the list and the detail page."""
    stats = selectors.provider_stats(provider.pk for provider in providers)
    rows = []
    for provider in providers:
        station = provider.station if provider.kind == Provider.Kind.STATION else None
        volunteer = provider.volunteer if provider.kind == Provider.Kind.VOLUNTEER else None
        rows.append(
            {
                "provider": provider,
                "station": station,
                "volunteer": volunteer,
                "categories": list((station or volunteer).categories.all()),
                "capacity": selectors.capacity_of(provider),
                "stats": stats[provider.pk],
            }
        )
    return rows


def _week(available_times: list[dict]) -> list[tuple[str, list[bool]]]:
    free = slots_of(available_times)
    return [(label, [(day, part.code) in free for part in DAY_PARTS]) for day, label in DAYS]


@never_cache
@login_required
@require_GET
def provider_list(request):
    _require_directory(request)
    filterset = ProviderFilter(
        request.GET or None,
        queryset=_with_categories(selectors.directory_providers(request.user)),
        request=request,
    )
    page = keyset_page(request, filterset.qs, per_page=PAGE_SIZE)
    query = request.GET.copy()
    query.pop(CURSOR, None)
    query.pop("page", None)  # of a link bookmarked before pages went by key
    return render(
        request,
        "providers/list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "rows": _rows(page.object_list),
            "is_filtered": any(query.values()),
        },
    )


@never_cache
@login_required
@require_GET
def provider_detail(request, pk: int):
    return _detail(request, _provider(request, pk), suspend_form=SuspendForm())


def _detail(request, provider: Provider, *, suspend_form: SuspendForm, status: int = 200):
    # Read again with the list's joins: a write before this page changed the row.
    found = selectors.directory_providers(request.user).filter(pk=provider.pk)
    row = _rows([_with_categories(found).get()])[0]
    volunteer = row["volunteer"]
    return render(
        request,
        "providers/detail.html",
        {
            **row,
            "week": _week(volunteer.available_times) if volunteer else None,
            "certificates": [
                Certificate(code).label
                for code in (volunteer.certificates if volunteer else [])
                if code in Certificate.values
            ],
            "suspend_form": suspend_form,
            "day_parts": [part.label for part in DAY_PARTS],
        },
        status=status,
    )


def _form_page(request, form, write, *, template: str, title: str, success: str, provider=None):
    """Registering or editing: on a valid post ``write(**cleaned_data)`` (one service), then the
    provider's page; otherwise the form, with the service's refusal on it."""
    if request.method == "POST" and form.is_valid():
        outcome = service_call(
            request, lambda: write(**form.cleaned_data), form=form, success=success
        )
        if outcome:
            return redirect("providers:detail", outcome.value.provider_id)
    return render(request, template, {"form": form, "provider": provider, "title": title})


# Per kind: its form, its registration service, its page, its title and success message.
REGISTRATION = {
    Provider.Kind.STATION: (
        StationForm,
        directory.station_register,
        "providers/station_form.html",
        gettext_lazy("Register a station"),
        gettext_lazy("Station registered."),
    ),
    Provider.Kind.VOLUNTEER: (
        VolunteerForm,
        directory.volunteer_register,
        "providers/volunteer_form.html",
        gettext_lazy("Register a volunteer"),
        gettext_lazy("Volunteer registered: give them their user name and first password."),
    ),
}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def provider_create(request, kind: str):
    _require_directory(request)
    form_class, register, template, title, success = REGISTRATION[kind]
    return _form_page(
        request,
        form_class(request.POST or None, user=request.user),
        partial(register, by=request.user),
        template=template,
        title=str(title),
        success=str(success),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def provider_edit(request, pk: int):
    provider = _provider(request, pk)
    if provider.kind == Provider.Kind.STATION:
        form = StationForm(request.POST or None, instance=provider.station, user=request.user)
        write = partial(directory.station_update, by=request.user, station=provider.station)
        template = "providers/station_form.html"
    else:
        form = VolunteerForm(request.POST or None, instance=provider.volunteer, user=request.user)
        write = partial(directory.volunteer_update, by=request.user, volunteer=provider.volunteer)
        template = "providers/volunteer_form.html"
    return _form_page(
        request,
        form,
        write,
        template=template,
        title=_("Edit %(name)s") % {"name": provider.name},
        success=_("Changes saved."),
        provider=provider,
    )


@never_cache
@login_required
@require_POST
def provider_suspend(request, pk: int):
    provider = _provider(request, pk)
    form = SuspendForm(request.POST)
    if form.is_valid() and service_call(
        request,
        lambda: directory.provider_suspend(by=request.user, provider=provider, **form.cleaned_data),
        form=form,
        success=_("Suspended: the provider gets no new referrals."),
    ):
        return redirect("providers:detail", provider.pk)
    return _detail(request, provider, suspend_form=form, status=400)


@never_cache
@login_required
@require_POST
def provider_reactivate(request, pk: int):
    provider = _provider(request, pk)
    service_call(
        request,
        lambda: directory.provider_reactivate(by=request.user, provider=provider),
        success=_("Reactivated: the provider can be proposed again."),
    )
    return redirect("providers:detail", provider.pk)


# --- a volunteer's own profile -----------------------------------------------------------------


def _own_volunteer(request):
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        raise PermissionDenied(_("This page is for volunteers."))
    return volunteer


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    volunteer = _own_volunteer(request)
    form = VolunteerProfileForm(request.POST or None, instance=volunteer)
    if request.method == "POST" and form.is_valid():
        outcome = service_call(
            request,
            lambda: directory.volunteer_profile_update(
                by=request.user, volunteer=volunteer, **form.cleaned_data
            ),
            form=form,
            success=_("Your profile is saved."),
        )
        if outcome:
            return redirect("providers:profile")
    return render(
        request,
        "providers/profile.html",
        {
            "volunteer": volunteer,
            "provider": volunteer.provider,
            "form": form,
            "pause_form": PauseForm(),
        },
    )


@never_cache
@login_required
@require_POST
def profile_pause(request):
    _own_volunteer(request)
    form = PauseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    service_call(
        request,
        lambda: directory.volunteer_pause(by=request.user, note=note),
        success=_("Paused: you get no new tasks until you resume."),
    )
    return redirect("providers:profile")


@never_cache
@login_required
@require_POST
def profile_resume(request):
    _own_volunteer(request)
    service_call(
        request,
        lambda: directory.volunteer_resume(by=request.user),
        success=_("Welcome back: you can be given new tasks again."),
    )
    return redirect("providers:profile")
