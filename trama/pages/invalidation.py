"""Every write that a cached page may show bumps the version of its scope (lib/cache.py).

A scope is an app label. Saving or deleting any model of a scoped app bumps it, and so does
an audit event about one of its objects: bulk writes (an import's entries and verifications)
and queryset updates send no model signal, but every such act is audited.
"""

from functools import cache

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from trama.lib.cache import bump

SCOPES = (
    "accounts",
    "agreements",
    "ledger",
    "organizations",
    "procedures",
    "programs",
    "territories",
)
# Saves that change nothing a page shows (a login, an API token's use).
QUIET_FIELDS = {"last_login", "last_used_at"}


@cache
def _scope_of_model_name(model_name: str) -> str | None:
    for model in apps.get_models():
        if model._meta.model_name == model_name and model._meta.app_label in SCOPES:
            return model._meta.app_label
    return None


def _saved(sender, instance, update_fields=None, **kwargs):
    label = sender._meta.app_label
    if label in SCOPES:
        if update_fields and set(update_fields) <= QUIET_FIELDS:
            return
        bump(label)
    elif label == "audit" and getattr(instance, "object_type", ""):
        scope = _scope_of_model_name(instance.object_type)
        if scope:
            bump(scope)


def _deleted(sender, **kwargs):
    if sender._meta.app_label in SCOPES:
        bump(sender._meta.app_label)


def connect() -> None:
    post_save.connect(_saved, dispatch_uid="trama-page-cache-save")
    post_delete.connect(_deleted, dispatch_uid="trama-page-cache-delete")
