from django.contrib import admin

from .models import Procedure, Program


class ProcedureInline(admin.TabularInline):
    model = Procedure
    extra = 0
    fields = ["title", "kind", "origin", "state", "opened_on", "closed_on"]
    show_change_link = True


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "area", "start_year", "end_year"]
    list_filter = ["area"]
    search_fields = ["title", "owner__name"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    inlines = [ProcedureInline]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["title", "program", "kind", "origin", "state", "opened_on"]
    list_filter = ["kind", "origin", "state"]
    list_select_related = ["program"]
    raw_id_fields = ["program", "owner"]
    filter_horizontal = ["participants"]
