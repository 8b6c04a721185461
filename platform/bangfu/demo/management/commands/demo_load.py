"""``manage.py demo_load``: the demo county of 元江县, once; its log-ins every time."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bangfu.accounts.models import User
from bangfu.demo.builder import (
    COUNT_LABELS,
    SITE_URL,
    DemoConflict,
    DemoOptions,
    demo_build,
    demo_is_loaded,
    demo_reset,
)
from bangfu.demo.logins import LOGINS
from bangfu.registry.models import Household


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of {value!r}: use YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Load the deterministic demo county (Yuanjiang, Yunnan) and print one log-in per role."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=3000, help="default 3000")
        parser.add_argument("--seed", type=int, default=2026, help="default 2026")
        parser.add_argument(
            "--as-of", type=_date, default=None, help="the demo's today (YYYY-MM-DD)"
        )
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo first and build it again"
        )

    def handle(self, *args, households, seed, as_of, reset, **options):
        if households < 1:
            raise CommandError("--households must be at least 1")
        started = time.perf_counter()
        if reset and demo_is_loaded():
            demo_reset()
            self.stdout.write(_("Removed the demo (%.1f s).") % (time.perf_counter() - started))
        demo = DemoOptions(households=households, seed=seed, **({"as_of": as_of} if as_of else {}))

        def progress(step: str, seconds: float) -> None:
            self.stdout.write(f"  {step:<16} {seconds:6.1f} s")

        try:
            result = demo_build(options=demo, progress=progress)
        except DemoConflict as exc:
            raise CommandError(str(exc)) from exc
        if result.loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Demo loaded in %(seconds).1f s (seed %(seed)s, as of %(date)s).")
                    % {
                        "seconds": time.perf_counter() - started,
                        "seed": seed,
                        "date": demo.as_of.isoformat(),
                    }
                )
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    _("The demo is already loaded: nothing was added (use --reset to rebuild it).")
                )
            )
        for key, number in result.counts.items():
            self.stdout.write(f"  {_pad(str(COUNT_LABELS.get(key, key)), 16)} {number:>7,}")
        self._logins()

    def _logins(self) -> None:
        usernames = [login.username for login in LOGINS]
        users = {user.username: user for user in User.objects.filter(username__in=usernames)}
        rows = [(_("role"), _("username"), _("password"), _("what they can see"))]
        for login in LOGINS:
            user = users.get(login.username)
            sees = str(login.sees)
            if user is not None:
                count = Household.objects.for_user(user).count()
                sees += " " + _("(%(count)s households)") % {"count": f"{count:,}"}
            rows.append((str(login.role), login.username, login.password, sees))
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Log in at %(url)s") % {"url": SITE_URL}))
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        for number, row in enumerate(rows):
            cells = [_pad(cell, width) for cell, width in zip(row[:3], widths, strict=True)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
            if number == 0:
                self.stdout.write(
                    "  " + "  ".join("-" * width for width in widths) + "  " + "-" * 20
                )
        self.stdout.write(
            _("These passwords are public: never use the demo on a real installation.")
        )


def _width(text: str) -> int:
    """Display width: a Chinese character takes two columns in a terminal."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
