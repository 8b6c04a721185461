"""Forms render Django's own widgets through Jinja2 and the project's through the template
language: the same markup as Django's default renderer, at a fraction of the cost."""

import re

import pytest
from django.forms.renderers import DjangoTemplates
from django.template.backends.jinja2 import Template as Jinja2Template

from bangfu.core.form_renderer import FormRenderer
from bangfu.registry.filters import HouseholdFilter
from bangfu.registry.models import Household, ServiceCategory

pytestmark = pytest.mark.django_db


def _markup(form) -> str:
    return re.sub(r">\s+<", "><", str(form)).strip()


def test_a_filter_form_renders_as_django_renders_it():
    ServiceCategory.objects.create(
        code="elder_care", name="生活照料", name_en="Elder care", kind=ServiceCategory.Kind.SERVICE
    )
    data = {"tier": "tekun", "sort": "-members", "region": "not-a-region"}  # chosen and refused
    ours = HouseholdFilter(data, queryset=Household.objects.none()).form
    ours.renderer = FormRenderer()
    django = HouseholdFilter(data, queryset=Household.objects.none()).form
    django.renderer = DjangoTemplates()
    assert ours.is_valid() == django.is_valid()
    markup = _markup(ours)
    assert markup == _markup(django)
    assert "生活照料" in markup and 'value="tekun" selected' in markup
    assert 'value="-members" selected' in markup


def test_djangos_widgets_come_from_jinja2_and_the_projects_from_the_template_language():
    renderer = FormRenderer()
    assert isinstance(renderer.get_template("django/forms/widgets/select.html"), Jinja2Template)
    # Positive control: a widget only the project has is found in its own templates.
    region = renderer.get_template("registry/widgets/region_search.html")
    assert not isinstance(region, Jinja2Template)
