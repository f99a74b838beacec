"""Sign-in on an organization's host: only members of that organization get in.

Every failure reads the same (wrong password, unknown account, or a right password for an
account that is no member here), and every one counts towards the lockout (django-axes, see
settings), so neither the message nor the lockout tells a guessed password apart.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render

from host.forms import SiteFormMixin
from tenants.models import Membership

ADMIN_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


class OrgAuthenticationForm(SiteFormMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Please enter a correct email and password. Note that both fields may "
                         "be case-sensitive.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email"

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.memberships.filter(organization_id=self.request.tenant.pk).exists():
            # Counted like a wrong password (axes listens to this signal) and worded like one.
            user_login_failed.send(sender=__name__, request=self.request,
                                   credentials={"username": self.cleaned_data.get("username")})
            raise self.get_invalid_login_error()


class OrgLoginView(auth_views.LoginView):
    form_class = OrgAuthenticationForm
    redirect_authenticated_user = True


class OrgPermissionDenied(PermissionDenied):
    """A refusal worded for the user: the branded 403 page shows its message (who can do it).

    Other ``PermissionDenied`` messages are not shown: they may be internal.
    """


def org_member_required(view):
    """Signed in, and a member (any role) of the request's organization."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "org_role", None) is None:
            raise OrgPermissionDenied(
                f"Only members of {request.tenant.name} can open this page.")
        return view(request, *args, **kwargs)

    return wrapper


class StaffAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in: a right password of an account that is not staff is refused with
    the wrong-password message already; it also counts towards the lockout like one."""

    def confirm_login_allowed(self, user):
        try:
            super().confirm_login_allowed(user)
        except ValidationError:
            user_login_failed.send(sender=__name__, request=self.request,
                                   credentials={"username": self.cleaned_data.get("username")})
            raise


def org_admin_required(view=None, *, does: str = "open this page"):
    """Signed in, and an owner or admin of the request's organization.

    ``@org_admin_required`` or ``@org_admin_required(does="manage API keys")``: a member gets
    the 403 page saying "Only owners and admins of <org> can <does>."
    """
    if view is None:
        return lambda v: org_admin_required(v, does=does)

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "org_role", None) not in ADMIN_ROLES:
            raise OrgPermissionDenied(
                f"Only owners and admins of {request.tenant.name} can {does}.")
        return view(request, *args, **kwargs)

    return wrapper


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (f"Too many failed sign-in attempts. Try again in {minutes} minutes, or ask an "
            "administrator.")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout page (429): the org's login page, or the admin's, with the reason."""
    if request.path.startswith("/admin/"):
        from django.contrib import admin

        context = {**admin.site.each_context(request), "form": StaffAuthenticationForm(request),
                   "title": "Log in", "app_path": request.get_full_path(),
                   "error_message": lockout_message()}
        return render(request, "admin/locked_out.html", context, status=429)
    return render(request, "registration/login.html",
                  {"form": OrgAuthenticationForm(request), "org": request.tenant,
                   "error_message": lockout_message()}, status=429)
