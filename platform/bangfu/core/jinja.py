"""The Jinja2 environment of the pages' hot rows (``TEMPLATES``'s second engine).

Django's template language costs about 50 µs a template and a few µs a tag: a referral row of
the portal, with its deadline, distance and answer forms, took 0.4 ms, so the inbox's 25 rows
were a quarter of the page. The rows a list repeats (and the intake desk's tables) live in the
apps' ``jinja2/`` folders as ``.jinja`` templates; a page in the template language includes
them with ``{% jinja "…" %}`` (``{% load jinja %}``), and an htmx swap renders one row
straight from its view.

They speak the template language's dialect where it matters:
- ``_("…")`` is Django's ``gettext`` (so ``make messages`` extracts it, ``.jinja`` included) and
  a sentence with a value is ``_("%(km)s km")|format(km=…)``, the message id
  ``{% blocktranslate %}`` writes;
- ``url(name, *args)`` is ``reverse``; ``csrf_input`` is the form's hidden token (the backend's);
- ``date``, ``floatformat``, ``linebreaksbr``, ``timesince``, ``timeuntil`` and
  ``truncatechars`` are Django's own filters, and ``date`` shows a moment in the site's time
  zone, as the template language does; ``yuan`` is ``{% load money %}``'s;
- everything is escaped unless marked safe, as in the template language.
"""

from django.template import defaultfilters
from django.urls import reverse
from django.utils.timezone import template_localtime
from django.utils.translation import gettext, ngettext
from jinja2 import Environment, Undefined

from bangfu.core.templatetags.money import yuan


def url(name: str, *args) -> str:
    return reverse(name, args=args)


def date(value, format_string=None) -> str:
    return defaultfilters.date(template_localtime(value), format_string)


def environment(**options) -> Environment:
    # A missing value renders as nothing in every mode, as in the template language (Django
    # would print Jinja2's debugging placeholder with DEBUG on, i.e. in the embedded mode).
    options["undefined"] = Undefined
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=False)
    env.globals["url"] = url
    env.filters.update(
        date=date,
        floatformat=defaultfilters.floatformat,
        linebreaksbr=defaultfilters.linebreaksbr,
        timesince=defaultfilters.timesince_filter,
        timeuntil=defaultfilters.timeuntil_filter,
        truncatechars=defaultfilters.truncatechars,
        yuan=yuan,
    )
    return env
