"""Each department's file, described: a blank template to download and the column
specification, linked from the import page. Neither holds personal data; both are for those who
import (bureau staff), as the import page is."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bangfu.core.spreadsheets import xlsx_response
from bangfu.discovery.models import Source
from bangfu.discovery.profiles import PROFILES, Profile, blank_template
from bangfu.discovery.selectors import require_import


def _profile(source: str) -> Profile:
    if source not in Source.values:
        raise Http404
    return PROFILES[Source(source)]


@login_required
@require_GET
def import_template(request, source: str):
    require_import(by=request.user)
    profile = _profile(source)
    return xlsx_response(blank_template(profile), f"{profile.source}-template.xlsx")


@login_required
@require_GET
def import_columns(request, source: str):
    require_import(by=request.user)
    profile = _profile(source)
    return render(
        request,
        "discovery/import_columns.html",
        {"profile": profile, "profiles": PROFILES.values()},
    )
