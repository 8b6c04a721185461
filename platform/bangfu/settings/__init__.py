"""Bangfu's settings, driven by the environment, one module per subject.

BANGFU_MODE=embedded (the default) runs on SQLite with Celery tasks executed in-process, so a
newcomer needs nothing installed. BANGFU_MODE=production refuses to start without a secret key,
a database URL, a broker and encryption keys, and turns on the HTTPS hardening that
``manage.py check --deploy`` asks for.

``base`` holds the mode, the apps, the database, languages, files and logging; ``security`` the
field cipher, log-ins, passwords, second factors, sessions, lockouts, the audit log and the CSP;
``tasks`` Celery, its time limits and the periodic tasks; ``services`` the cache, mail and SMS;
``api`` the HTTP API, its tokens, webhooks and the public directory. A module reads what it needs
from ``base`` and nothing from the others.
"""

from bangfu.settings.api import *  # noqa: F403
from bangfu.settings.base import *  # noqa: F403
from bangfu.settings.security import *  # noqa: F403
from bangfu.settings.services import *  # noqa: F403
from bangfu.settings.tasks import *  # noqa: F403
