from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bangfu.accounts import security
from bangfu.accounts.duties import Role, duties_of, may_change_account, may_set_credentials
from bangfu.accounts.models import Membership, Organisation, User

# Fields that give rights outside the roles: a superuser's alone to set.
SUPERUSER_FIELDS = {"is_staff", "is_superuser", "groups", "user_permissions"}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation", "villages"]


class PasswordlessCreationForm(AdminUserCreationForm):
    """The system administrator's new account: no password (the security administrator sets the
    first one, an audited event), so no one but the security administrator knows it."""

    def clean(self):
        self.cleaned_data["usable_password"] = "false"
        return super().clean()


def _account_action(description, service, done_message):
    """An admin action of the security administrator: ``service(user=…, by=…)`` on each
    selected account they may set (``UserAdmin._each``)."""

    @admin.action(description=description, permissions=["security"])
    def action(model_admin, request, queryset):
        model_admin._each(request, queryset, service, done_message)

    return action


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Bangfu"), {"fields": ("display_name", "phone")}),
    )
    list_display = ["username", "display_name", "email", "is_active", "is_staff"]
    inlines = [MembershipInline]
    actions = ["clear_lockout", "reset_two_factor", "activate", "deactivate"]

    def _sets_passwords(self, request) -> bool:
        return request.user.is_superuser or Role.SECURITY_ADMIN in duties_of(request.user)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        if obj is None and not self._sets_passwords(request):
            fieldsets = ((None, {"classes": ("wide",), "fields": ("username",)}),)
        return [
            (name, {**options, "fields": [f for f in fields if f not in SUPERUSER_FIELDS]})
            for name, options in fieldsets
            if (fields := options["fields"])
        ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and not self._sets_passwords(request):
            kwargs["form"] = PasswordlessCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not may_set_credentials(request.user, obj):
            readonly.append("is_active")  # the security administrator's (security.account_activate)
        return readonly

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and getattr(request, "_bangfu_sets_password", None) == obj.pk:
            return True  # user_change_password asked may_set_credentials already
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_change_account(request.user, obj))

    def user_change_password(self, request, id, form_url=""):
        """The password form: the security administrator's (``may_set_credentials``); a
        password set there is a security event."""
        user = self.get_object(request, unquote(id))
        if user is None:
            return super().user_change_password(request, id, form_url)
        if not may_set_credentials(request.user, user):
            raise PermissionDenied
        before = user.password
        request._bangfu_sets_password = user.pk
        response = super().user_change_password(request, id, form_url)
        user.refresh_from_db(fields=["password"])
        if user.password != before:
            security.password_set(user=user, by=request.user)
        return response

    def has_security_permission(self, request) -> bool:
        return self._sets_passwords(request)

    def _each(self, request, queryset, service, done_message) -> None:
        """``service`` on each selected account the user may set; say how many were done and
        how many were not theirs (their own, a superuser's, another duty's)."""
        accounts = [user for user in queryset if may_set_credentials(request.user, user)]
        for user in accounts:
            service(user=user, by=request.user)
        self.message_user(
            request, done_message(len(accounts)) % {"count": len(accounts)}, messages.SUCCESS
        )
        if skipped := len(queryset) - len(accounts):
            self.message_user(
                request,
                ngettext(
                    "%(count)d account is not yours to change: left as it was.",
                    "%(count)d accounts are not yours to change: left as they were.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    clear_lockout = _account_action(
        _("Unlock after failed log-ins"),
        security.lockout_clear,
        lambda count: ngettext(
            "%(count)d account unlocked.", "%(count)d accounts unlocked.", count
        ),
    )
    reset_two_factor = _account_action(
        _("Reset the second factor"),
        security.two_factor_reset,
        lambda count: ngettext(
            "%(count)d account will enrol a second factor again.",
            "%(count)d accounts will enrol a second factor again.",
            count,
        ),
    )
    activate = _account_action(
        _("Activate the account"),
        partial(security.account_activate, active=True),
        lambda count: ngettext("%(count)d account active.", "%(count)d accounts active.", count),
    )
    deactivate = _account_action(
        _("Deactivate the account"),
        partial(security.account_activate, active=False),
        lambda count: ngettext(
            "%(count)d account deactivated.", "%(count)d accounts deactivated.", count
        ),
    )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "region__name"]
    autocomplete_fields = ["region"]
    inlines = [MembershipInline]


class NotOwnMembership:
    """A membership form's check: nobody but a superuser grants roles to themselves."""

    by = None

    def clean(self):
        cleaned = super().clean()
        by = self.by
        if by is not None and not by.is_superuser and cleaned.get("user") == by:
            raise forms.ValidationError(
                {"user": _("Your own roles are changed by another security administrator.")}
            )
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__display_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation", "villages"]

    # A security administrator's own roles are another's to change (三员分立).
    def _own(self, request, obj) -> bool:
        return obj is not None and obj.user_id == request.user.pk and not request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not self._own(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not self._own(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (NotOwnMembership, form), {"by": request.user})
