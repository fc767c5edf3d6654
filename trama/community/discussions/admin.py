from django.contrib import admin

from .models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "topic", "position"]
    prepopulated_fields = {"slug": ["name"]}
