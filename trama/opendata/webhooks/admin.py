from django.contrib import admin

from .models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("organization", "url", "active", "failures", "disabled_at", "created_at")
    list_filter = ("active",)
    search_fields = ("organization__name", "url")
    raw_id_fields = ("organization", "created_by")
    # The secret stays out of the admin: the body saw it once, and signs nothing here.
    exclude = ("secret",)
    readonly_fields = ("failures", "disabled_at", "disabled_reason", "created_at")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("subscription", "kind", "status", "attempts", "response_code", "created_at")
    list_filter = ("status", "kind")
    raw_id_fields = ("subscription",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
