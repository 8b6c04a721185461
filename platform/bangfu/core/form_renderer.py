"""Widgets rendered through Jinja2 where Django ships a Jinja2 template of them.

Django's template language costs about 50 µs a template: a select of 40 options renders 80
templates (an option and its attributes each), and the household list's filter form alone cost
6–7 ms of a 40 ms page. Django ships every built-in widget, error list and form layout as a
Jinja2 template too (``django/forms/jinja2``), the same markup, rendered several times faster.
The project's own widgets (``registry/widgets/…``) and field layouts stay in the template
language: a name with no Jinja2 template is looked up there, once.
"""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property


class FormRenderer(BaseRenderer):
    @cached_property
    def _jinja2(self):
        return Jinja2().engine

    @cached_property
    def _django(self):
        return DjangoTemplates().engine

    @cached_property
    def _engine_of(self) -> dict:
        return {}

    def get_template(self, template_name):
        engine = self._engine_of.get(template_name)
        if engine is None:
            try:
                return self._remember(template_name, self._jinja2)
            except TemplateDoesNotExist:
                engine = self._django
        return self._remember(template_name, engine)

    def _remember(self, template_name, engine):
        template = engine.get_template(template_name)
        self._engine_of[template_name] = engine
        return template
