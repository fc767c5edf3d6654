from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "deleted_at"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    # Staff can't take over a person's account (and with it their memberships and what their
    # bodies' sealed proposals hold): the e-mail and the password stay the person's own.
    # Deleting an account is the person's act (accounts:delete), which keeps the audit trail.
    def get_readonly_fields(self, request, obj=None):
        return ["email", "last_login", "date_joined"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def user_change_password(self, request, id, form_url=""):
        if str(request.user.pk) != str(id):
            raise PermissionDenied(_("A person's password is theirs: they reset it by e-mail."))
        return super().user_change_password(request, id, form_url)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owners; staff may only revoke one (audited)."""

    list_display = ["name", "user", "scope", "hint", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    search_fields = ["name", "user__email"]
    list_select_related = ["user"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.revoke_api_token(token, by=request.user)
        messages.success(request, _("%(n)d tokens revoked.") % {"n": len(queryset)})
