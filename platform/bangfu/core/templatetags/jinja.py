"""``{% load jinja %}{% jinja "app/_row.jinja" name=value … %}``: a Jinja2 template
(``core.jinja``) included in a page of the template language, with the page's context, the
request's (its CSRF token too) and the values named."""

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja(context, template_name: str, **values) -> str:
    included = engines["jinja2"].get_template(template_name)
    # Jinja2 escaped what it had to; its output is markup.
    return mark_safe(included.render({**context.flatten(), **values}, context.get("request")))
