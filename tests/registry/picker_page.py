"""A page that holds the household picker in a posted form, as the intake desk's does: the
browser test of the picker uses these URLs (the project's, and this page)."""

from django.http import HttpResponse
from django.template import RequestContext, Template
from django.urls import include, path

PAGE = Template(
    '{% extends "base.html" %}{% block content %}'
    '<form method="post" id="host">{% csrf_token %}'
    '{% include "registry/includes/household_picker.html" with field_name="household" %}'
    '<button type="submit" id="send">send</button></form>'
    '{% if chosen %}<p id="posted">posted {{ chosen }}</p>{% endif %}{% endblock %}'
)


def picker_page(request):
    chosen = request.POST.get("household", "") if request.method == "POST" else ""
    return HttpResponse(PAGE.render(RequestContext(request, {"chosen": chosen})))


urlpatterns = [path("picker-page/", picker_page), path("", include("bangfu.urls"))]
