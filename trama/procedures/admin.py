from django.contrib import admin

from .models import Procedure, Program


class ProcedureInline(admin.TabularInline):
    model = Procedure
    extra = 0
    fields = ["title", "kind", "origin", "state", "opened_on", "closed_on"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "area", "start_year", "end_year"]
    list_filter = ["area"]
    search_fields = ["title", "owner__name"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    inlines = [ProcedureInline]

    # Read-only: a program's owner decides who records its public resources and verifies
    # its actuals; it changes through services, audited, not by editing the row.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    """Read-only: every change to a procedure is an audited act of its services (a staff
    edit of the RUP, the state or the closing time could otherwise open sealed proposals)."""

    list_display = ["title", "program", "kind", "origin", "state", "opened_on", "deadline"]
    list_filter = ["kind", "origin", "state"]
    list_select_related = ["program"]
    search_fields = ["title", "owner__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
