"""Sign-in on an organization's host: only members of that organization get in."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError

from tenants.models import Membership

ADMIN_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


class OrgAuthenticationForm(AuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        tenant = self.request.tenant
        if not user.memberships.filter(organization_id=tenant.pk).exists():
            raise ValidationError(
                f"This account has no access to {tenant.name}.", code="not_member"
            )


class OrgLoginView(auth_views.LoginView):
    form_class = OrgAuthenticationForm
    redirect_authenticated_user = True


def org_member_required(view):
    """Signed in, and a member (any role) of the request's organization."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "org_role", None) is None:
            raise PermissionDenied("Only members of this organization can open this page.")
        return view(request, *args, **kwargs)

    return wrapper


def org_admin_required(view):
    """Signed in, and an owner or admin of the request's organization."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "org_role", None) not in ADMIN_ROLES:
            raise PermissionDenied("Only owners and admins can change settings.")
        return view(request, *args, **kwargs)

    return wrapper
