from django.contrib import admin

from .models import (
    Evidence,
    FunderConfirmation,
    ImportBatch,
    LedgerEntry,
    ReferenceRate,
    Verification,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger is append-only: the admin shows it and changes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VerificationInline(admin.TabularInline):
    model = Verification
    extra = 0
    can_delete = False
    readonly_fields = ["status", "reason", "organization", "by", "at", "import_batch"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "program",
        "year",
        "kind",
        "source",
        "category",
        "contributor",
        "amount",
        "reverses",
    ]
    list_filter = ["kind", "source", "category", "year"]
    search_fields = ["contributor__name", "external_id", "description"]
    list_select_related = ["program", "contributor", "reverses"]
    inlines = [VerificationInline]


@admin.register(Verification, FunderConfirmation)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["entry", "status", "organization", "by", "at"]
    list_select_related = ["entry", "organization", "by"]


@admin.register(ImportBatch, Evidence)
class RecordAdmin(ReadOnlyAdmin):
    pass


@admin.register(ReferenceRate)
class ReferenceRateAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "value", "valid_from", "valid_to", "source_note"]
    list_filter = ["unit"]
