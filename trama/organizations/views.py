from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from trama.audit.models import AuditEvent
from trama.audit.services import chain_for
from trama.lib.cache import cached_page
from trama.lib.refusals import add_refusal, attempt

from . import services
from .access import ADMIN, MEMBER, access_organization, memberships_of
from .forms import (
    AcceptInvitationForm,
    ClaimForm,
    DirectoryFilterForm,
    InvitationForm,
    OrganizationForm,
    RoleForm,
    TwoFactorPolicyForm,
)
from .models import Invitation, Membership, Organization

PAGE_SIZE = 20


def _page(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


@cached_page("organizations", "territories")
@require_GET
def directory(request):
    form = DirectoryFilterForm(request.GET or None)
    page = _page(request, form.filter(Organization.objects.for_directory()))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = (
        "organizations/directory.html#results" if request.htmx else "organizations/directory.html"
    )
    return render(request, template, context)


@require_GET
def detail(request, slug):
    access = access_organization(request.user, slug)
    org = access.organization
    context = {
        "access": access,
        "org": org,
        "member_municipalities": org.member_municipalities.select_related("province"),
    }
    return render(request, "organizations/detail.html", context)


@login_required
def create(request):
    form = OrganizationForm(request.POST or None)
    taken = None
    if request.method == "POST" and form.is_valid():
        try:
            org = services.create_organization(by=request.user, **form.service_fields())
        except ValidationError as exc:
            add_refusal(request, exc, form)
            taken = _taken_organization(exc)
        else:
            request.session["active_org"] = org.pk
            messages.success(
                request, _("%(name)s is on Trama. You are its administrator.") % {"name": org.name}
            )
            return redirect(org)
    status = 400 if request.method == "POST" else 200
    return render(request, "organizations/form.html", {"form": form, "taken": taken}, status=status)


def _taken_organization(exc: ValidationError):
    for error in exc.error_dict.get("tax_code", []):
        if error.code == "tax_code_taken":
            return Organization.objects.filter(slug=error.params["slug"]).first()
    return None


@login_required
def edit(request, slug):
    access = access_organization(request.user, slug, need=ADMIN)
    org = access.organization
    form = OrganizationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(org, by=request.user, **form.service_fields())
        except ValidationError as exc:
            add_refusal(request, exc, form)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("organizations:detail", slug=org.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "organizations/form.html",
        {"form": form, "org": org, "access": access},
        status=status,
    )


@login_required
def members(request, slug):
    access = access_organization(request.user, slug, need=MEMBER)
    org = access.organization
    invite_form = InvitationForm(request.POST or None)
    if request.method == "POST":
        access = access_organization(request.user, slug, need=ADMIN)
        if invite_form.is_valid():
            sent = attempt(
                request,
                lambda: services.invite_member(
                    org,
                    by=request.user,
                    email=invite_form.cleaned_data["email"],
                    role=invite_form.cleaned_data["role"],
                    language=get_language(),
                ),
                form=invite_form,
            )
            if sent:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": sent.result.email}
                )
                return redirect("organizations:members", slug=slug)
    context = {
        "access": access,
        "org": org,
        "memberships": _page(
            request, org.memberships.select_related("user").order_by("role", "user__email")
        ),
        "invitations": org.invitations.pending().select_related("invited_by")
        if access.is_admin
        else [],
        "invite_form": invite_form,
        "roles": Membership.Role.choices,
        # The last administrator can be neither removed nor leave: no button for it.
        "admin_count": org.memberships.filter(role=Membership.Role.ADMIN).count(),
    }
    return render(
        request, "organizations/members.html", context, status=400 if invite_form.errors else 200
    )


@login_required
@require_POST
def change_role(request, slug, membership_id):
    access = access_organization(request.user, slug, need=ADMIN)
    membership = get_object_or_404(Membership, pk=membership_id, organization=access.organization)
    form = RoleForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.change_member_role(
                membership, by=request.user, role=form.cleaned_data["role"]
            ),
            success=_("Role updated."),
        )
    else:
        messages.error(request, _("Choose a valid role."))
    return redirect("organizations:members", slug=slug)


@login_required
@require_POST
def remove_member(request, slug, membership_id):
    access = access_organization(request.user, slug, need=MEMBER)
    membership = get_object_or_404(Membership, pk=membership_id, organization=access.organization)
    if membership.user_id != request.user.pk:  # leaving is allowed to everyone
        access = access_organization(request.user, slug, need=ADMIN)
    if not attempt(request, lambda: services.remove_member(membership, by=request.user)):
        return redirect("organizations:members", slug=slug)
    if membership.user_id == request.user.pk:
        messages.success(request, _("You left %(name)s.") % {"name": access.organization.name})
        return redirect("pages:dashboard")
    messages.success(request, _("Member removed."))
    return redirect("organizations:members", slug=slug)


@login_required
@require_POST
def revoke_invitation(request, slug, invitation_id):
    access = access_organization(request.user, slug, need=ADMIN)
    invitation = get_object_or_404(Invitation, pk=invitation_id, organization=access.organization)
    services.revoke_invitation(invitation, by=request.user)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("organizations:members", slug=slug)


@login_required
def security(request, slug):
    access = access_organization(request.user, slug, need=ADMIN)
    org = access.organization
    form = TwoFactorPolicyForm(request.POST or None, initial={"require_2fa": org.require_2fa})
    if request.method == "POST" and form.is_valid():
        services.set_require_2fa(org, by=request.user, required=form.cleaned_data["require_2fa"])
        messages.success(request, _("Security settings saved."))
        return redirect("organizations:security", slug=slug)
    return render(
        request, "organizations/security.html", {"access": access, "org": org, "form": form}
    )


@login_required
@require_GET
def audit_trail(request, slug):
    access = access_organization(request.user, slug, need=ADMIN)
    events = (
        AuditEvent.objects.for_chain(chain_for(access.organization))
        .select_related("actor")
        .reverse()
    )
    return render(
        request,
        "organizations/audit.html",
        {"access": access, "org": access.organization, "page": _page(request, events, 50)},
    )


@login_required
def claim(request, slug):
    access = access_organization(request.user, slug)
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        claimed = attempt(
            request,
            lambda: services.claim_organization(
                access.organization, by=request.user, message=form.cleaned_data["message"]
            ),
            form=form,
            success=_("Your request was sent to the platform staff, who will reply by e-mail."),
        )
        if claimed:
            return redirect(access.organization)
    return render(
        request,
        "organizations/claim.html",
        {"org": access.organization, "form": form},
        status=400 if form.errors else 200,
    )


def invitation(request, token):
    try:
        invitation = services.find_invitation(token)
    except ValidationError as exc:
        return render(
            request,
            "organizations/invitation.html",
            {"error": exc.messages[0]},
            status=410 if exc.code in ("used", "expired", "revoked") else 404,
        )
    error = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            membership = services.accept_invitation(token, user=request.user)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            request.session["active_org"] = membership.organization_id
            messages.success(
                request, _("Welcome to %(name)s.") % {"name": membership.organization.name}
            )
            return redirect(membership.organization)
    return render(
        request,
        "organizations/invitation.html",
        {"invitation": invitation, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_POST
def invitation_accept(request, invitation_id):
    """Accept, from the personal area, an invitation sent to the signed-in person's address."""
    form = AcceptInvitationForm(request.POST)
    if form.is_valid():
        try:
            membership = services.accept_invitation_sent_to(invitation_id, user=request.user)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            request.session["active_org"] = membership.organization_id
            messages.success(
                request, _("Welcome to %(name)s.") % {"name": membership.organization.name}
            )
            return redirect(membership.organization)
    return redirect("pages:dashboard")


@login_required
@require_POST
def switch_active(request):
    chosen = request.POST.get("organization", "")
    membership = (
        memberships_of(request.user).filter(organization_id=chosen).first()
        if chosen.isascii() and chosen.isdigit() and len(chosen) < 19
        else None
    )
    if membership is None:
        messages.error(request, _("You are not a member of that organisation."))
    else:
        request.session["active_org"] = membership.organization_id
        messages.success(
            request, _("You are now acting for %(name)s.") % {"name": membership.organization.name}
        )
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("pages:dashboard")
    return redirect(target)
