"""What waits for a person: the task list of the personal area, grouped by organisation.

Each kind of task is one small query function: it takes the person's standing (`Standing`,
read once) and returns `Task`s, or a `Batch` of the first few with the full count where a
kind can run long (a funder's grants, an office's actuals). A task says why it is there and
where the act is done, and the same rule that lets the act happen decides when it shows:
when the act is done, the query no longer finds it. Every function runs a fixed number of
queries, however many tasks it finds.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trama.agreements.models import (
    Agreement,
    AgreementVersion,
    Party,
    Report,
    ReportingPeriod,
    ReportLine,
    SignedCopy,
)
from trama.ledger.measure import with_events
from trama.ledger.models import Kind, LedgerEntry, Source, Verification
from trama.lib.numbers import format_amount
from trama.organizations.access import acts_for_public_body, memberships_of, speaks_for_funder
from trama.organizations.models import Invitation, Membership, Organization, OrganizationClaim
from trama.procedures.access import member_proposals
from trama.procedures.models import (
    Attendance,
    Clarification,
    CommissionMember,
    Criterion,
    Declaration,
    MinutesReview,
    Procedure,
    Proposal,
    ProposalPartner,
    Score,
)
from trama.programs.models import Program

# How many tasks of one kind an organisation's group shows before "see all" leads to the queue.
CAP = 5
# What the task list reads (page-cache scopes, lib/cache.py): a write to any of them renews a
# person's kept list; otherwise it is kept this long (the "due soon" marks move with time).
SCOPES = ("accounts", "agreements", "ledger", "organizations", "procedures", "programs")
KEPT_SECONDS = 60

PState = Proposal.State
State = Procedure.State


@dataclass(frozen=True)
class Task:
    kind: str
    organization: Organization | None  # the group; None: the platform staff's work
    title: str  # what the task is about
    cause: str  # why it is on the list
    url: str  # where the act is done
    action: str  # the link's words: the act
    due: datetime.datetime | None = None  # the deadline that makes it urgent
    since: datetime.datetime | None = None  # since when it waits
    note: str = ""
    post_url: str = ""  # an act done right here, with one button (accepting an invitation)

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.now()

    @property
    def due_soon(self) -> bool:
        """Three days or less left: the page marks it."""
        return self.due is not None and self.due - timezone.now() <= SOON


SOON = datetime.timedelta(days=3)


@dataclass(frozen=True)
class Batch:
    """The first tasks of a long kind in one group, the full count and the queue with all."""

    organization: Organization | None
    tasks: list[Task]
    total: int
    queue_url: str
    queue_label: str


@dataclass
class Group:
    organization: Organization | None
    tasks: list[Task] = field(default_factory=list)
    more: list[Batch] = field(default_factory=list)  # kinds with more than shown
    count: int = 0

    @property
    def label(self) -> str:
        return self.organization.name if self.organization else _("Platform staff")

    @property
    def urgency(self):
        return min((_urgency(task) for task in self.tasks), default=(2, _FAR))


@dataclass(frozen=True)
class Standing:
    """The person and the organisations they act for, read once for every kind of task."""

    user: object
    memberships: list
    now: datetime.datetime

    @property
    def member_ids(self) -> frozenset:
        return frozenset(m.organization_id for m in self.memberships)

    @property
    def admin_ids(self) -> frozenset:
        return frozenset(m.organization_id for m in self.memberships if m.is_admin)

    @property
    def public_body_ids(self) -> frozenset:
        """The verified public bodies the person acts for (publish, answer, verify)."""
        ids = self.member_ids
        return frozenset(
            m.organization_id for m in self.memberships if acts_for_public_body(m.organization, ids)
        )

    @property
    def funder_ids(self) -> frozenset:
        ids = self.member_ids
        return frozenset(
            m.organization_id for m in self.memberships if speaks_for_funder(m.organization, ids)
        )


def standing_of(user, now=None) -> Standing:
    return Standing(user, list(memberships_of(user)), now or timezone.now())


_FAR = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def _urgency(task: Task):
    """Deadlines first, soonest first; then what has waited longest."""
    if task.due is not None:
        return (0, task.due)
    return (1, task.since or _FAR)


def _mine_or_unassigned(standing: Standing, to_procedure: str = "") -> Q:
    """A procedure's officer acts: the RUP's own, or every officer's where there is no RUP."""
    return Q(**{f"{to_procedure}rup": standing.user}) | Q(**{f"{to_procedure}rup__isnull": True})


# --- drafts --------------------------------------------------------------------------------


def draft_calls(standing: Standing) -> list[Task]:
    """Draft calls and co-programmings of the person's public bodies, not published yet."""
    if not standing.public_body_ids:
        return []
    drafts = (
        Procedure.objects.on_platform()
        .filter(state=State.DRAFT, owner_id__in=standing.public_body_ids)
        .filter(_mine_or_unassigned(standing))
        .select_related("owner")
    )
    tasks = []
    for procedure in drafts:
        if procedure.kind == Procedure.Kind.CO_PROGRAMMING:
            cause = _("Draft co-programming, not published yet.")
        else:
            cause = _("Draft call, not published yet.")
        note = ""
        if procedure.deadline_passed(standing.now):
            note = _("Its deadline has passed: set a new one before publishing.")
        tasks.append(
            Task(
                "draft_call",
                procedure.owner,
                procedure.title,
                cause,
                procedure.get_absolute_url(),
                _("Review and publish"),
                due=procedure.deadline,
                since=procedure.created_at,
                note=note,
            )
        )
    return tasks


def draft_proposals(standing: Standing) -> list[Task]:
    """Drafts that the person's bodies lead, on calls still open; who has not confirmed yet."""
    if not standing.admin_ids:
        return []
    waiting = ProposalPartner.objects.filter(
        role=ProposalPartner.Role.PARTNER, confirmed_at__isnull=True
    ).select_related("organization")
    drafts = (
        member_proposals(standing.user)
        .filter(
            state=PState.DRAFT,
            lead_id__in=standing.admin_ids,
            procedure__state=State.PUBLISHED,
            procedure__deadline__gte=standing.now,
        )
        .select_related("procedure", "lead")
        .prefetch_related(Prefetch("partners", queryset=waiting, to_attr="unconfirmed"))
    )
    tasks = []
    for proposal in drafts:
        note = ""
        if proposal.unconfirmed:
            note = _("Not confirmed yet by: %(names)s.") % {
                "names": ", ".join(p.organization.name for p in proposal.unconfirmed)
            }
        tasks.append(
            Task(
                "draft_proposal",
                proposal.lead,
                proposal.title,
                _("Draft proposal for the call “%(call)s”, not submitted yet.")
                % {"call": proposal.procedure.title},
                reverse("procedures:proposal", args=[proposal.pk]),
                _("Complete and submit"),
                due=proposal.procedure.deadline,
                since=proposal.created_at,
                note=note,
            )
        )
    return tasks


# --- agreements ------------------------------------------------------------------------------


def agreements_to_sign(standing: Standing) -> list[Task]:
    """The latest version of an agreement that a body the person administers has not signed."""
    if not standing.admin_ids:
        return []
    latest = AgreementVersion.objects.filter(agreement=OuterRef("agreement")).order_by("-number")
    parties = (
        Party.objects.filter(
            organization_id__in=standing.admin_ids,
            active=True,
            agreement__procedure__state__in=[State.TABLE, State.AGREED, State.IN_PROGRESS],
        )
        .annotate(
            version_id=Subquery(latest.values("pk")[:1]),
            version_number=Subquery(latest.values("number")[:1]),
            issued_at=Subquery(latest.values("issued_at")[:1]),
            version_in_force_at=Subquery(latest.values("in_force_at")[:1]),
        )
        .filter(version_id__isnull=False, version_in_force_at__isnull=True)
        .annotate(
            signed=Exists(
                SignedCopy.objects.filter(party=OuterRef("pk"), version=OuterRef("version_id"))
            )
        )
        .filter(signed=False)
        .select_related("organization", "agreement__procedure")
        .order_by("pk")
    )
    return [
        Task(
            "agreement_to_sign",
            party.organization,
            party.agreement.procedure.title,
            _("Version %(n)s of the agreement awaits your body's digital signature.")
            % {"n": party.version_number},
            reverse("agreements:agreement", args=[party.agreement_id]) + "#versions",
            _("Sign the agreement"),
            since=party.issued_at,
        )
        for party in parties
    ]


def agreements_to_issue(standing: Standing) -> list[Task]:
    """The RUP's procedures whose shared project is adopted and whose agreement is not issued."""
    if not standing.public_body_ids:
        return []
    procedures = (
        Procedure.objects.filter(
            state=State.TABLE,
            rup=standing.user,
            owner_id__in=standing.public_body_ids,
            adoption__isnull=False,
        )
        .annotate(
            has_agreement=Exists(Agreement.objects.filter(procedure=OuterRef("pk"))),
            issued=Exists(AgreementVersion.objects.filter(agreement__procedure=OuterRef("pk"))),
        )
        .filter(issued=False)
        .select_related("owner", "agreement", "adoption")
    )
    tasks = []
    for procedure in procedures:
        if procedure.has_agreement:
            url = reverse("agreements:agreement", args=[procedure.agreement.pk]) + "#draft"
            cause, action = (
                _("The agreement is drafted but not issued for signature yet."),
                _("Complete and issue"),
            )
        else:
            url = reverse("agreements:new", args=[procedure.pk])
            cause, action = (
                _("The shared project is adopted: the agreement is to be drafted."),
                _("Draft the agreement"),
            )
        tasks.append(
            Task(
                "agreement_to_issue",
                procedure.owner,
                procedure.title,
                cause,
                url,
                action,
                since=procedure.adoption.adopted_at,
            )
        )
    return tasks


# --- partnerships ----------------------------------------------------------------------------


def partner_confirmations(standing: Standing) -> list[Task]:
    """Proposals that name one of the person's bodies as partner, still unconfirmed."""
    if not standing.member_ids:
        return []
    links = (
        ProposalPartner.objects.filter(
            role=ProposalPartner.Role.PARTNER,
            confirmed_at__isnull=True,
            organization_id__in=standing.member_ids,
            proposal__state=PState.DRAFT,
            proposal__procedure__state=State.PUBLISHED,
            proposal__procedure__deadline__gte=standing.now,
            proposal__in=member_proposals(standing.user),
        )
        .annotate(
            has_admin=Exists(
                Membership.objects.filter(
                    organization=OuterRef("organization"), role=Membership.Role.ADMIN
                )
            )
        )
        .select_related("organization", "proposal__procedure", "proposal__lead")
        .order_by("pk")
    )
    tasks = []
    for link in links:
        proposal = link.proposal
        values = {"lead": proposal.lead.name, "org": link.organization.name}
        cause = _("%(lead)s asks %(org)s to join this proposal as a partner.") % values
        if link.organization_id in standing.admin_ids:
            action, note = _("Confirm participation"), ""
        else:
            action = _("Open the proposal")
            if link.has_admin:
                note = _("Only an administrator of %(org)s can confirm: ask one of them.") % values
            else:
                note = (
                    _(
                        "Only an administrator of %(org)s can confirm, and it has none on "
                        "Trama yet: ask the platform staff to make one of its members "
                        "administrator."
                    )
                    % values
                )
        tasks.append(
            Task(
                "partner_confirmation",
                link.organization,
                proposal.title,
                cause,
                reverse("procedures:proposal", args=[proposal.pk]),
                action,
                due=proposal.procedure.deadline,
                since=proposal.created_at,
                note=note,
            )
        )
    return tasks


# --- the public body's acts on its procedures --------------------------------------------


def clarifications_to_answer(standing: Standing) -> list[Batch]:
    """Questions on the person's calls that no one has answered yet, the first few per call."""
    if not standing.public_body_ids:
        return []
    pending = (
        Clarification.objects.filter(
            answered_at__isnull=True, procedure__owner_id__in=standing.public_body_ids
        )
        .exclude(procedure__state=State.CANCELLED)
        .filter(_mine_or_unassigned(standing, "procedure__"))
    )
    counts = _counts(pending, "procedure_id")
    if not counts:
        return []
    batches: dict[int, list[Task]] = {}
    procedures = {}
    for question in _first_per(pending.select_related("procedure__owner"), "procedure_id"):
        procedure = procedures.setdefault(question.procedure_id, question.procedure)
        text = question.question if len(question.question) <= 160 else question.question[:159] + "…"
        batches.setdefault(procedure.pk, []).append(
            Task(
                "clarification",
                procedure.owner,
                procedure.title,
                _("A question waits for your answer: “%(text)s”") % {"text": text},
                f"{procedure.get_absolute_url()}#domanda-{question.pk}",
                _("Answer the question"),
                due=procedure.deadline,
                since=question.asked_at,
            )
        )
    return [
        Batch(
            procedures[pk].owner,
            tasks,
            counts[pk],
            procedures[pk].get_absolute_url(),
            _("See all %(n)d questions on “%(call)s”")
            % {"n": counts[pk], "call": procedures[pk].title},
        )
        for pk, tasks in batches.items()
    ]


def evaluations_to_run(standing: Standing) -> list[Task]:
    """The RUP's closed calls: appoint the commission, open the evaluation, rank."""
    if not standing.public_body_ids:
        return []
    procedures = (
        Procedure.objects.on_platform()
        .filter(
            kind=Procedure.Kind.CO_DESIGN,
            rup=standing.user,
            owner_id__in=standing.public_body_ids,
        )
        .filter(
            Q(state__in=[State.CLOSED, State.EVALUATION])
            | Q(state=State.PUBLISHED, deadline__lt=standing.now)
        )
        .annotate(commission_size=Count("commission"))
        .select_related("owner")
    )
    tasks = []
    for procedure in procedures:
        if procedure.state == State.EVALUATION:
            cause = _("Evaluation open: decide admissions, then approve the ranking.")
            action = _("Open the evaluation desk")
        elif procedure.commission_size:
            cause = _("The call has closed and the commission is appointed.")
            action = _("Open the evaluation")
        else:
            cause = _("The call has closed: appoint the evaluation commission.")
            action = _("Appoint the commission")
        tasks.append(
            Task(
                "evaluation_to_run",
                procedure.owner,
                procedure.title,
                cause,
                reverse("procedures:desk", args=[procedure.pk]),
                action,
                since=procedure.closed_at or procedure.deadline,
            )
        )
    return tasks


# --- the co-design table -------------------------------------------------------------------

TABLE_WORKING = [State.TABLE, State.AGREED, State.IN_PROGRESS]


def minutes_to_approve(standing: Standing) -> list[Task]:
    """Minutes of a meeting one of the person's bodies attended, not approved by it yet."""
    if not standing.admin_ids:
        return []
    approved = MinutesReview.objects.filter(
        meeting=OuterRef("meeting"),
        organization=OuterRef("organization"),
        round=OuterRef("meeting__minutes_round"),
        decision=MinutesReview.Decision.APPROVED,
    )
    rows = (
        Attendance.objects.filter(
            organization_id__in=standing.admin_ids,
            meeting__minutes_round__gt=0,
            meeting__procedure__state__in=TABLE_WORKING,
        )
        .exclude(organization=F("meeting__procedure__owner"))
        .annotate(done=Exists(approved))
        .filter(done=False)
        .select_related("organization", "meeting__procedure")
        .order_by("meeting__held_at", "pk")
    )
    tasks, seen = [], set()
    for row in rows:
        key = (row.meeting_id, row.organization_id)
        if key in seen:
            continue
        seen.add(key)
        meeting = row.meeting
        tasks.append(
            Task(
                "minutes_to_approve",
                row.organization,
                meeting.title,
                _(
                    "Minutes of a meeting of the co-design table of “%(call)s”: approve them or "
                    "comment for %(org)s."
                )
                % {"call": meeting.procedure.title, "org": row.organization.name},
                reverse("procedures:table_meeting", args=[meeting.procedure_id, meeting.pk]),
                _("Read the minutes"),
                since=meeting.minutes_at,
            )
        )
    return tasks


def projects_to_adopt(standing: Standing) -> list[Task]:
    """The RUP's open co-design tables whose shared project is not adopted yet."""
    if not standing.public_body_ids:
        return []
    procedures = (
        Procedure.objects.on_platform()
        .filter(
            state=State.TABLE,
            rup=standing.user,
            owner_id__in=standing.public_body_ids,
            adoption__isnull=True,
        )
        .select_related("owner")
    )
    return [
        Task(
            "project_to_adopt",
            procedure.owner,
            procedure.title,
            _("The co-design table is working: adopt the shared project when it is agreed."),
            reverse("procedures:table", args=[procedure.pk]),
            _("Go to the table"),
            since=procedure.ranked_at,
        )
        for procedure in procedures
    ]


# --- evaluators ----------------------------------------------------------------------------


def proposals_to_score(standing: Standing) -> list[Task]:
    """An evaluator's declarations to make and admitted proposals not fully scored."""
    user = standing.user
    declared = Declaration.objects.filter(procedure=OuterRef("procedure"), user=user)
    seats = (
        CommissionMember.objects.filter(
            user=user, procedure__state__in=[State.CLOSED, State.EVALUATION]
        )
        .annotate(
            declared=Exists(declared),
            conflict=Exists(declared.filter(has_conflict=True)),
        )
        .select_related("procedure__owner")
        .order_by("procedure__closed_at", "pk")
    )
    tasks, scoring = [], {}
    for seat in seats:
        procedure = seat.procedure
        desk = reverse("procedures:desk", args=[procedure.pk])
        if not seat.declared:
            tasks.append(
                Task(
                    "declaration",
                    procedure.owner,
                    procedure.title,
                    _(
                        "You are on the evaluation commission: declare any conflict of "
                        "interest before reading the proposals."
                    ),
                    desk,
                    _("Make the declaration"),
                    since=procedure.closed_at,
                )
            )
        elif not seat.conflict and procedure.state == State.EVALUATION:
            scoring[procedure.pk] = procedure
    if not scoring:
        return tasks
    criteria = (
        Criterion.objects.filter(procedure=OuterRef("procedure"))
        .values("procedure")
        .annotate(n=Count("pk"))
        .values("n")
    )
    mine = (
        Score.objects.filter(proposal=OuterRef("pk"), evaluator=user)
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    proposals = (
        Proposal.objects.filter(procedure_id__in=scoring, state=PState.ADMITTED)
        .annotate(
            criteria_count=Coalesce(Subquery(criteria), 0),
            scored=Coalesce(Subquery(mine), 0),
        )
        .filter(scored__lt=F("criteria_count"))
        .select_related("lead", "receipt")
        .order_by("procedure_id", "receipt__number")
    )
    for proposal in proposals:
        procedure = scoring[proposal.procedure_id]
        receipt = getattr(proposal, "receipt", None)
        tasks.append(
            Task(
                "score",
                procedure.owner,
                _("Receipt %(number)s — %(lead)s")
                % {
                    "number": receipt.number if receipt else proposal.pk,
                    "lead": proposal.lead.name,
                },
                ngettext(
                    "Admitted proposal to score for “%(call)s”: %(done)d of %(n)d criterion scored.",
                    "Admitted proposal to score for “%(call)s”: %(done)d of %(n)d criteria scored.",
                    proposal.criteria_count,
                )
                % {"call": procedure.title, "done": proposal.scored, "n": proposal.criteria_count},
                reverse("procedures:desk", args=[procedure.pk]) + f"#p-{proposal.pk}",
                _("Score it"),
                since=procedure.closed_at,
            )
        )
    return tasks


# --- the ledger ----------------------------------------------------------------------------


def _first_per(queryset, partition: str):
    """The first CAP rows of each `partition`, oldest first, in one query."""
    return (
        queryset.annotate(
            position=Window(RowNumber(), partition_by=F(partition), order_by=F("pk").asc())
        )
        .filter(position__lte=CAP)
        .order_by(partition, "pk")
    )


def _counts(queryset, by: str) -> dict:
    return dict(queryset.order_by().values_list(by).annotate(n=Count("pk")).values_list(by, "n"))


def entries_to_verify(standing: Standing) -> list[Batch]:
    """Actuals awaiting the owning public body's verification, per program."""
    if not standing.public_body_ids:
        return []
    pending = with_events(
        LedgerEntry.objects.filter(
            kind=Kind.ACTUAL,
            reverses__isnull=True,
            reversal__isnull=True,
            program__owner_id__in=standing.public_body_ids,
        )
        # A report's actuals are verified with their report ("report to verify"), not
        # one by one: the same work is not offered twice.
        .exclude(pk__in=ReportLine.objects.filter(entry__isnull=False).values("entry_id"))
    ).filter(verification_status=Verification.Status.PENDING)
    counts = _counts(pending, "program_id")
    if not counts:
        return []
    entries = _first_per(pending.select_related("program__owner", "contributor"), "program_id")
    batches: dict[int, list[Task]] = {}
    programs = {}
    for entry in entries:
        programs[entry.program_id] = entry.program
        batches.setdefault(entry.program_id, []).append(
            Task(
                "verify",
                entry.program.owner,
                _("%(contributor)s: %(description)s")
                % {
                    "contributor": entry.contributor.name,
                    "description": entry.description or entry.get_category_display(),
                },
                _("Actual resource of %(year)s in “%(program)s”, awaiting verification.")
                % {"year": entry.year, "program": entry.program.title},
                reverse("ledger:entry", args=[entry.program.slug, entry.pk]),
                _("Verify"),
                since=entry.recorded_at,
                note=format_amount(entry.amount),
            )
        )
    return [
        Batch(
            programs[program_id].owner,
            tasks,
            counts[program_id],
            reverse("ledger:queue", args=[programs[program_id].slug]),
            _("See all %(n)d in the verification queue of “%(program)s”")
            % {"n": counts[program_id], "program": programs[program_id].title},
        )
        for program_id, tasks in batches.items()
    ]


def grants_to_confirm(standing: Standing) -> list[Batch]:
    """Grants that partners declare from the person's funders, not confirmed or disputed."""
    if not standing.funder_ids:
        return []
    waiting = with_events(
        LedgerEntry.objects.filter(
            source=Source.FOUNDATION_GRANT,
            funder_id__in=standing.funder_ids,
            reverses__isnull=True,
            reversal__isnull=True,
        )
    ).filter(confirmation_status__isnull=True)
    counts = _counts(waiting, "funder_id")
    if not counts:
        return []
    entries = _first_per(waiting.select_related("program", "contributor", "funder"), "funder_id")
    batches: dict[int, list[Task]] = {}
    funders = {}
    for entry in entries:
        funders[entry.funder_id] = entry.funder
        batches.setdefault(entry.funder_id, []).append(
            Task(
                "grant",
                entry.funder,
                _("%(contributor)s: grant of %(year)s")
                % {"contributor": entry.contributor.name, "year": entry.year},
                _("Declared in “%(program)s”: confirm that %(funder)s awarded it, or dispute it.")
                % {"funder": entry.funder.name, "program": entry.program.title},
                reverse("ledger:entry", args=[entry.program.slug, entry.pk]),
                _("Confirm or dispute"),
                since=entry.recorded_at,
                note=" · ".join(
                    part for part in (format_amount(entry.amount), entry.grant_reference) if part
                ),
            )
        )
    return [
        Batch(
            funders[funder_id],
            tasks,
            counts[funder_id],
            reverse("ledger:funder_queue"),
            _("See all %(n)d grants to confirm") % {"n": counts[funder_id]},
        )
        for funder_id, tasks in batches.items()
    ]


# --- the person ----------------------------------------------------------------------------


def invitations(standing: Standing) -> list[Task]:
    """Invitations sent to the person's address, still open."""
    user = standing.user
    pending = (
        Invitation.objects.pending()
        .filter(email__iexact=user.email)
        .select_related("organization", "invited_by")
        .order_by("expires_at")
    )
    return [
        Task(
            "invitation",
            invitation.organization,
            invitation.organization.name,
            _("%(who)s invites you to join %(org)s as %(role)s.")
            % {
                "who": invitation.invited_by.display_name,
                "org": invitation.organization.name,
                "role": invitation.get_role_display().lower(),
            },
            invitation.organization.get_absolute_url(),
            _("Accept the invitation"),
            due=invitation.expires_at,
            since=invitation.created_at,
            post_url=reverse("organizations:invitation_accept", args=[invitation.pk]),
        )
        for invitation in pending
    ]


# --- platform staff ------------------------------------------------------------------------


def claims_to_decide(standing: Standing) -> list[Batch]:
    """Requests to join a registered organisation, for the platform staff."""
    if not standing.user.is_staff:
        return []
    pending = OrganizationClaim.objects.filter(status=OrganizationClaim.Status.PENDING)
    total = pending.count()
    if not total:
        return []
    queue = reverse("admin:organizations_organizationclaim_changelist") + "?status__exact=PENDING"
    claims = pending.select_related("organization", "user").order_by("created_at", "pk")[:CAP]
    tasks = [
        Task(
            "claim",
            None,
            claim.organization.name,
            _("%(who)s (%(email)s) asks to administer %(org)s.")
            % {
                "who": claim.user.display_name,
                "email": claim.user.email,
                "org": claim.organization.name,
            },
            queue,
            _("Decide"),
            since=claim.created_at,
        )
        for claim in claims
    ]
    return [Batch(None, tasks, total, queue, _("See all %(n)d requests to join") % {"n": total})]


def bodies_to_verify(standing: Standing) -> list[Batch]:
    """Organisations not verified yet, oldest first, for the platform staff."""
    if not standing.user.is_staff:
        return []
    unverified = Organization.objects.filter(verified_at__isnull=True)
    total = unverified.count()
    if not total:
        return []
    queue = reverse("admin:organizations_organization_changelist") + "?verified_at__isempty=1"
    tasks = [
        Task(
            "body",
            None,
            org.name,
            _("%(kind)s registered on %(date)s, not verified yet.")
            % {
                "kind": org.get_kind_display(),
                "date": timezone.localtime(org.created_at).strftime("%d/%m/%Y"),
            },
            reverse("admin:organizations_organization_change", args=[org.pk]),
            _("Check and verify"),
            since=org.created_at,
        )
        for org in unverified.order_by("created_at", "pk")[:CAP]
    ]
    return [Batch(None, tasks, total, queue, _("See all %(n)d bodies to verify") % {"n": total})]


# --- co-production under an agreement ------------------------------------------------------

# How long before its due date a report shows on the lead's list (the first reminder's).
REPORT_NOTICE = datetime.timedelta(days=14)


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))


def coproduction_tasks(standing: Standing) -> list[Task]:
    """Reports due (the lead's), to verify (the RUP's) and lines to correct (a party's).

    One query finds the agreements in progress the person takes part in; a person with none,
    the most common case, costs nothing more.
    """
    if not standing.member_ids:
        return []
    agreements = set(
        Agreement.objects.filter(procedure__state=State.IN_PROGRESS)
        .filter(
            Q(parties__organization_id__in=standing.member_ids, parties__active=True)
            | Q(procedure__rup=standing.user, procedure__owner_id__in=standing.public_body_ids)
        )
        .values_list("pk", flat=True)
    )
    if not agreements:
        return []
    return [
        *reports_due(standing, agreements),
        *reports_to_verify(standing, agreements),
        *lines_to_correct(standing, agreements),
    ]


def reports_due(standing: Standing, agreements) -> list[Task]:
    """The lead body's reports due within 14 days or overdue, not submitted yet."""
    horizon = timezone.localdate(standing.now) + REPORT_NOTICE
    periods = (
        ReportingPeriod.objects.filter(
            agreement_id__in=agreements,
            agreement__parties__organization_id__in=standing.member_ids,
            agreement__parties__role=Party.Role.LEAD,
            agreement__parties__active=True,
        )
        # Due soon or overdue, or sent back by the RUP (whatever its date).
        .filter(Q(due_on__lte=horizon) | Q(report__state=Report.State.CHANGES_REQUESTED))
        .exclude(report__state__in=[Report.State.SUBMITTED, Report.State.ACCEPTED])
        .annotate(
            lead_id=F("agreement__parties__organization_id"),
            report_state=F("report__state"),
        )
        .select_related("agreement__procedure")
        .order_by("due_on", "pk")
    )
    leads = {m.organization_id: m.organization for m in standing.memberships}
    tasks = []
    for period in periods:
        procedure = period.agreement.procedure
        due = _end_of_day(period.due_on)
        action = _("Prepare the report")
        if period.report_state == Report.State.CHANGES_REQUESTED:
            cause = _(
                "The procedure manager asked for changes to report %(n)s: once the corrected "
                "lines are in, submit it again."
            )
            action = _("Correct and submit again")
        elif due < standing.now:
            cause = _("Report %(n)s is overdue: it was due on %(date)s.")
        else:
            cause = _("Report %(n)s is due on %(date)s.")
        tasks.append(
            Task(
                "report_due",
                leads.get(period.lead_id),
                procedure.title,
                cause % {"n": period.number, "date": period.due_on.strftime("%d/%m/%Y")},
                reverse("agreements:report", args=[period.agreement_id, period.number]),
                action,
                due=due,
            )
        )
    return tasks


def reports_to_verify(standing: Standing, agreements) -> list[Task]:
    """Submitted reports of the RUP's agreements, awaiting verification."""
    if not standing.public_body_ids:
        return []
    submitted = (
        Report.objects.filter(
            agreement_id__in=agreements,
            state=Report.State.SUBMITTED,
            agreement__procedure__rup=standing.user,
            agreement__procedure__owner_id__in=standing.public_body_ids,
        )
        .select_related("agreement__procedure__owner", "period")
        .order_by("submitted_at", "pk")
    )
    return [
        Task(
            "report_to_verify",
            report.agreement.procedure.owner,
            report.agreement.procedure.title,
            _("Report %(n)s was submitted: accept it or request changes.")
            % {"n": report.period.number},
            reverse("agreements:report", args=[report.agreement_id, report.period.number]),
            _("Verify the report"),
            since=report.submitted_at,
        )
        for report in submitted
    ]


def lines_to_correct(standing: Standing, agreements) -> list[Task]:
    """A party's resource lines sent back by the RUP, in reports not resubmitted yet."""
    lines = (
        ReportLine.objects.filter(
            report__agreement_id__in=agreements,
            report__state=Report.State.CHANGES_REQUESTED,
            contributor_id__in=standing.member_ids,
        )
        .exclude(change_reason="")
        .values("report_id", "contributor_id")
        .annotate(n=Count("pk"))
        .order_by("report_id", "contributor_id")
    )
    rows = list(lines)
    if not rows:
        return []
    reports_by_id = {
        r.pk: r
        for r in Report.objects.filter(pk__in={r["report_id"] for r in rows}).select_related(
            "agreement__procedure", "period"
        )
    }
    bodies = {m.organization_id: m.organization for m in standing.memberships}
    tasks = []
    for row in rows:
        report = reports_by_id[row["report_id"]]
        tasks.append(
            Task(
                "lines_to_correct",
                bodies.get(row["contributor_id"]),
                report.agreement.procedure.title,
                ngettext(
                    "The RUP sent back %(count)d resource line of report %(n)s: add a corrected one.",
                    "The RUP sent back %(count)d resource lines of report %(n)s: add corrected ones.",
                    row["n"],
                )
                % {"count": row["n"], "n": report.period.number},
                reverse("agreements:report", args=[report.agreement_id, report.period.number])
                + "#risorse",
                _("Correct the lines"),
                since=report.decided_at,
            )
        )
    return tasks


KINDS = (
    draft_calls,
    draft_proposals,
    partner_confirmations,
    clarifications_to_answer,
    evaluations_to_run,
    minutes_to_approve,
    projects_to_adopt,
    proposals_to_score,
    entries_to_verify,
    grants_to_confirm,
    agreements_to_sign,
    agreements_to_issue,
    invitations,
    claims_to_decide,
    bodies_to_verify,
    coproduction_tasks,
)


def task_groups(standing: Standing, kinds=KINDS) -> list[Group]:
    """Every task of the person, grouped by organisation, the most urgent group first."""
    groups: dict[int | None, Group] = {}

    def group_of(org):
        key = org.pk if org is not None else None
        if key not in groups:
            groups[key] = Group(org)
        return groups[key]

    for kind in kinds:
        for found in kind(standing):
            if isinstance(found, Batch):
                group = group_of(found.organization)
                group.tasks.extend(found.tasks)
                group.count += found.total
                if found.total > len(found.tasks):
                    group.more.append(found)
            else:
                group = group_of(found.organization)
                group.tasks.append(found)
                group.count += 1
    for group in groups.values():
        group.tasks.sort(key=_urgency)
    # Staff work comes after the person's own bodies; then the most urgent first.
    return sorted(
        groups.values(),
        key=lambda g: (g.organization is None, g.urgency, g.label),
    )


# --- the queues a person works in ----------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    label: str
    url: str


def queues(standing: Standing) -> list[Queue]:
    """Links to every queue the person can act on, for the personal area's navigation."""
    found = []
    if standing.funder_ids:
        found.append(Queue(_("Grants to confirm"), reverse("ledger:funder_queue")))
    programs = Program.objects.filter(owner_id__in=standing.public_body_ids).order_by("title")
    for program in programs:
        found.append(
            Queue(
                _("Actuals to verify — %(program)s") % {"program": program.title},
                reverse("ledger:queue", args=[program.slug]),
            )
        )
        found.append(
            Queue(
                _("Import resources — %(program)s") % {"program": program.title},
                reverse("ledger:import", args=[program.slug]),
            )
        )
    desks = (
        Procedure.objects.filter(
            Q(commission__user=standing.user)
            | Q(rup=standing.user, owner_id__in=standing.public_body_ids),
            state__in=[State.CLOSED, State.EVALUATION],
        )
        .distinct()
        .order_by("title")
    )
    for procedure in desks:
        found.append(
            Queue(
                _("Evaluation desk — %(call)s") % {"call": procedure.title},
                reverse("procedures:desk", args=[procedure.pk]),
            )
        )
    if standing.user.is_staff:
        found.append(
            Queue(
                _("Requests to join organisations"),
                reverse("admin:organizations_organizationclaim_changelist")
                + "?status__exact=PENDING",
            )
        )
        found.append(
            Queue(
                _("Organisations to verify"),
                reverse("admin:organizations_organization_changelist") + "?verified_at__isempty=1",
            )
        )
    return found


__all__ = ["KINDS", "Batch", "Group", "Task", "queues", "standing_of", "task_groups"]
