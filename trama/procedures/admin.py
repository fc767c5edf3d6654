from django.contrib import admin

from trama.programs.admin import ProgramAdmin
from trama.programs.models import Program

from .models import Procedure


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


# A program's admin page lists its procedures: `programs` knows nothing of them, so the
# app above extends the program's admin rather than the other way round.
admin.site.unregister(Program)


@admin.register(Program)
class ProgramWithProceduresAdmin(ProgramAdmin):
    inlines = [ProcedureInline]


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
