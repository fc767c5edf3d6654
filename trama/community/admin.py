"""The community in the admin: the staff manage topics and name moderators and facilitators,
each through the audited service the rest of the platform calls. Members' profiles are
theirs: shown, never edited here."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from . import services
from .models import Facilitator, Member, Moderator, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description"]

    def has_delete_permission(self, request, obj=None):
        return False  # discussions and profiles refer to topics: rename one instead

    def save_model(self, request, obj, form, change):
        services.save_topic(obj, by=request.user)


class NamedForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user")
        if user is not None:
            try:
                services.check_can_be_named(user)
            except ValidationError as exc:
                raise ValidationError(exc.messages) from exc
        return cleaned


class NamedAdmin(admin.ModelAdmin):
    """Naming is added or withdrawn, never edited."""

    form = NamedForm
    raw_id_fields = ["user"]
    readonly_fields = ["named_by", "named_at"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Moderator)
class ModeratorAdmin(NamedAdmin):
    list_display = ["user", "named_by", "named_at"]
    list_select_related = ["user", "named_by"]
    fields = ["user", "named_by", "named_at"]

    def save_model(self, request, obj, form, change):
        named = services.name_moderator(obj.user, by=request.user)
        obj.pk = named.pk

    def delete_model(self, request, obj):
        services.remove_moderator(obj, by=request.user)


@admin.register(Facilitator)
class FacilitatorAdmin(NamedAdmin):
    list_display = ["user", "topic", "named_by", "named_at"]
    list_select_related = ["user", "topic", "named_by"]
    list_filter = ["topic"]
    fields = ["user", "topic", "named_by", "named_at"]

    def save_model(self, request, obj, form, change):
        named = services.name_facilitator(obj.user, obj.topic, by=request.user)
        obj.pk = named.pk

    def delete_model(self, request, obj):
        services.remove_facilitator(obj, by=request.user)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "visibility", "region", "joined_at", "left_at"]
    list_filter = ["visibility", "left_at"]
    list_select_related = ["region"]
    search_fields = ["display_name"]
    fields = [
        "display_name",
        "role",
        "region",
        "visibility",
        "weekly_digest",
        "consented_at",
        "consent_version",
        "joined_at",
        "left_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
