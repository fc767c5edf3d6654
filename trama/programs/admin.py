from django.contrib import admin

from .models import Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "area", "start_year", "end_year"]
    list_filter = ["area"]
    search_fields = ["title", "owner__name"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]

    # Read-only: a program's owner decides who records its public resources and verifies
    # its actuals; it changes through services, audited, not by editing the row.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
