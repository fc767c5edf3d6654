from django.contrib import admin

from .models import Municipality, Province, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "istat_code"]


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation", "istat_code", "region"]
    list_filter = ["region"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "istat_code", "province"]
    list_filter = ["province__region"]
    search_fields = ["name", "istat_code"]
    list_select_related = ["province"]
