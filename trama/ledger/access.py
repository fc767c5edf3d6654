"""Who may see and do what on ledger entries: the one place that decides.

Figures and entries are public. Acts are not: the owning public body's members verify and
import (`trama.programs.access`: only once the body is verified), a body's members record
and reverse its own entries, a funder's members confirm grants that name it. Evidence files
are seen only by the contributor's members, the owning body's members and, for a grant, the
funder's.
"""

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from trama.organizations.access import speaks_for_funder
from trama.programs.access import ProgramAccess, access_program

from .models import LedgerEntry, Source


@dataclass(frozen=True)
class EntryAccess:
    entry: LedgerEntry
    program_access: ProgramAccess

    @property
    def org_ids(self):
        return self.program_access.org_ids

    @property
    def can_see_evidence(self) -> bool:
        entry = self.entry
        allowed = {entry.contributor_id, entry.program.owner_id}
        if entry.funder_id:
            allowed.add(entry.funder_id)
        return bool(allowed & self.org_ids)

    @property
    def can_reverse(self) -> bool:
        if self.entry.is_reversal:
            return False
        return self.entry.contributor_id in self.org_ids or self.program_access.can_verify

    @property
    def can_verify(self) -> bool:
        return (
            self.program_access.can_verify
            and self.entry.kind == "ACTUAL"
            and not self.entry.is_reversal
        )

    @property
    def can_confirm(self) -> bool:
        return self.entry.source == Source.FOUNDATION_GRANT and speaks_for_funder(
            self.entry.funder, self.org_ids
        )


def access_entry(user, program_slug: str, entry_id: int) -> EntryAccess:
    program_access = access_program(user, program_slug)
    entry = (
        LedgerEntry.objects.with_relations()
        .filter(pk=entry_id, program=program_access.program)
        .first()
    )
    if entry is None:
        raise Http404(_("No such entry."))
    return EntryAccess(entry, program_access)
