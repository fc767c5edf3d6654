"""Who may see and do what on a procedure and its proposals: the sealing rule lives here.

Before the deadline a proposal's content is readable only by members of its partner
organisations: not by the owning public body, not by evaluators, not by platform staff.
After it, the RUP and the evaluators read it once they have declared no conflict of
interest; other officers of the public body see who submitted and when, not what.

A membership gained after the submission does not unseal it, for anyone (platform staff
included): until the call closes, a member reads a submitted version only through a
membership that already existed when that version was submitted (`member_reads`).

Once the ranking has opened the co-design table, the selected proposals go to it: every
member of a table body (`table_bodies`: the partners of the selected proposals) and every
officer of the public body reads them; the others stay with their partners and the public
body.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    CharField,
    DateTimeField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Value,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.organizations.access import is_member
from trama.organizations.models import Membership, Organization

from . import workflow
from .models import CommissionMember, Declaration, Procedure, Proposal, ProposalPartner

S = Procedure.State
# States in which the co-design table has been opened (its documents exist).
TABLE_STATES = frozenset({S.TABLE, S.AGREED, S.IN_PROGRESS, S.COMPLETED, S.TERMINATED})
# Acts of the table's participants (workflow.ACTS with no officer's role) this access decides.
PARTICIPANT_ACTS = frozenset({"edit_project", "edit_plan"})


def table_bodies(procedure: Procedure) -> set[int]:
    """The ids of the bodies at the co-design table: every partner of a selected proposal."""
    return set(
        ProposalPartner.objects.filter(
            proposal__procedure=procedure, proposal__state=Proposal.State.SELECTED
        ).values_list("organization_id", flat=True)
    )


def user_table_bodies(user, procedure: Procedure) -> frozenset[int]:
    """The user's bodies at the table (after the ranking only)."""
    if procedure.ranked_at is None or user is None or not user.is_authenticated:
        return frozenset()
    return frozenset(
        ProposalPartner.objects.filter(
            proposal__procedure=procedure,
            proposal__state=Proposal.State.SELECTED,
            organization__memberships__user=user,
        ).values_list("organization_id", flat=True)
    )


@dataclass(frozen=True)
class ProcedureAccess:
    procedure: Procedure
    is_officer: bool  # member of the owning public body
    is_rup: bool
    is_evaluator: bool
    declared_clear: bool  # declared no conflict of interest for this procedure
    declared_conflict: bool
    table_body_ids: frozenset = frozenset()  # the user's bodies at the co-design table

    @property
    def is_at_table(self) -> bool:
        """A member of a body at the co-design table (a selected proposal's partner)."""
        return bool(self.table_body_ids)

    @property
    def table_opened(self) -> bool:
        return self.procedure.state in TABLE_STATES or (
            self.procedure.state == S.CANCELLED and self.procedure.project_versions.exists()
        )

    @property
    def sees_table(self) -> bool:
        """Reads the table's documents (meetings, minutes, project): participants, officers."""
        return (self.is_officer or self.is_at_table) and self.table_opened

    def can(self, act: str) -> bool:
        """Whether the workflow table lets this user do `act` (workflow.MOVES/ACTS) now."""
        who = workflow.who_may(self.procedure, act)
        if who is None and act in PARTICIPANT_ACTS:
            return self.is_officer or self.is_at_table
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
        table_body_ids=user_table_bodies(user, procedure),
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
    # The whole partnership, when the caller asked for it (`partnership_rows`).
    partnership: list[ProposalPartner] | None = None

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

    @property
    def can_start_new_version(self) -> bool:
        return self.can_withdraw and self.proposal.state == Proposal.State.SUBMITTED

    def can(self, act: str) -> bool:
        """Whether the user may do `act` ("edit", "submit", "withdraw", "new_version") now."""
        return {
            "edit": self.can_edit,
            "submit": self.can_edit,
            "withdraw": self.can_withdraw,
            "new_version": self.can_start_new_version,
        }.get(act, False)

    @property
    def acts(self) -> frozenset[str]:
        """The acts `can` allows, for templates: {% if "submit" in access.acts %}."""
        return frozenset(a for a in ("edit", "submit", "withdraw", "new_version") if self.can(a))


def sealed_since(proposal: Proposal, now=None) -> datetime | None:
    """Since when the content of `proposal` is sealed against newer members; None if it isn't.

    Content is sealed from its first submission (`Proposal.sealed_at`): a new version copies
    a submitted one, so the copy, draft or submitted in its turn, stays sealed from that
    same moment. The seal ends when the call closes: from then on the procedure's own rules
    say who reads what.
    """
    procedure = proposal.procedure
    now = now or timezone.now()
    if procedure.closed_at is not None and procedure.closed_at <= now:
        return None
    return proposal.sealed_at


def member_reads(membership: Membership, proposal: Proposal, now=None) -> bool:
    """Whether `membership` (in one of the proposal's bodies) lets its holder read it.

    The person who started a draft beside a submitted version reads that draft (it holds
    only what they wrote: a copy of the old version needs `member_reads` on the old one).
    """
    since = sealed_since(proposal, now)
    if since is None or membership.created_at <= since:
        return True
    return proposal.state == Proposal.State.DRAFT and proposal.created_by_id == membership.user_id


def _member_reads_q(user, *, to_partner: str, to_proposal: str, now=None) -> Q:
    """`member_reads` as a filter: rows whose proposal the user reads through a partner body.

    Written as one Q so that the membership named by the user and the one whose date is
    compared are the same row (one filter() call reuses one join).
    """
    membership = f"{to_partner}organization__memberships__"
    joined = F(f"{membership}created_at")
    return Q(**{f"{membership}user": user}) & (
        Q(**{f"{to_proposal}procedure__closed_at__lte": now or timezone.now()})
        | Q(**{f"{to_proposal}sealed_at__isnull": True})
        | Q(**{f"{to_proposal}sealed_at__gte": joined})
        | Q(**{f"{to_proposal}state": Proposal.State.DRAFT, f"{to_proposal}created_by": user})
    )


def member_proposals(user):
    """The proposals the user reads as a member of one of their bodies (`member_reads`)."""
    if user is None or not user.is_authenticated:
        return Proposal.objects.none()
    return Proposal.objects.filter(
        _member_reads_q(user, to_partner="partners__", to_proposal="")
    ).distinct()


def _membership(partner: ProposalPartner, user) -> Membership:
    """The user's membership annotated on a partner row (see partner_of)."""
    return Membership.from_db(
        partner._state.db,
        ["id", "organization_id", "user_id", "role", "created_at"],
        [
            partner.membership_id,
            partner.organization_id,
            user.pk,
            partner.membership_role,
            partner.membership_created_at,
        ],
    )


def _first_reading(rows, user, proposal) -> tuple[ProposalPartner | None, Membership | None]:
    """Of partner rows carrying the user's membership, the first whose membership reads
    the proposal (`member_reads`), in the order the rows come."""
    now = timezone.now()
    for partner in rows:
        if partner.membership_id is None:
            continue
        membership = _membership(partner, user)
        if member_reads(membership, proposal, now):
            return partner, membership
    return None, None


def partner_of(user, proposal) -> tuple[ProposalPartner | None, Membership | None]:
    """The user's body in the partnership, through a membership that lets them read it."""
    if user is None or not user.is_authenticated:
        return None, None
    # The user's memberships in the partner bodies come with the partners in one plain
    # query (one membership per body and person); `member_reads` then picks the first that
    # reads it. A user in several partner bodies acts through the lead first ("LEAD" <
    # "PARTNER"). `member_proposals` asks the same as a filter, for lists of proposals.
    joined = "organization__memberships__"
    rows = (
        ProposalPartner.objects.filter(proposal=proposal, **{f"{joined}user": user})
        .annotate(
            membership_id=F(f"{joined}id"),
            membership_role=F(f"{joined}role"),
            membership_created_at=F(f"{joined}created_at"),
        )
        .order_by("role", "pk")
    )
    return _first_reading(rows, user, proposal)


def partnership_rows(proposal, user, *, with_proposal: bool = False) -> list[ProposalPartner]:
    """The whole partnership with its bodies, in one query, by body name. Each row carries
    whether anyone administers the body on Trama (`has_admin`, as partners_without_admin
    asks) and the user's membership in it (`membership_*`, None where they have none).

    `proposal` may be a primary key: with `with_proposal`, the rows bring the proposal and
    its procedure along (one Proposal for them all), sparing the page a query of its own."""
    memberships = Membership.objects.filter(organization=OuterRef("organization_id"))
    related = ("organization", "proposal__procedure") if with_proposal else ("organization",)
    pk = proposal if isinstance(proposal, int) else proposal.pk
    rows = ProposalPartner.objects.filter(proposal_id=pk).select_related(*related)
    rows = rows.annotate(has_admin=Exists(memberships.filter(role=Membership.Role.ADMIN)))
    if user is not None and user.is_authenticated:
        rows = rows.annotate(
            mine=FilteredRelation(
                "organization__memberships", condition=Q(organization__memberships__user=user)
            ),
            membership_id=F("mine__id"),
            membership_role=F("mine__role"),
            membership_created_at=F("mine__created_at"),
        )
    else:
        rows = rows.annotate(
            membership_id=Value(None, IntegerField()),
            membership_role=Value(None, CharField()),
            membership_created_at=Value(None, DateTimeField()),
        )
    rows = list(rows.order_by("organization__name", "organization_id"))
    if with_proposal and rows:
        proposal = rows[0].proposal
        for row in rows:
            row.proposal = proposal
    return rows


def _columns(alias: str, model) -> tuple[str, list[str]]:
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    return (
        ", ".join(f"{alias}.{quote(f.column)}" for f in fields),
        [f.attname for f in fields],
    )


@cache
def _partnership_sql() -> tuple[str, list, list, list, list]:
    """The SQL of `partnership_rows(pk, user, with_proposal=True)`, written once: the ORM
    spends more time building that query (a filtered relation, a subquery, three joins)
    than PostgreSQL spends answering it, and the draft page asks it on every request.
    `test_the_partnership_sql_reads_what_the_orm_reads` holds the two to the same rows."""
    table = connection.ops.quote_name
    partner_cols, partner_names = _columns("pp", ProposalPartner)
    org_cols, org_names = _columns("o", Organization)
    proposal_cols, proposal_names = _columns("p", Proposal)
    procedure_cols, procedure_names = _columns("pr", Procedure)
    membership = table(Membership._meta.db_table)
    # Names from the models' metadata only; every value is a parameter.
    sql = (
        f"SELECT {partner_cols}, {org_cols}, {proposal_cols}, {procedure_cols}, "  # noqa: S608
        f"EXISTS(SELECT 1 FROM {membership} a WHERE a.organization_id = pp.organization_id "
        "AND a.role = %s), m.id, m.role, m.created_at "
        f"FROM {table(ProposalPartner._meta.db_table)} pp "
        f"JOIN {table(Organization._meta.db_table)} o ON o.id = pp.organization_id "
        f"JOIN {table(Proposal._meta.db_table)} p ON p.id = pp.proposal_id "
        f"JOIN {table(Procedure._meta.db_table)} pr ON pr.id = p.procedure_id "
        f"LEFT JOIN {membership} m ON m.organization_id = pp.organization_id AND m.user_id = %s "
        "WHERE pp.proposal_id = %s ORDER BY o.name ASC, pp.organization_id ASC"
    )
    return sql, partner_names, org_names, proposal_names, procedure_names


def _partnership_with_proposal(pk, user) -> list[ProposalPartner]:
    """`partnership_rows(pk, user, with_proposal=True)`, through the SQL above."""
    sql, partner_names, org_names, proposal_names, procedure_names = _partnership_sql()
    user_id = user.pk if user is not None and user.is_authenticated else None
    with connection.cursor() as cursor:
        cursor.execute(sql, [Membership.Role.ADMIN.value, user_id, pk])
        found = cursor.fetchall()
    rows, proposal = [], None
    db = connection.alias
    ends = [len(partner_names)]
    for names in (org_names, proposal_names, procedure_names):
        ends.append(ends[-1] + len(names))
    for values in found:
        row = ProposalPartner.from_db(db, partner_names, values[: ends[0]])
        organization = Organization.from_db(db, org_names, values[ends[0] : ends[1]])
        ProposalPartner.organization.field.set_cached_value(row, organization)
        if proposal is None:
            proposal = Proposal.from_db(db, proposal_names, values[ends[1] : ends[2]])
            procedure = Procedure.from_db(db, procedure_names, values[ends[2] : ends[3]])
            Proposal.procedure.field.set_cached_value(proposal, procedure)
        ProposalPartner.proposal.field.set_cached_value(row, proposal)
        has_admin, membership_id, role, created_at = values[ends[3] :]
        row.has_admin = has_admin
        row.membership_id, row.membership_role = membership_id, role
        row.membership_created_at = created_at
        rows.append(row)
    return rows


def access_proposal(user, pk, *, edit: bool = False, partnership: bool = False) -> ProposalAccess:
    """The proposal and what the user may do with it; 404 for whoever must not know of it.

    Partners' members see it, through a membership older than its seal (`member_reads`):
    whoever joined one of its bodies after the submission is an outsider until the call
    closes. After the deadline the owning body's officers and the
    commission know it exists; its content only opens to the RUP and evaluators who have
    declared no conflict (`ProcedureAccess.reads_proposals`). Once the co-design table is
    open a selected proposal opens to it: the table bodies' members and the officers.
    Drafts never leave the partnership.
    """
    rows = proposal = None
    if partnership:
        # The page shows the whole partnership: read it once, with the proposal and its
        # procedure, and find the user's body in it; the lead body is one of its rows.
        rows = _partnership_with_proposal(pk, user)
        proposal = rows[0].proposal if rows else None
        for row in rows:
            if proposal is not None and row.organization_id == proposal.lead_id:
                proposal.lead = row.organization
    if proposal is None:
        # get(), not first(): first() sorts by the model's ordering, which joins the program.
        try:
            proposal = Proposal.objects.select_related("procedure__owner", "lead").get(pk=pk)
        except Proposal.DoesNotExist:
            raise Http404(_("No such proposal.")) from None
    if partnership:
        partner, membership = _first_reading(
            sorted(rows, key=lambda p: (p.role, p.pk)), user, proposal
        )
    else:
        partner, membership = partner_of(user, proposal)
    procedure_access = None
    reads_content = partner is not None
    if partner is None:
        procedure = proposal.procedure
        closed = procedure.closed_at is not None and procedure.closed_at <= timezone.now()
        if not closed or proposal.state in Proposal.NOT_RECEIVED:
            raise Http404(_("No such proposal."))
        procedure_access = access_procedure(user, procedure.pk)
        at_table = (
            proposal.state == Proposal.State.SELECTED
            and procedure_access.table_opened
            and (procedure_access.is_officer or procedure_access.is_at_table)
        )
        if not (
            procedure_access.is_officer
            or procedure_access.is_evaluator
            or procedure_access.is_rup
            or at_table
        ):
            raise Http404(_("No such proposal."))
        reads_content = procedure_access.reads_proposals or at_table
    access = ProposalAccess(
        proposal,
        partner,
        membership,
        reads_content,
        procedure_access,
        rows if reads_content else None,
    )
    if edit and not access.can_edit:
        raise PermissionDenied(
            _("Only the lead body's administrators can change a draft, before the deadline.")
        )
    return access
