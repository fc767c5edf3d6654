"""Who may see and do what on programs and ledger entries: the one place that decides.

Figures and entries are public. Acts are not: the owning public body's members verify and
import (only once the body is verified), a body's members record and reverse its own
entries, a funder's members confirm grants that name it. Evidence files are seen only by
the contributor's members, the owning body's members and, for a grant, the funder's.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from trama.organizations.access import acts_for_public_body, member_org_ids, speaks_for_funder
from trama.procedures.models import Program

from .models import LedgerEntry, Source

VIEW, OWNER = "view", "owner"


@dataclass(frozen=True)
class ProgramAccess:
    program: Program
    org_ids: frozenset

    @property
    def is_owner_member(self) -> bool:
        return self.program.owner_id in self.org_ids

    @property
    def can_verify(self) -> bool:
        """Verify actuals and import history: members of the verified owning body."""
        return acts_for_public_body(self.program.owner, self.org_ids)

    @property
    def can_record(self) -> bool:
        return bool(self.org_ids)


def access_program(user, slug: str, *, need: str = VIEW) -> ProgramAccess:
    program = Program.objects.with_territory().filter(slug=slug).first()
    if program is None:
        raise Http404(_("No such program."))
    access = ProgramAccess(program, member_org_ids(user))
    if need == OWNER and not access.can_verify:
        if not access.is_owner_member:
            raise PermissionDenied(_("Only the program's public body can do this."))
        raise PermissionDenied(_("Only a public body verified by the platform staff can do this."))
    return access


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
