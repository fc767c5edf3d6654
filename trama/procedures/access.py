"""Who may see and do what on a procedure and its proposals: the sealing rule lives here.

Before the deadline a proposal's content is readable only by members of its partner
organisations: not by the owning public body, not by evaluators, not by platform staff.
After it, the RUP and the evaluators read it once they have declared no conflict of
interest; other officers of the public body see who submitted and when, not what.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.organizations.access import is_member
from trama.organizations.models import Membership

from . import workflow
from .models import CommissionMember, Declaration, Procedure, Proposal, ProposalPartner


@dataclass(frozen=True)
class ProcedureAccess:
    procedure: Procedure
    is_officer: bool  # member of the owning public body
    is_rup: bool
    is_evaluator: bool
    declared_clear: bool  # declared no conflict of interest for this procedure
    declared_conflict: bool

    def can(self, act: str) -> bool:
        """Whether the workflow table lets this user do `act` (workflow.MOVES/ACTS) now."""
        who = workflow.who_may(self.procedure, act)
        return self.is_officer and (
            who == workflow.OFFICER or (who == workflow.RUP and self.is_rup)
        )

    @property
    def acts(self) -> frozenset[str]:
        """The acts `can` allows, for templates: {% if "cancel" in access.acts %}."""
        return frozenset(a for a in (*workflow.MOVES, *workflow.ACTS) if self.can(a))

    @property
    def checks_admission(self) -> bool:
        """Decides admission and requests documents: the RUP, or the commission where the
        call says so; after declaring no conflict, during the evaluation."""
        procedure = self.procedure
        actor = self.is_evaluator if procedure.commission_checks_admission else self.is_rup
        return actor and self.declared_clear and procedure.state == Procedure.State.EVALUATION

    @property
    def reads_proposals(self) -> bool:
        """May read the content of received proposals (after the deadline only)."""
        return (
            (self.is_rup or self.is_evaluator)
            and self.declared_clear
            and self.procedure.closed_at is not None
        )


def access_procedure(user, pk, *, officer: bool = False, rup: bool = False) -> ProcedureAccess:
    """The procedure and the user's standing in it.

    A draft exists only for the owning body's members (404 for anyone else); acts of the
    owning body give anyone else a 403, and acts of the RUP give other officers a 403.
    """
    procedure = Procedure.objects.select_related("owner", "program", "rup").filter(pk=pk).first()
    if procedure is None:
        raise Http404(_("No such procedure."))
    is_officer = is_member(user, procedure.owner_id)
    if not procedure.is_published and not procedure.is_historical and not is_officer:
        raise Http404(_("No such procedure."))
    authenticated = user is not None and user.is_authenticated
    is_rup = authenticated and procedure.rup_id == user.pk
    is_evaluator = (
        authenticated and CommissionMember.objects.filter(procedure=procedure, user=user).exists()
    )
    declaration = (
        Declaration.objects.filter(procedure=procedure, user=user).first()
        if authenticated
        else None
    )
    access = ProcedureAccess(
        procedure,
        is_officer=is_officer,
        is_rup=is_rup,
        is_evaluator=is_evaluator,
        declared_clear=declaration is not None and not declaration.has_conflict,
        declared_conflict=declaration is not None and declaration.has_conflict,
    )
    if (officer or rup) and not is_officer:
        raise PermissionDenied(_("Only the officers of the owning public body can do this."))
    if rup and not is_rup:
        raise PermissionDenied(_("Only the procedure manager (RUP) can do this."))
    return access


@dataclass(frozen=True)
class ProposalAccess:
    proposal: Proposal
    partner: ProposalPartner | None  # the user's organisation's place in the partnership
    membership: Membership | None
    reads_content: bool
    procedure_access: ProcedureAccess | None

    @property
    def is_partner(self) -> bool:
        return self.partner is not None

    @property
    def acts_for_lead(self) -> bool:
        """An administrator of the lead body: submits, withdraws, starts new versions."""
        return (
            self.partner is not None
            and self.partner.role == ProposalPartner.Role.LEAD
            and self.membership is not None
            and self.membership.is_admin
        )

    @property
    def can_edit(self) -> bool:
        """Admins of the lead body edit a draft while the call is open."""
        return (
            self.acts_for_lead
            and self.proposal.state == Proposal.State.DRAFT
            and not self.proposal.procedure.deadline_passed()
        )

    @property
    def can_withdraw(self) -> bool:
        return (
            self.acts_for_lead
            and self.proposal.state in (Proposal.State.DRAFT, Proposal.State.SUBMITTED)
            and not self.proposal.procedure.deadline_passed()
        )


def partner_of(user, proposal) -> tuple[ProposalPartner | None, Membership | None]:
    if user is None or not user.is_authenticated:
        return None, None
    # A user in several partner bodies acts through the lead first ("LEAD" < "PARTNER").
    partner = (
        ProposalPartner.objects.filter(proposal=proposal, organization__memberships__user=user)
        .order_by("role", "pk")
        .first()
    )
    if partner is None:
        return None, None
    membership = Membership.objects.get(organization_id=partner.organization_id, user=user)
    return partner, membership


def access_proposal(user, pk, *, edit: bool = False) -> ProposalAccess:
    """The proposal and what the user may do with it; 404 for whoever must not know of it.

    Partners' members see it always. After the deadline the owning body's officers and the
    commission know it exists; its content only opens to the RUP and evaluators who have
    declared no conflict (`ProcedureAccess.reads_proposals`). Drafts never leave the
    partnership.
    """
    proposal = Proposal.objects.select_related("procedure__owner", "lead").filter(pk=pk).first()
    if proposal is None:
        raise Http404(_("No such proposal."))
    partner, membership = partner_of(user, proposal)
    procedure_access = None
    reads_content = partner is not None
    if partner is None:
        procedure = proposal.procedure
        closed = procedure.closed_at is not None and procedure.closed_at <= timezone.now()
        if not closed or proposal.state in Proposal.NOT_RECEIVED:
            raise Http404(_("No such proposal."))
        procedure_access = access_procedure(user, procedure.pk)
        if not (
            procedure_access.is_officer or procedure_access.is_evaluator or procedure_access.is_rup
        ):
            raise Http404(_("No such proposal."))
        reads_content = procedure_access.reads_proposals
    access = ProposalAccess(proposal, partner, membership, reads_content, procedure_access)
    if edit and not access.can_edit:
        raise PermissionDenied(
            _("Only the lead body's administrators can change a draft, before the deadline.")
        )
    return access
