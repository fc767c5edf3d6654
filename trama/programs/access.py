"""Who may see and act on a program: the one place that decides.

A program and its figures are public. Acting for it (verifying actuals, importing history,
recording past procedures, opening calls) is for members of its owning public body, and only
once the platform staff have verified that body.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from trama.organizations.access import acts_for_public_body, member_org_ids

from .models import Program

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
