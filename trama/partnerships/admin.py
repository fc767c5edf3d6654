"""Partnerships in the admin: read and searched; recorded and changed through the pages,
whose services keep the rules (one per program, one institution per contractual
partnership). An entity's share acts are append-only: shown, never edited."""

from django.contrib import admin

from trama.organizations.models import ShareAct, Shareholding

from .models import Coordinator, Partnership


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CoordinatorInline(ReadOnly, admin.TabularInline):
    model = Coordinator
    extra = 0
    fields = ["name", "role", "organization", "email"]


@admin.register(Partnership)
class PartnershipAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "kind", "owner", "program", "entity", "formed_on"]
    list_filter = ["kind", "origin"]
    search_fields = ["name", "owner__name", "entity__name", "program__title"]
    list_select_related = ["owner", "program", "entity"]
    inlines = [CoordinatorInline]


class ShareholdingInline(ReadOnly, admin.TabularInline):
    model = Shareholding
    extra = 0
    fields = ["member", "share"]


@admin.register(ShareAct)
class ShareActAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["entity", "kind", "date", "reference", "annuls", "recorded_by", "recorded_at"]
    list_filter = ["kind"]
    search_fields = ["entity__name", "reference", "note"]
    list_select_related = ["entity", "annuls", "recorded_by"]
    inlines = [ShareholdingInline]
