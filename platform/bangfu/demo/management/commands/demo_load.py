"""``manage.py demo_load``: the demo county of 元江县, once; its log-ins every time."""

import datetime as dt
import logging
import time
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
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
from bangfu.demo.logins import LOGINS, Login
from bangfu.offers.models import Offer
from bangfu.offers.selectors import charity_of
from bangfu.referrals.selectors import provider_referrals
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

    def handle(self, *args, households, seed, as_of, reset, verbosity, **options):
        if households < 1:
            raise CommandError("--households must be at least 1")
        # The steps work through the services: each task run, page published and index update
        # logs a line. Thousands of them would bury the summary; -v 2 shows them.
        with _quiet_logs(enabled=verbosity < 2):
            self._load(households=households, seed=seed, as_of=as_of, reset=reset)
        self._logins()

    def _load(self, *, households, seed, as_of, reset) -> None:
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
        width = max(_width(str(COUNT_LABELS.get(key, key))) for key in result.counts)
        for key, number in result.counts.items():
            self.stdout.write(f"  {_pad(str(COUNT_LABELS.get(key, key)), width)} {number:>7,}")

    def _logins(self) -> None:
        usernames = [login.username for login in LOGINS]
        users = {user.username: user for user in User.objects.filter(username__in=usernames)}
        rows = [(_("role"), _("username"), _("password"), _("what they can see"))]
        for login in LOGINS:
            user = users.get(login.username)
            sees = str(login.sees)
            if user is not None:
                sees += " " + _figure(login, user)
            rows.append((str(login.role), login.username, login.password, sees))
        site = SITE_URL.rstrip("/")
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(_("Public site, no log-in needed: %(url)s") % {"url": SITE_URL})
        )
        self.stdout.write(
            self.style.SUCCESS(_("Log in at %(url)s") % {"url": site + reverse("accounts:login")})
        )
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


def _figure(login: Login, user: User) -> str:
    """How much of the demo the log-in sees, in the unit of what it works on."""
    if login.counts == "referrals":
        count = provider_referrals(user).count()
        return _("(%(count)s referrals)") % {"count": f"{count:,}"}
    if login.counts == "offers":
        charity = charity_of(user)
        count = Offer.objects.filter(charity=charity).count() if charity else 0
        return _("(%(count)s offers)") % {"count": f"{count:,}"}
    count = Household.objects.for_user(user).count()
    return _("(%(count)s households)") % {"count": f"{count:,}"}


@contextmanager
def _quiet_logs(*, enabled: bool):
    """Drop INFO records everywhere (warnings still show) while the demo loads."""
    before = logging.root.manager.disable
    if enabled:
        logging.disable(max(before, logging.INFO))
    try:
        yield
    finally:
        logging.disable(before)


def _width(text: str) -> int:
    """Display width: a Chinese character takes two columns in a terminal."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
