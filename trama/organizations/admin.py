"""Platform staff in the Django admin act through the same audited services as everyone.

Memberships, verifications, claims and invitations change only through the services of
`services.py` (actions and the membership add form below), never by editing rows: each act
lands in the organisation's audit trail and its administrators are told by e-mail.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from trama.lib.refusals import refusal_messages

from . import services
from .models import Invitation, Membership, Organization, OrganizationClaim


def _for_each(request, queryset, act) -> int:
    """Run a service on each selected row; a refusal becomes a message, not an error page."""
    done = 0
    for obj in queryset:
        try:
            act(obj)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"{obj}: {' '.join(refusal_messages(exc))}")
    return done


class MembershipInline(admin.TabularInline):
    """Read-only: members are added, changed and removed through the Memberships page."""

    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrganizationAdminForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [*services.EDITABLE_FIELDS, "member_municipalities", "require_2fa"]

    def _post_clean(self):
        super()._post_clean()
        # The rules between fields that the registration form applies, here too.
        try:
            services.check_organization(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Profile changes go through `update_organization` (audited; a change of identity
    withdraws the verification); verification only through the actions."""

    form = OrganizationAdminForm
    list_display = ["name", "kind", "tax_code", "municipality", "verified_at"]
    list_filter = ["kind", "public_body_type", ("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "tax_code", "ipa_code", "slug"]
    raw_id_fields = ["municipality", "lead_municipality"]
    filter_horizontal = ["member_municipalities"]
    readonly_fields = ["slug", "verified_at", "verified_by", "created_at", "members_link"]
    list_select_related = ["municipality__province"]
    inlines = [MembershipInline]
    actions = ["mark_verified", "mark_unverified"]

    def has_add_permission(self, request):
        return False  # organisations are registered by their people, who become its admins

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("members"))
    def members_link(self, obj):
        add = reverse("admin:organizations_membership_add") + f"?organization={obj.pk}"
        listing = reverse("admin:organizations_membership_changelist") + f"?organization={obj.pk}"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            listing,
            _("Change roles or remove members"),
            add,
            _("Add a member"),
        )

    def save_model(self, request, obj, form, change):
        values = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.EDITABLE_FIELDS or name == "member_municipalities"
        }
        if values:
            services.update_organization(obj, by=request.user, **values)
        if "require_2fa" in form.changed_data:
            services.set_require_2fa(
                obj, by=request.user, required=form.cleaned_data["require_2fa"]
            )
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # Member municipalities were saved by update_organization (no form.save_m2m()); the
        # membership inline is read-only, so its formset saves nothing.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description=_("Mark as verified"))
    def mark_verified(self, request, queryset):
        done = _for_each(
            request, queryset, lambda org: services.verify_organization(org, by=request.user)
        )
        messages.success(request, _("%(n)d organisations verified.") % {"n": done})

    @admin.action(description=_("Withdraw verification"))
    def mark_unverified(self, request, queryset):
        done = _for_each(
            request,
            queryset,
            lambda org: services.verify_organization(org, by=request.user, verified=False),
        )
        messages.success(
            request, _("Verification withdrawn from %(n)d organisations.") % {"n": done}
        )


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["organization", "user", "role"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if not user.is_active:
            raise ValidationError(_("This account is not active."))
        return user


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Adding a member calls `add_member_by_staff`; roles and removals are actions that call
    the same services as the organisation's members page. Rows are never edited here."""

    form = MembershipAdminForm
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "organization__name"]
    list_select_related = ["user", "organization"]
    raw_id_fields = ["organization", "user"]
    actions = ["make_admin", "make_member", "remove"]

    def get_readonly_fields(self, request, obj=None):
        return ["organization", "user", "role", "created_at"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        membership = services.add_member_by_staff(
            obj.organization, by=request.user, user=obj.user, role=obj.role
        )
        obj.pk, obj.created_at = membership.pk, membership.created_at
        messages.info(
            request,
            _("The administrators of %(org)s have been told by e-mail.")
            % {"org": obj.organization.name},
        )

    def _set_role(self, request, queryset, role):
        done = _for_each(
            request,
            queryset,
            lambda m: services.change_member_role(m, by=request.user, role=role),
        )
        messages.success(request, _("%(n)d roles changed.") % {"n": done})

    @admin.action(description=_("Make administrator"))
    def make_admin(self, request, queryset):
        self._set_role(request, queryset, Membership.Role.ADMIN)

    @admin.action(description=_("Make member (not administrator)"))
    def make_member(self, request, queryset):
        self._set_role(request, queryset, Membership.Role.MEMBER)

    @admin.action(description=_("Remove from the organisation"))
    def remove(self, request, queryset):
        done = _for_each(request, queryset, lambda m: services.remove_member(m, by=request.user))
        messages.success(request, _("%(n)d members removed.") % {"n": done})


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent by the organisations' administrators; staff may withdraw one."""

    list_display = [
        "email",
        "organization",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    search_fields = ["email", "organization__name"]
    list_select_related = ["organization"]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Withdraw the invitation"))
    def revoke(self, request, queryset):
        done = _for_each(
            request, queryset, lambda i: services.revoke_invitation(i, by=request.user)
        )
        messages.success(request, _("%(n)d invitations withdrawn.") % {"n": done})


@admin.register(OrganizationClaim)
class OrganizationClaimAdmin(admin.ModelAdmin):
    """Claims are decided by the actions, which call `decide_claim`; never edited."""

    list_display = ["organization", "user", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["organization__name", "user__email"]
    list_select_related = ["organization", "user", "decided_by"]
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve: make the claimant an administrator"))
    def approve(self, request, queryset):
        done = _for_each(
            request,
            queryset,
            lambda claim: services.decide_claim(claim, by=request.user, approve=True),
        )
        messages.success(request, _("%(n)d requests decided.") % {"n": done})

    @admin.action(description=_("Reject"))
    def reject(self, request, queryset):
        done = _for_each(
            request,
            queryset,
            lambda claim: services.decide_claim(claim, by=request.user, approve=False),
        )
        messages.success(request, _("%(n)d requests decided.") % {"n": done})
