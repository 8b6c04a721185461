"""``service_call``, as a user of a staff page meets it: a service that goes through moves on
with its success message; a refusal shows on the form next to the field it names (400), or as
messages on the next page; a PermissionDenied is a 403 page with its reason."""

import pytest
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import include, path

from bangfu.core.errors import Refused
from bangfu.core.views import service_call

pytestmark = pytest.mark.urls(__name__)


class VisitForm(forms.Form):
    visited_on = forms.CharField()
    note = forms.CharField(required=False)


def visit_record(*, on: str, note: str) -> str:
    """A service whose arguments are not named as the form's fields."""
    if on == "2099-01-01":
        raise ValidationError({"on": "The visit cannot be after today."})
    if note == "bad":
        raise ValidationError("This household was closed meanwhile.")
    if note == "refused":
        raise Refused("The station is full: close a case first.")
    if note == "forbidden":
        raise PermissionDenied("This household is outside your area.")
    return f"visit of {on}"


def record(request):
    form = VisitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        outcome = service_call(
            request,
            lambda: visit_record(on=data["visited_on"], note=data["note"]),
            form=form,
            rename={"on": "visited_on"},
            success="The visit is recorded.",
        )
        if outcome:
            return redirect(f"/shown/?value={outcome.value}")
    return JsonResponse(form.errors.get_json_data(), status=400)


def act(request):
    """No form: the refusal becomes messages of the next page."""
    service_call(request, lambda: visit_record(on="2026-01-05", note=request.POST["note"]))
    return redirect("/shown/")


def fragment(request):
    """``show=False``: the page shows the refusal itself (an htmx row)."""
    outcome = service_call(
        request, lambda: visit_record(on="2026-01-05", note=request.POST["note"]), show=False
    )
    return HttpResponse(" ".join(outcome.messages) or "ok")


def shown(request):
    listed = [f"{m.level_tag}: {m.message}" for m in messages.get_messages(request)]
    return HttpResponse("\n".join([request.GET.get("value", ""), *listed]))


urlpatterns = [
    path("record/", record),
    path("act/", act),
    path("fragment/", fragment),
    path("shown/", shown),
    path("", include("bangfu.urls")),  # the 403 page links to the site's own pages
]


@pytest.fixture
def client(client, django_user_model):
    # The messages framework keeps its messages in the session of a logged-in user.
    client.force_login(django_user_model.objects.create_user("clerk"))
    return client


def test_a_service_that_goes_through_moves_on_with_its_value_and_success_message(client):
    response = client.post("/record/", {"visited_on": "2026-01-05"}, follow=True)

    assert response.content.decode().splitlines() == [
        "visit of 2026-01-05",
        "success: The visit is recorded.",
    ]


def test_a_refusal_naming_an_argument_shows_on_the_form_field_it_renames(client):
    response = client.post("/record/", {"visited_on": "2099-01-01"})

    assert response.status_code == 400
    assert response.json() == {
        "visited_on": [{"message": "The visit cannot be after today.", "code": ""}]
    }


@pytest.mark.parametrize(
    "note, message",
    [
        ("bad", "This household was closed meanwhile."),
        ("refused", "The station is full: close a case first."),
    ],
)
def test_a_refusal_without_a_field_shows_above_the_form(client, note, message):
    response = client.post("/record/", {"visited_on": "2026-01-05", "note": note})

    assert response.status_code == 400
    assert response.json() == {"__all__": [{"message": message, "code": ""}]}


@pytest.mark.parametrize(
    "note, shown",
    [
        ("bad", ["error: This household was closed meanwhile."]),
        ("refused", ["error: The station is full: close a case first."]),
        ("", []),
    ],
)
def test_without_a_form_the_refusal_is_a_message_of_the_next_page(client, note, shown):
    response = client.post("/act/", {"note": note}, follow=True)

    assert response.content.decode().splitlines()[1:] == shown


def test_a_page_that_shows_the_refusal_itself_gets_its_messages_and_no_message_is_queued(client):
    assert client.post("/fragment/", {"note": "refused"}).content.decode() == (
        "The station is full: close a case first."
    )
    assert client.post("/fragment/", {"note": ""}).content.decode() == "ok"
    assert client.get("/shown/").content.decode() == ""


def test_a_permission_denied_is_not_a_refusal_to_show_but_a_403_with_its_reason(client):
    response = client.post("/record/", {"visited_on": "2026-01-05", "note": "forbidden"})

    assert response.status_code == 403
    assert "This household is outside your area." in response.content.decode()
