from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Invitation, Membership, Organization, OrganizationClaim


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "tax_code", "municipality", "verified_at"]
    list_filter = ["kind", "public_body_type", ("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "tax_code", "slug"]
    raw_id_fields = ["municipality", "lead_municipality", "verified_by"]
    filter_horizontal = ["member_municipalities"]
    readonly_fields = ["verified_at", "verified_by", "created_at"]
    list_select_related = ["municipality__province"]
    inlines = [MembershipInline]
    actions = ["mark_verified", "mark_unverified"]

    @admin.action(description=_("Mark as verified"))
    def mark_verified(self, request, queryset):
        for org in queryset:
            services.verify_organization(org, by=request.user)
        messages.success(request, _("%(n)d organisations verified.") % {"n": queryset.count()})

    @admin.action(description=_("Withdraw verification"))
    def mark_unverified(self, request, queryset):
        for org in queryset:
            services.verify_organization(org, by=request.user, verified=False)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organization",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    readonly_fields = ["token_hash"]
    list_select_related = ["organization"]


@admin.register(OrganizationClaim)
class OrganizationClaimAdmin(admin.ModelAdmin):
    list_display = ["organization", "user", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    readonly_fields = ["organization", "user", "message", "status", "decided_at", "decided_by"]
    list_select_related = ["organization", "user", "decided_by"]
    actions = ["approve", "reject"]

    @admin.action(description=_("Approve: make the claimant an administrator"))
    def approve(self, request, queryset):
        for claim in queryset:
            services.decide_claim(claim, by=request.user, approve=True)

    @admin.action(description=_("Reject"))
    def reject(self, request, queryset):
        for claim in queryset:
            services.decide_claim(claim, by=request.user, approve=False)
