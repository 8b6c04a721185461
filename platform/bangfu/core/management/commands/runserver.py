"""``manage.py runserver``, as ``make demo`` serves: Django's (static files included), and in the
embedded mode the periodic tasks too (``bangfu.core.scheduler``)."""

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand
from django.utils.translation import gettext as _

from bangfu.core.scheduler import start_embedded


class Command(RunserverCommand):
    def inner_run(self, *args, **options):
        # ``inner_run`` runs in the process that serves: under the autoreloader, the child it
        # starts again on each change (the parent only watches files), so one scheduler runs,
        # and it goes with the child it ran in.
        if start_embedded() is not None:
            self.stdout.write(_("Periodic tasks run in this process (embedded mode)."))
        super().inner_run(*args, **options)
