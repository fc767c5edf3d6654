"""The weekly digest's marks, for the staff to see when each member last got one."""

from django.contrib import admin

from .models import WeeklyMark


@admin.register(WeeklyMark)
class WeeklyMarkAdmin(admin.ModelAdmin):
    list_display = ["member", "covered_until", "sent_at"]
    list_select_related = ["member"]
    fields = ["member", "covered_until", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
