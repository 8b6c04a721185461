"""Who a request to the API is: the user of the bearer token it presents, nothing else.

``Authorization: Bearer <secret>`` only: no session (the pages keep their log-in, the API needs
no CSRF token), no token in the query string (it would reach logs). The token's user becomes
``request.user``, so ``scope_for`` and every selector's ``for_user`` apply as on the pages, and
auditlog's entries written during the request name them as the actor.
"""

from auditlog.context import auditlog_value
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from bangfu.api.tokens import api_token_used, token_for_secret

KEYWORD = b"bearer"


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                _("Send the token as “Authorization: Bearer <token>”."), code="malformed_header"
            )
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(
                _("This token is not known."), code="token_unknown"
            ) from None
        token = token_for_secret(secret)
        if token is None:
            raise AuthenticationFailed(_("This token is not known."), code="token_unknown")
        if token.revoked_at is not None:
            raise AuthenticationFailed(_("This token has been revoked."), code="token_revoked")
        if token.is_expired:
            raise AuthenticationFailed(_("This token has expired."), code="token_expired")
        if not token.user.is_active:
            raise AuthenticationFailed(
                _("The account of this token is deactivated."), code="account_inactive"
            )
        api_token_used(token=token, method=request.method, path=request.path)
        # auditlog's middleware ran before the token was read and found no user: entries the
        # view writes name the token's user.
        context = auditlog_value.get(None)
        if context is not None:
            context["actor"] = token.user
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
