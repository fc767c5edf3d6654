from django.contrib import admin

from .models import Event, Registration, Session


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ["title", "starts_at", "ends_at", "access", "capacity", "place"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "organizer", "cancelled_at"]
    list_select_related = ["organizer"]
    search_fields = ["title"]
    inlines = [SessionInline]
    readonly_fields = ["starts_at", "ends_at", "cancelled_at"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Read-only: registrations change through the services (waiting list, e-mails)."""

    list_display = ["session", "user", "status", "queued_at", "attended"]
    list_select_related = ["session__event", "user"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
