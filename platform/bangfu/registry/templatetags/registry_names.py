"""The registry's names in the interface language, for templates:
``{{ need.category|category_name }}`` is the service's name as the household's timeline says it."""

from django import template

from bangfu.registry.timeline import category_name

register = template.Library()
register.filter("category_name", category_name)
