"""Records that are written once and never changed (ledger entries, their events, the audit
trail). The ORM refuses updates and deletes here; PostgreSQL triggers refuse them too."""

from django.db import models


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an append-only record."""


MESSAGE = "This record is append-only: record a new one (a reversal, a new event) instead."


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(MESSAGE)

    def delete(self):
        raise AppendOnlyError(MESSAGE)


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(MESSAGE)
