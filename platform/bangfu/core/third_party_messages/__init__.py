"""Messages of third-party apps that ship no Chinese for them, marked here for our catalogue.

The Django admin (/admin/) and Wagtail's admin (/cms-admin/) are used in Chinese, but django-axes
and django-auditlog have no Chinese catalogue at all, and the Chinese catalogues of Wagtail and
Django lag behind the strings they have added since. ``makemessages`` finds only what our own code
marks, so this package marks those messages (their exact msgids, as the apps write them) for it:
they land in ``locale/zh_Hans/LC_MESSAGES/django.po`` with ours, are translated there, and since
the catalogues of ``LOCALE_PATHS`` take precedence over the apps' own, the apps show our Chinese.
The same precedence lets ``WAGTAIL_APP_NAMES`` replace a translation an app does ship.

Nothing imports this package. When an app is upgraded, compare its msgids again (a changed msgid
simply falls back to English): the lists were taken from each app's ``en`` catalogue (axes and
auditlog: from ``makemessages`` over their sources) minus what a Chinese catalogue already
translates. Messages with a plural are marked with ``ngettext_lazy`` so the entry keeps its
``msgid_plural``, which is how ``ngettext`` and ``{% blocktranslate count %}`` look them up.
"""
