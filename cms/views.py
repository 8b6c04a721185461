"""Public views outside the page tree: site search, the language switch, the help form and its
status page.

Spam resistance without third-party services: a size limit on the request body, a honeypot
field, and rate limits per address and per phone number in Django's cache.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from wagtail.models import Page

from bangfu.core import throttle
from bangfu.referrals.public_intake import public_help_request_status, public_help_request_submit
from cms.forms import HelpRequestForm, HelpStatusForm, SearchForm
from cms.models import NewsPage, OfferPage, PolicyPage, ProjectPage
from cms.search import query_text

MAX_BODY_BYTES = 8 * 1024
# (attempts, seconds)
HELP_PER_ADDRESS = (10, 60 * 60)
HELP_PER_PHONE = (3, 24 * 60 * 60)
STATUS_PER_ADDRESS = (20, 60 * 60)
SEARCH_PAGE_SIZE = 10
SEARCH_TYPES = {
    "projects": (ProjectPage,),
    "offers": (OfferPage,),
    "news": (NewsPage,),
    "policies": (PolicyPage,),
}
# The confirmation page shows the code once; the status page keeps it at hand for this visitor
# (the session, never the URL: the code is half of what opens a request's status).
SESSION_KEY = "cms_help_code"
STATUS_CODE_KEY = "cms_help_status_code"


def _too_many(request, template: str, form, status: int = 429):
    form.add_error(None, _("Too many attempts. Please wait an hour or call 12349."))
    return render(request, template, {"form": form}, status=status)


@require_GET
def search(request):
    form = SearchForm(request.GET)
    form.is_valid()
    query = (form.cleaned_data.get("q") or "").strip()
    kind = form.cleaned_data.get("type") or ""
    terms = query_text(query)
    page_obj = None
    if terms:
        pages = Page.objects.live().public().type(*SEARCH_TYPES.get(kind, _all_types()))
        results = pages.specific().search(terms, operator="and")
        page_obj = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "cms/search.html",
        {
            "form": form,
            "query": query,
            "kind": kind,
            "page_obj": page_obj,
            "query_without_page": f"{params.urlencode()}&" if params else "",
        },
    )


def _all_types():
    return tuple(model for models in SEARCH_TYPES.values() for model in models)


@require_GET
def language(request):
    """The public layout's language switch: Django's ``set_language`` without its form token,
    so that the pages carry none and are the same for every visitor (they are served from the
    shared cache, ``bangfu.core.public_cache``). It sets the same cookie and nothing else: a
    forged link can change a visitor's language, no more."""
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    code = request.GET.get("language", "")
    if check_for_language(code):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def help_request(request):
    if request.method == "GET":
        return render(request, "cms/help_form.html", {"form": HelpRequestForm()})
    if len(request.body) > MAX_BODY_BYTES:
        return HttpResponse(_("The request is too large."), status=413)
    form = HelpRequestForm(request.POST)
    if not throttle.allow_address(
        "help-address", request, limit=HELP_PER_ADDRESS[0], window=HELP_PER_ADDRESS[1]
    ):
        return _too_many(request, "cms/help_form.html", form)
    if not form.is_valid():
        return render(request, "cms/help_form.html", {"form": form}, status=400)
    data = form.cleaned_data
    if not throttle.allow(
        "help-phone", data["phone"], limit=HELP_PER_PHONE[0], window=HELP_PER_PHONE[1]
    ):
        return _too_many(request, "cms/help_form.html", form)
    try:
        code = public_help_request_submit(
            name=data["name"],
            phone=data["phone"],
            township=data["township"],
            village=data["village"],
            description=data["description"],
            consent=data["consent"],
        )
    except ValidationError as error:
        form.add_error(None, error)  # the service names the form's own fields
        return render(request, "cms/help_form.html", {"form": form}, status=400)
    request.session[SESSION_KEY] = request.session[STATUS_CODE_KEY] = code
    return redirect("public:help-received")


@never_cache
@require_GET
def help_received(request):
    code = request.session.pop(SESSION_KEY, None)
    if not code:
        messages.info(request, _("Find the progress of a request with its code."))
        return redirect("public:help-status")
    return render(request, "cms/help_received.html", {"code": code})


@never_cache
@require_http_methods(["GET", "POST"])
def help_status(request):
    if request.method == "GET":
        # The last code this browser was given fills it in; the phone is typed again.
        form = HelpStatusForm(initial={"code": request.session.get(STATUS_CODE_KEY, "")})
        return render(request, "cms/help_status.html", {"form": form})
    form = HelpStatusForm(request.POST)
    if not throttle.allow_address(
        "help-status", request, limit=STATUS_PER_ADDRESS[0], window=STATUS_PER_ADDRESS[1]
    ):
        return _too_many(request, "cms/help_status.html", form)
    if not form.is_valid():
        return render(request, "cms/help_status.html", {"form": form}, status=400)
    status = public_help_request_status(
        code=form.cleaned_data["code"], phone=form.cleaned_data["phone"]
    )
    if status is None:
        form.add_error(None, _("No request matches this code and phone number."))
        return render(request, "cms/help_status.html", {"form": form}, status=404)
    return render(request, "cms/help_status.html", {"form": HelpStatusForm(), "status": status})
