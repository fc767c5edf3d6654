from django.contrib import admin

from .models import Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "area", "start_year", "end_year"]
    list_filter = ["area"]
    search_fields = ["title", "owner__name"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
