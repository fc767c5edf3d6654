"""One row per searchable thing (a call, a body, a member's profile, a practice sheet, a
library document, a discussion, an event), kept on every save of it (`providers.py`).

Search reads this table alone: one ranked query, whatever the kinds, with the visibility
of each row written on it. What may be seen only by some people — a restricted session's
materials, a draft, a sealed proposal — is never indexed at all.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "PUBLIC", _("everyone")
        MEMBERS = "MEMBERS", _("members of the community")

    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    url = models.CharField(max_length=300)
    visibility = models.CharField(max_length=8, choices=Visibility)
    updated_at = models.DateTimeField(auto_now=True)
    # Filled by the database (PostgreSQL's Italian configuration without accents); unused
    # on SQLite, where search falls back to plain matching.
    vector = SearchVectorField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_key")
        ]
        # The GIN index on `vector` and the text search configuration are made by the
        # migration on PostgreSQL only (0002).

    def __str__(self):
        return f"{self.kind}:{self.object_id} {self.title}"
