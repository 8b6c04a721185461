"""What a token may do: its user's roles decide what is theirs (selectors, services); the
token's scope decides whether it may change anything at all."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from bangfu.api.models import ApiToken


class TokenScope(BasePermission):
    """The default permission: an authenticated token, and one of scope ``read_write`` for
    anything but GET, HEAD and OPTIONS. A request authenticated without a token (none is
    possible through the API's own authentication) may only read."""

    message = _("This token's scope is “read”: it may only read (GET, HEAD, OPTIONS).")
    code = "token_scope"

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        return isinstance(request.auth, ApiToken) and request.auth.writes


class SearchScope(TokenScope):
    """For a search that is posted because its words are personal data (never in a URL, where
    proxies and browsers log them): it reads only, so a ``read`` token may post it."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)
