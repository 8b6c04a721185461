"""What a logged-in user owes before anything else: a second factor, then a new password.

The log-in page stays Django's: after the password, this middleware sends a user whose session
is not verified by a second factor, and who has one or must enrol one, to the two-factor pages,
and a user whose password has expired to the change-password page. The log-out, language and
two-factor pages stay open. What the user owes is worked out at the log-in (``remember_at_log_in``,
connected to ``user_logged_in``) and kept in the session, so pages cost no extra query.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from bangfu.accounts.passwords import EXPIRED_SESSION_KEY, password_expired
from bangfu.accounts.two_factor import ASK, ENROL, STATE_SESSION_KEY, second_factor_state


def remember_at_log_in(sender, request, user, **kwargs) -> None:
    """At every log-in: what this user owes, for the rest of the session."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[STATE_SESSION_KEY] = second_factor_state(user)
    request.session[EXPIRED_SESSION_KEY] = password_expired(user)


def _open_paths() -> tuple[str, ...]:
    return (
        reverse("accounts:logout"),
        reverse("accounts:login"),
        reverse("set_language"),
        reverse("accounts:two-factor"),  # and every page under it
    )


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.owed(request) or self.get_response(request)

    def owed(self, request):
        user = request.user
        if not user.is_authenticated or request.path_info.startswith(_open_paths()):
            return None
        session = request.session
        if not user.is_verified():
            if STATE_SESSION_KEY not in session:  # a session older than this middleware
                session[STATE_SESSION_KEY] = second_factor_state(user)
            if session[STATE_SESSION_KEY] in {ASK, ENROL}:
                query = urlencode({"next": request.path})
                return self._go(request, f"{reverse('accounts:two-factor-verify')}?{query}")
        if session.get(EXPIRED_SESSION_KEY):
            change = reverse("accounts:password-change")
            if request.path_info == change:
                return None
            if password_expired(user):
                messages.warning(
                    request, _("Your password has expired: choose a new one to continue.")
                )
                return self._go(request, change)
            del session[EXPIRED_SESSION_KEY]
        return None

    @staticmethod
    def _go(request, url: str):
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)
