"""API tokens: made, revoked, found by their secret and recorded at each use.

A secret is ``bfk_`` and 43 characters of ``secrets.token_urlsafe(32)`` (256 bits): only its
SHA-256 is stored, so a copy of the database opens nothing, and a lookup by that hash needs no
slow password hash (the secret is not a person's choice, it cannot be guessed). Each creation,
revocation and use leaves an audit entry on the token naming its prefix, never the secret.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership
from bangfu.accounts.scoping import holds_membership
from bangfu.api.models import ApiToken
from bangfu.core.audit import log_created

SECRET_START = "bfk_"
# "bfk_" and the first 8 random characters: enough to tell tokens apart in a list, 48 of the
# secret's 256 bits.
PREFIX_LENGTH = 12
# In an audit entry's additional_data: what happened to the token.
AUDIT_KEY = "api_token"
# A token's last use is written at most this often (the audit log has every use).
LAST_USED_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A token just made and its secret, which exists only here: shown once, never stored."""

    token: ApiToken
    secret: str


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_keep_tokens_of(by, user) -> bool:
    """Whether ``by`` makes and revokes ``user``'s tokens: their own, or as the bureau manager
    of the organisation of ``user``'s service account."""
    if not getattr(by, "is_authenticated", False) or not by.is_active:
        return False
    if by.pk == user.pk:
        return True
    account = getattr(user, "service_account", None)
    return account is not None and holds_membership(
        by, [Membership.Role.BUREAU_MANAGER], account.organisation
    )


def require_keeper(by, user) -> None:
    if not may_keep_tokens_of(by, user):
        raise PermissionDenied(_("The tokens of this account are not yours to keep."))


def expiry_bounds(today: dt.date | None = None) -> tuple[dt.date, dt.date, dt.date]:
    """The first day a new token may expire on, its default expiry and the latest one."""
    today = today or timezone.localdate()
    return (
        today + dt.timedelta(days=1),
        today + dt.timedelta(days=settings.API_TOKEN_DEFAULT_DAYS),
        today + dt.timedelta(days=settings.API_TOKEN_MAX_DAYS),
    )


def _end_of(day: dt.date) -> dt.datetime:
    """The token works through ``day``, local time: it expires at the next midnight."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _audit(token: ApiToken, *, action, actor, **data) -> None:
    LogEntry.objects.log_create(
        token,
        force_log=True,
        action=action,
        actor=actor,
        additional_data={AUDIT_KEY: token.prefix, **data},
    )


@transaction.atomic
def api_token_create(*, by, user, name: str, scope: str, expires_on: dt.date) -> IssuedToken:
    """A new token of ``user`` (``by`` themselves, or a service account ``by`` manages)."""
    require_keeper(by, user)
    first, _default, last = expiry_bounds()
    errors = {}
    if not name.strip():
        errors["name"] = _("Name the token after what will use it.")
    if scope not in ApiToken.Scope.values:
        errors["scope"] = _("Choose read, or read and write.")
    if expires_on is None or not first <= expires_on <= last:
        errors["expires_on"] = _("A token expires between tomorrow and %(last)s.") % {
            "last": last.isoformat()
        }
    if errors:
        raise ValidationError(errors)
    secret = SECRET_START + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        scope=scope,
        prefix=secret[:PREFIX_LENGTH],
        secret_hash=secret_hash(secret),
        expires_at=_end_of(expires_on),
        created_by=by,
    )
    token.full_clean()
    token.save()
    log_created(
        [token],
        actor=by,
        additional_data={AUDIT_KEY: token.prefix, "scope": scope, "for": user.get_username()},
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, by, token: ApiToken) -> ApiToken:
    """Revoke ``token`` now: the next request that presents it is refused."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    require_keeper(by, token.user)
    if token.revoked_at is not None:
        raise ValidationError(_("This token is revoked already."))
    token.revoked_at = timezone.now()
    token.revoked_by = by
    token.save(update_fields=["revoked_at", "revoked_by"])
    _audit(token, action=LogEntry.Action.UPDATE, actor=by, event="revoked")
    return token


def token_for_secret(secret: str) -> ApiToken | None:
    """The token whose secret this is, live or not (the caller says why it is refused)."""
    if not secret.startswith(SECRET_START):
        return None
    return (
        ApiToken.objects.select_related("user", "user__service_account")
        .filter(secret_hash=secret_hash(secret))
        .first()
    )


def api_token_used(*, token: ApiToken, method: str, path: str) -> None:
    """Record one request made with ``token``: the method and the path, never the query (it
    may hold a name or an ID number) nor the secret."""
    _audit(token, action=LogEntry.Action.ACCESS, actor=token.user, method=method, path=path)
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def tokens_of(user) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first."""
    return ApiToken.objects.filter(user=user).select_related("created_by", "revoked_by")
