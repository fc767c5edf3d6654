"""Who reads which sheet, and the figures a sheet shows.

A published sheet is public; a draft is visible to its authors (members of the community
who belong to one of its actor bodies) and to no one else, who gets a 404. Library
documents are public.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from trama.community.access import is_member
from trama.ledger.figures import Figures, Scope, compute_figures
from trama.ledger.models import Level
from trama.organizations.access import member_org_ids

from .models import Document, DocumentVersion, Practice


def reader_org_ids(user) -> frozenset:
    """The bodies whose drafts `user` reads: theirs, once they joined the community."""
    return member_org_ids(user) if is_member(user) else frozenset()


def visible_practices(user):
    return Practice.objects.visible_to(user, org_ids=reader_org_ids(user))


def access_practice(user, pk) -> Practice:
    practice = (
        visible_practices(user)
        .select_related("region", "municipality__province", "program__owner", "created_by")
        .filter(pk=pk)
        .first()
    )
    if practice is None:
        raise Http404(_("No such practice sheet."))
    return practice


def live_figures(practice: Practice) -> Figures | None:
    """The ledger's figures of the program the practice runs in, read now (None: not on Trama)."""
    if practice.program_id is None:
        return None
    return compute_figures(Scope(Level.PROGRAM, practice.program_id))


def access_document(pk) -> Document:
    document = Document.objects.select_related("author", "body").filter(pk=pk).first()
    if document is None:
        raise Http404(_("No such document."))
    return document


def access_version(pk, number) -> DocumentVersion:
    version = (
        DocumentVersion.objects.select_related("document")
        .filter(document_id=pk, number=number)
        .first()
    )
    if version is None:
        raise Http404(_("No such version."))
    return version
