"""Who may see and do what on an agreement and its co-production.

Parties' members read the agreement and its reports' contents; the owning public body's
officers act on it (the RUP for the RUP's acts); anyone reads its public page once every
party has signed. Before the agreement exists, the table's participants are the selected
proposals' partner bodies (`table_bodies`).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from trama.organizations.access import acts_for_public_body, member_org_ids
from trama.procedures import workflow
from trama.procedures.access import table_bodies
from trama.procedures.models import Procedure

from .models import Agreement, Party

__all__ = ["AgreementAccess", "PlanAccess", "access_agreement", "access_plan", "table_bodies"]


@dataclass(frozen=True)
class AgreementAccess:
    agreement: Agreement
    procedure: Procedure
    is_officer: bool  # member of the owning public body
    is_rup: bool
    party: Party | None  # the user's body among the parties (the first, if several)
    party_ids: frozenset  # the user's bodies that are parties

    @property
    def is_party(self) -> bool:
        return bool(self.party_ids)

    @property
    def is_lead(self) -> bool:
        return self.party is not None and self.party.role == Party.Role.LEAD

    @property
    def reads_contents(self) -> bool:
        """Reports' contents, evidence and the agreement before signing: parties and officers."""
        return self.is_officer or self.is_party

    def can(self, act: str) -> bool:
        """Whether the workflow table lets this user do `act` now (officers' acts)."""
        who = workflow.who_may(self.procedure, act)
        if who == "":
            return False
        if who is None:  # acts of the parties
            return self.is_party or self.is_officer
        return self.is_officer and (
            who == workflow.OFFICER or (who == workflow.RUP and self.is_rup)
        )


def access_agreement(user, pk, *, officer: bool = False, rup: bool = False) -> AgreementAccess:
    """The agreement and the user's standing in it: 404 for whoever may not know it exists
    (before signing: all but parties and officers), 403 for acts the user may not do."""
    agreement = (
        Agreement.objects.select_related("procedure__owner", "procedure__program", "in_force")
        .filter(pk=pk)
        .first()
    )
    if agreement is None:
        raise Http404(_("No such agreement."))
    procedure = agreement.procedure
    orgs = member_org_ids(user)
    is_officer = acts_for_public_body(procedure.owner, orgs)
    parties = [p for p in agreement.parties.all() if p.organization_id in orgs]
    party_ids = frozenset(p.organization_id for p in parties)
    if agreement.signed_at is None and not (is_officer or party_ids):
        raise Http404(_("No such agreement."))
    authenticated = user is not None and user.is_authenticated
    access = AgreementAccess(
        agreement,
        procedure,
        is_officer=is_officer,
        is_rup=authenticated and procedure.rup_id == user.pk,
        party=parties[0] if parties else None,
        party_ids=party_ids,
    )
    if (officer or rup) and not is_officer:
        raise PermissionDenied(_("Only the officers of the owning public body can do this."))
    if rup and not access.is_rup:
        raise PermissionDenied(_("Only the procedure manager (RUP) can do this."))
    return access


# The co-design table's budget plan, shared by its page and the API.
State = Procedure.State
# The plan exists from the table on; what was agreed stays readable afterwards.
PLAN_STATES = {
    State.TABLE,
    State.AGREED,
    State.IN_PROGRESS,
    State.COMPLETED,
    State.TERMINATED,
    State.CANCELLED,
}


@dataclass(frozen=True)
class PlanAccess:
    procedure: Procedure
    is_officer: bool
    bodies: frozenset  # the table's bodies (the agreement's active parties once drafted)
    editable: frozenset  # contributors whose lines the user enters and removes


def access_plan(user, pk) -> PlanAccess:
    """The plan of a procedure at the table or later: for its officers and the table's bodies
    (404 for anyone else)."""
    procedure = Procedure.objects.select_related("owner", "program").filter(pk=pk).first()
    if procedure is None or procedure.state not in PLAN_STATES or procedure.ranked_at is None:
        raise Http404(_("No such budget plan."))
    orgs = member_org_ids(user)
    is_officer = procedure.owner_id in orgs
    from .services import plan  # the plan's services read this module's table_bodies

    bodies = frozenset(plan.plan_bodies(procedure))
    if not is_officer and not (bodies & orgs):
        raise Http404(_("No such budget plan."))
    editable = (
        frozenset(plan.editable_contributors(procedure, user, bodies))
        if user.is_authenticated
        else frozenset()
    )
    return PlanAccess(procedure, is_officer, bodies, editable)
