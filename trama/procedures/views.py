import secrets
from dataclasses import replace
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trama.audit.models import AuditEvent
from trama.audit.services import chain_for
from trama.lib.cache import cached_page
from trama.lib.cache import versions as cache_versions
from trama.lib.refusals import add_refusal, attempt, form_page
from trama.lib.review import Review, reviewed, spent_token
from trama.organizations.models import Membership, Organization
from trama.programs.access import OWNER, access_program

from . import services
from .access import (
    TABLE_STATES,
    access_procedure,
    access_proposal,
    member_proposals,
    partnership_rows,
)
from .forms import (
    AnswerForm,
    AttachForm,
    BudgetFormSet,
    BudgetLineForm,
    BudgetTotalForm,
    CallFilterForm,
    CallForm,
    CancelForm,
    CodesignForm,
    ConfirmForm,
    ContributionForm,
    CriterionFormSet,
    DocumentsForm,
    ExtendForm,
    InterestForm,
    MeetingForm,
    MinutesForm,
    PartnerForm,
    PartnerSearchForm,
    ProposalDraftForm,
    ProposalFilesForm,
    ProposalStartForm,
    QuestionForm,
    ReceiptCheckForm,
    ReplaceFileForm,
    call_rows,
    with_added_row,
)
from .models import (
    BudgetLine,
    Criterion,
    Procedure,
    Proposal,
    ProposalFile,
    ProposalPartner,
    ProposalSection,
    Receipt,
)
from .moments import next_public_moment
from .pdf import receipt_pdf
from .services.proposals import missing_for_submission, partner_candidates, partners_without_admin
from .workflow import RUP, who_may

CALLS_PAGE_SIZE = 20


class PageForms:
    """The forms of a page: fresh ones, except the one that failed, as the person typed it."""

    def __init__(self, key=None, form=None):
        self.key, self.form, self.shown = key, form, False

    def get(self, key, factory):
        if self.form is not None and key == self.key:
            self.shown = True
            return self.form
        return factory()

    @property
    def failed(self) -> bool:
        return self.form is not None

    def unshown_errors(self, request) -> None:
        """A failed form the page no longer shows (its item is gone): its reasons as messages."""
        if self.form is not None and not self.shown:
            for errors in self.form.errors.values():
                for message in errors:
                    messages.error(request, message)


def observed(access):
    """The access as a page reads it: the procedure as the clock sees it (GET never writes)."""
    seen = access.procedure.observed()
    return access if seen is access.procedure else replace(access, procedure=seen)


@cached_page("procedures", "organizations", "programs", "territories", until=next_public_moment)
def call_list(request):
    """The public list of calls: open ones first, with filters by area, region and text."""
    form = CallFilterForm(request.GET or None)
    calls = Procedure.objects.public().with_territory()
    status = "open"
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"] or "open"
        if data["q"]:
            calls = calls.filter(
                Q(title__icontains=data["q"]) | Q(description__icontains=data["q"])
            )
        if data["area"]:
            calls = calls.filter(program__area=data["area"])
        if data["region"]:
            calls = calls.filter(owner__municipality__province__region=data["region"])
        if data["deadline_before"]:
            calls = calls.filter(deadline__date__lte=data["deadline_before"])
    if status == "open":
        calls = calls.open_calls().order_by("deadline", "pk")
    else:
        calls = calls.order_by("-published_at", "pk")
    page = Paginator(calls, CALLS_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    page.object_list = [call.observed(now) for call in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "procedures/call_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "status": status, "now": now},
    )


class CallFeed(Feed):
    """New calls, newest first: an Atom/RSS feed readers can follow."""

    title = gettext_lazy("Trama — new calls")
    link = reverse_lazy("procedures:calls")
    description = gettext_lazy("Co-programming and co-design calls published on Trama.")

    def items(self):
        return Procedure.objects.public().select_related("owner").order_by("-published_at")[:50]

    def item_title(self, item):
        return f"{item.title} — {item.owner.name}"

    def item_description(self, item):
        return item.description

    def item_pubdate(self, item):
        return item.published_at


# --- the call page and its acts ---------------------------------------------------------------


@cached_page("procedures", "organizations", "programs", "accounts", until=next_public_moment)
def call_detail(request, pk):
    return call_page(request, observed(access_procedure(request.user, pk)))


def _coprogramming(request, access, forms: PageForms) -> dict:
    procedure, user = access.procedure, request.user
    acts = access.acts
    interest_orgs = Organization.objects.administered_by(user).exclude(
        kind=Organization.Kind.PUBLIC_BODY
    )
    contribute_orgs = (
        Organization.objects.with_member(user).filter(
            pk__in=procedure.participations.filter(state="ADMITTED").values("organization"),
        )
        if user.is_authenticated and who_may(procedure, "contribute") != ""
        else Organization.objects.none()
    )
    participants = procedure.participants.all()
    meetings = list(procedure.meetings.prefetch_related("attendees"))
    minutes = "record_minutes" in acts
    return {
        "meetings": [
            (
                meeting,
                forms.get(
                    ("minutes", meeting.pk),
                    lambda m=meeting: MinutesForm(
                        participants=participants, auto_id=f"id_minutes{m.pk}_%s"
                    ),
                )
                if minutes and not meeting.minutes
                else None,
            )
            for meeting in meetings
        ],
        "contributions": procedure.contributions.select_related("organization"),
        "participants": participants,
        "interest_form": forms.get(
            "interest", lambda: InterestForm(organizations=interest_orgs, auto_id="id_interest_%s")
        )
        if procedure.is_open() and interest_orgs.exists()
        else None,
        "contribute_form": forms.get(
            "contribute",
            lambda: ContributionForm(organizations=contribute_orgs, auto_id="id_contrib_%s"),
        )
        if contribute_orgs.exists()
        else None,
        "admit": "admit_participants" in acts and procedure.deadline_passed(),
        "meeting_form": forms.get("meeting", lambda: MeetingForm(auto_id="id_meeting_%s"))
        if "schedule_meeting" in acts
        else None,
        "conclude": "conclude" in acts,
        "codesign_form": forms.get("codesign", lambda: CodesignForm(auto_id="id_codesign_%s"))
        if "start_codesign" in acts
        else None,
    }


def call_page(request, access, forms: PageForms | None = None):
    """The call's page; `forms` carries the form that failed, shown again as typed (400)."""
    forms = forms or PageForms()
    procedure, user = access.procedure, request.user
    acts = access.acts
    open_ = procedure.is_open()
    pending = []
    if access.is_officer:
        pending = [
            (
                item,
                forms.get(
                    ("answer", item.pk), lambda i=item: AnswerForm(auto_id=f"id_answer{i.pk}_%s")
                ),
            )
            for item in procedure.clarifications.filter(answered_at__isnull=True)
        ]
    ranking = []
    if procedure.state == Procedure.State.RANKED or procedure.state in TABLE_STATES:
        ranking = list(
            procedure.proposals.filter(rank__isnull=False)
            .select_related("lead")
            .order_by("rank", "pk")
        )
    my_proposals, start_form = [], None
    if user.is_authenticated:
        my_proposals = list(
            member_proposals(user)
            .filter(procedure=procedure)
            .select_related("lead", "receipt")
            .order_by("-pk")
        )
        leads = Organization.objects.administered_by(user).filter(
            kind=Organization.Kind.THIRD_SECTOR
        )
        if open_ and procedure.kind == Procedure.Kind.CO_DESIGN and leads.exists():
            start_form = forms.get("start", lambda: ProposalStartForm(leads=leads))
    context = {
        "procedure": procedure,
        "access": access,
        "criteria": procedure.criteria.all(),
        "budget": procedure.budget.all(),
        "notices": procedure.notices.all(),
        "attachments": procedure.attachments.all(),
        "clarifications": procedure.clarifications.filter(answered_at__isnull=False),
        "pending": pending,
        "ranking": ranking,
        "my_proposals": my_proposals,
        "cancelled": procedure.state == Procedure.State.CANCELLED,
        "desk": procedure.closed_at is not None and (access.is_officer or access.is_evaluator),
        "start_form": start_form,
        "question_form": forms.get("question", QuestionForm)
        if open_ and user.is_authenticated
        else None,
        "attach_form": forms.get("attach", lambda: AttachForm(auto_id="id_attach_%s"))
        if access.is_officer
        else None,
        "extend": open_ and "extend" in acts,
        "table": access.sees_table,
        "open_table": "open_table" in acts,
        "coprogramming": _coprogramming(request, access, forms)
        if procedure.kind == Procedure.Kind.CO_PROGRAMMING
        else {},
    }
    forms.unshown_errors(request)
    return form_page(request, "procedures/call_detail.html", context, failed=forms.failed)


def call_act(request, access, key, form, action, success="", then=None):
    """One act from a form on the call page: then back to the page (or `then(result)`); if
    the form or the service refuses, the page again with the form as typed and the reasons."""
    if form.is_valid():
        done = attempt(request, lambda: action(**form.cleaned_data), form=form, success=success)
        if done:
            return (
                then(done.result) if then else redirect("procedures:call", pk=access.procedure.pk)
            )
    return call_page(request, observed(access), PageForms(key, form))


def cannot(request, access, act: str, back: str):
    """None if the user may do `act` now (the workflow table); else the answer to give:
    403 for an officer who isn't the RUP, back to the page (saying so) at the wrong moment."""
    if access.can(act):
        return None
    if who_may(access.procedure, act) == RUP and not access.is_rup:
        raise PermissionDenied(_("Only the procedure manager (RUP) can do this."))
    if request.method == "POST" and spent_token(request):
        # The second click of a double click, once the first has acted: say just that.
        return Review(request, title="", back=back, confirm="").already_done()
    messages.error(
        request,
        _("This can't be done now: the procedure is “%(state)s”.")
        % {"state": access.procedure.get_state_display()},
    )
    return redirect(back)


def of_call(act: str, procedure) -> str:
    """A review page's title: the act, and the call it acts on."""
    return f"{act} — {procedure.title}"


def _posted(request):
    return request.POST if request.method == "POST" else None


def call_form_page(request, program, procedure=None):
    """The form of a new call, or of a draft (`procedure`) as saved, criteria and budget included.

    A draft's form is the new call's form prefilled; `?publish=1` (where a refused publication
    sends the person) shows beside each field what stops the call from being published.
    """
    data = _posted(request)
    adding = data is not None and ("add_criterion" in data or "add_year" in data)
    if adding:
        data = with_added_row(data, "criteria" if "add_criterion" in data else "budget")
    rows = call_rows(procedure) if procedure is not None else None
    if procedure is None:
        form = CallForm(data, initial=None if data else {"draft_key": secrets.token_urlsafe(24)})
    else:
        form = CallForm(data, procedure=procedure)
    criteria = CriterionFormSet(
        data, prefix="criteria", initial=None if data or rows is None else rows["criteria"]
    )
    if data is None and (rows is None or not rows["criteria"]):
        criteria.extra = 2  # two blank rows to start: blank rows are no criteria
    budget = BudgetFormSet(
        data,
        prefix="budget",
        form_kwargs={"years": list(program.years)},
        initial=None
        if data
        else (rows["budget"] if rows else [{"year": year} for year in program.years]),
    )
    criteria_errors, publishing = [], False
    if (
        data is not None
        and not adding
        and form.is_valid()
        and criteria.is_valid()
        and budget.is_valid()
    ):
        if procedure is None:
            done = attempt(
                request,
                lambda: services.draft_call(
                    by=request.user,
                    program=program,
                    kind=form.cleaned_data["kind"],
                    draft_key=form.cleaned_data["draft_key"],
                    criteria=criteria.rows(),
                    budget=budget.budget(),
                    **form.call_fields(),
                ),
                form=form,
                success=_("Draft saved. Check it, then publish it."),
            )
        else:
            done = attempt(
                request,
                lambda: services.revise_call(
                    procedure,
                    by=request.user,
                    criteria=criteria.rows(),
                    budget=budget.budget(),
                    **form.call_fields(),
                ),
                form=form,
                success=_("Draft saved."),
            )
        if done:
            if "then_publish" in request.POST:
                return redirect("procedures:call_publish", pk=done.result.pk)
            return redirect("procedures:call", pk=done.result.pk)
    elif data is None and procedure is not None and request.GET.get("publish"):
        try:
            services.check_publishable(procedure, timezone.now())
        except ValidationError as exc:
            criteria_errors = form.show_refusal(exc)
            publishing = True
    context = {
        "form": form,
        "criteria": criteria,
        "criteria_errors": criteria_errors,
        "publishing": publishing,
        "budget": budget,
        "program": program,
        "procedure": procedure,
        "title": _("New call") if procedure is None else _("Edit the draft call"),
    }
    partial = ""
    if adding:
        partial = "criteria" if "add_criterion" in request.POST else "budget"
    failed = data is not None and not adding
    return form_page(request, "procedures/call_form.html", context, failed=failed, partial=partial)


@login_required
def call_create(request, slug):
    return call_form_page(request, access_program(request.user, slug, need=OWNER).program)


@login_required
def call_edit(request, pk):
    """A draft call (co-design or co-programming) changes on its form until it is published."""
    access = access_procedure(request.user, pk, officer=True)
    procedure = access.procedure
    if refused := cannot(request, access, "edit", procedure.get_absolute_url()):
        return refused
    return call_form_page(request, procedure.program, procedure)


@login_required
@require_http_methods(["GET", "POST"])
def call_publish(request, pk):
    """Publish a draft after its review; what stops it is shown beside the field at fault."""
    access = access_procedure(request.user, pk, officer=True)
    procedure = access.procedure
    back = procedure.get_absolute_url()
    if refused := cannot(request, access, "publish", back):
        return refused
    fix = reverse("procedures:call_edit", args=[pk]) + "?publish=1"
    if request.method == "GET":
        try:
            services.check_publishable(procedure, timezone.now())
        except ValidationError:
            return redirect(fix)  # the form says what stops it, beside each field
    review = Review(
        request,
        title=of_call(_("Publish the call"), procedure),
        back=back,
        confirm=_("Publish the call"),
    )
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        if not review.spend():
            return review.already_done()
        try:
            services.publish_call(procedure, by=request.user)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and access.can("edit"):
                return redirect(fix)
            add_refusal(request, exc)
            return redirect(back)
        except PermissionDenied as exc:
            add_refusal(request, exc)
            return redirect(back)
        messages.success(request, _("The call is published."))
        return redirect(back)
    deadline = timezone.localtime(procedure.deadline)
    questions = timezone.localtime(procedure.clarification_deadline or procedure.deadline)
    co_design = procedure.kind == Procedure.Kind.CO_DESIGN
    return review.page(
        consequences=[
            _(
                "The call becomes public: anyone reads it on Trama, in the list and the feed of calls."
            ),
            (
                _("Third-Sector bodies can submit proposals until %(when)s (Italian time).")
                if co_design
                else _("Bodies can express their interest until %(when)s (Italian time).")
            )
            % {"when": date_format(deadline, "DATETIME_FORMAT")},
            _("Questions can be asked until %(when)s.")
            % {"when": date_format(questions, "DATETIME_FORMAT")},
            _(
                "Once published, the call no longer changes: its deadline can only be extended,"
                " or the procedure cancelled, each with a public notice."
            ),
        ],
        form=form,
        details="procedures/_call_review.html",
        context={
            "procedure": procedure,
            "criteria": procedure.criteria.all(),
            "budget": procedure.budget.all(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_cancel(request, pk):
    access = access_procedure(request.user, pk, officer=True)
    procedure = access.procedure
    back = procedure.get_absolute_url()
    if refused := cannot(request, access, "cancel", back):
        return refused
    if procedure.is_published:
        consequences = [
            _("The procedure ends now: no proposal, interest or question is accepted any more."),
            _("The reason you give is published as a notice on the call's page."),
            _("Drafts of proposals stay with their authors."),
        ]
    else:
        consequences = [_("The draft is closed for good: it will never be published.")]
    return reviewed(
        request,
        Review(
            request,
            title=of_call(_("Cancel the procedure"), procedure),
            back=back,
            confirm=_("Cancel the procedure"),
            danger=True,
        ),
        CancelForm(_posted(request), auto_id="id_cancel_%s"),
        lambda reason: services.cancel_procedure(procedure, by=request.user, reason=reason),
        consequences=consequences,
        success=_("The procedure is cancelled; the notice is public."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_extend(request, pk):
    access = observed(access_procedure(request.user, pk, rup=True))  # not once it has passed
    procedure = access.procedure
    back = procedure.get_absolute_url()
    if refused := cannot(request, access, "extend", back):
        return refused
    return reviewed(
        request,
        Review(
            request,
            title=of_call(_("Extend the deadline"), procedure),
            back=back,
            confirm=_("Extend the deadline"),
        ),
        ExtendForm(_posted(request), auto_id="id_extend_%s"),
        lambda reason, deadline: services.extend_deadline(
            procedure, by=request.user, deadline=deadline, reason=reason
        ),
        consequences=[
            _("The deadline is now %(when)s (Italian time).")
            % {"when": date_format(timezone.localtime(procedure.deadline), "DATETIME_FORMAT")},
            _("The new deadline and the reason you give are published as a notice on the call."),
            _("The deadline can't be brought back earlier afterwards."),
        ],
        success=_("The deadline is extended; the notice is public."),
    )


@login_required
@require_POST
def call_ask(request, pk):
    access = access_procedure(request.user, pk)
    return call_act(
        request,
        access,
        "question",
        QuestionForm(request.POST),
        lambda question: services.ask_clarification(
            access.procedure, by=request.user, question=question
        ),
        _("Question sent. The answer will be published here for everyone."),
    )


@login_required
@require_POST
def call_answer(request, pk, clarification_id):
    access = access_procedure(request.user, pk, officer=True)
    clarification = access.procedure.clarifications.filter(pk=clarification_id).first()
    if clarification is None:
        raise PermissionDenied(_("No such question."))
    return call_act(
        request,
        access,
        ("answer", clarification.pk),
        AnswerForm(request.POST, auto_id=f"id_answer{clarification.pk}_%s"),
        lambda answer: services.answer_clarification(clarification, by=request.user, answer=answer),
        _("Answer published."),
    )


@login_required
@require_POST
def call_attach(request, pk):
    access = access_procedure(request.user, pk, officer=True)
    return call_act(
        request,
        access,
        "attach",
        AttachForm(request.POST, request.FILES, auto_id="id_attach_%s"),
        lambda title, file: services.attach_call_document(
            access.procedure, by=request.user, upload=file, title=title
        ),
        _("Document attached."),
    )


@login_required
@require_POST
def proposal_start(request, pk):
    access = access_procedure(request.user, pk)
    form = ProposalStartForm(request.POST, leads=Organization.objects.administered_by(request.user))
    return call_act(
        request,
        access,
        "start",
        form,
        lambda lead, title: services.start_proposal(
            access.procedure, by=request.user, lead=lead, title=title
        ),
        then=lambda proposal: redirect("procedures:proposal", pk=proposal.pk),
    )


# --- a proposal's page and its acts -----------------------------------------------------------


def proposal_detail(request, pk):
    access = access_proposal(request.user, pk, partnership=True)
    search = PartnerSearchForm(request.GET or None)
    return proposal_page(request, access, search=search)


def _plan_context(proposal, partner_bodies=None) -> dict:
    """The plan's lines with their bodies. `partner_bodies`: the partnership's bodies, when
    the page has read them: each line's contributor is one of them (a partner leaves with its
    lines), and its funder one of the funders kept in the cache; then the lines are read
    alone, and only a body found in neither is read with them."""
    if partner_bodies is None:
        lines = list(proposal.budget_lines.select_related("contributor", "funder").order_by("pk"))
    else:
        lines = list(proposal.budget_lines.order_by("pk"))
        bodies = {org.pk: org for org in partner_bodies}
        if any(line.funder_id is not None for line in lines):
            bodies.update((org.pk, org) for org in _funders() if org.pk not in bodies)
        wanted = {line.contributor_id for line in lines} | {line.funder_id for line in lines}
        missing = wanted - bodies.keys() - {None}
        if missing:
            bodies.update(Organization.objects.in_bulk(missing))
        for line in lines:
            line.contributor = bodies[line.contributor_id]
            if line.funder_id is not None:
                line.funder = bodies[line.funder_id]
    return {
        "lines": lines,
        "lines_total": sum((line.amount for line in lines), Decimal("0")),
    }


def _documents_context(proposal) -> dict:
    return {"files": list(proposal.files.filter(kind=ProposalFile.Kind.ATTACHMENT).order_by("pk"))}


FUNDERS_SECONDS = 600
CRITERIA_SECONDS = 600


def _sections(proposal) -> list[ProposalSection]:
    """The proposal's sections with their criteria, in the criteria's order. The call's
    criteria are kept in the shared cache under the version of the procedures' scope (any
    write to a call or a proposal renews it); the sections are read alone."""
    key = f"trama:criteria:{proposal.procedure_id}:{cache_versions(('procedures',))}"
    rows = cache.get(key)
    if rows is None:
        criteria = Criterion.objects.filter(procedure_id=proposal.procedure_id)
        rows = list(criteria.values_list("pk", "position", "title", "description", "max_points"))
        cache.set(key, rows, CRITERIA_SECONDS)
    criteria = {
        pk: Criterion(
            pk=pk,
            procedure_id=proposal.procedure_id,
            position=position,
            title=title,
            description=description,
            max_points=max_points,
        )
        for pk, position, title, description, max_points in rows
    }
    sections = list(proposal.sections.order_by())
    missing = {s.criterion_id for s in sections} - criteria.keys()
    if missing:  # a criterion of another call: never, but then read as it is
        criteria.update(Criterion.objects.in_bulk(missing))
    for section in sections:
        section.criterion = criteria[section.criterion_id]
    sections.sort(key=lambda s: (s.criterion.position, s.criterion_id))
    return sections


def _funders() -> list[Organization]:
    """The funders the plan form lists, the same on every draft: kept in the shared cache
    under the version of the organisations' scope (any write to a body renews it)."""
    key = f"trama:plan-funders:{cache_versions(('organizations',))}"
    rows = cache.get(key)
    if rows is None:
        funders = Organization.objects.filter(kind=Organization.Kind.FUNDER)
        rows = list(funders.values_list("pk", "name"))  # by name, as the model orders them
        cache.set(key, rows, FUNDERS_SECONDS)
    return [Organization(pk=pk, name=name, kind=Organization.Kind.FUNDER) for pk, name in rows]


# The page's secondary forms (a plan line, documents, a partner), each behind a link to a
# page of its own that htmx opens in place: the draft page renders them only when asked —
# a fragment after an act, a search, or one that failed and comes back as typed.
LAZY_FORMS = ("line", "files", "partner")


def proposal_context(
    request, access, forms: PageForms, search=None, open_forms: frozenset = frozenset()
) -> dict:
    """What the proposal's page shows this user; `forms` carries a failed form as typed.

    `open_forms`: which of LAZY_FORMS to render (the others are links to their own page).
    """
    proposal = access.proposal
    procedure = proposal.procedure
    context = {
        "access": access,
        "acts": access.acts,  # worked out once: the template asks a dozen times
        "proposal": proposal,
        "procedure": procedure,
        "now": timezone.now(),
    }
    if access.reads_content:
        # Documents are requested of submitted proposals only: a draft has none to read.
        requests = (
            []
            if proposal.state == Proposal.State.DRAFT
            # Ordered within the proposal as the model orders them (its Meta ordering
            # starts with the proposal, which would join it and its procedure to sort).
            else proposal.document_requests.order_by("requested_at").prefetch_related(
                Prefetch("files", queryset=ProposalFile.objects.order_by("pk"))
            )
        )
        context["requests"] = [
            (
                item,
                forms.get(
                    ("documents", item.pk),
                    lambda i=item: DocumentsForm(auto_id=f"id_documents{i.pk}_%s"),
                )
                if access.acts_for_lead
                else None,
            )
            for item in requests
        ]
        sections = _sections(proposal)
        by_name = access.partnership
        if by_name is None:
            by_name = partnership_rows(proposal, request.user)
        plan = _plan_context(proposal, [p.organization for p in by_name])
        open_draft = access.proposal.state == Proposal.State.DRAFT and procedure.is_open()
        pledged = {}
        for line in plan["lines"]:
            count, total = pledged.get(line.contributor_id, (0, Decimal("0")))
            pledged[line.contributor_id] = (count + 1, total + line.amount)
        partners = []
        # Read by body name, the order of the plan form's list of partners; shown by role.
        partner_rows = sorted(by_name, key=lambda p: p.pk)
        partner_rows.sort(key=lambda p: p.role, reverse=True)  # the models order: -role, pk
        for partner in partner_rows:
            org_id, role = partner.organization_id, partner.membership_role
            waiting = open_draft and partner.confirmed_at is None
            partners.append(
                (
                    partner,
                    {
                        "can_confirm": waiting and role == Membership.Role.ADMIN,
                        "no_admin": waiting and not partner.has_admin,
                        "asks_admin": waiting and role == Membership.Role.MEMBER,
                        "is_member": role is not None,
                        "removable": access.can_edit and partner.role != ProposalPartner.Role.LEAD,
                        "lines": pledged.get(org_id, (0, 0))[0],
                        "lines_total": pledged.get(org_id, (0, 0))[1],
                    },
                )
            )
        context.update(
            sections=sections,
            partners=partners,
            receipt=None
            if proposal.state == Proposal.State.DRAFT
            else Receipt.objects.filter(proposal=proposal).first(),
            **plan,
            **_documents_context(proposal),
        )
        if access.can_edit:
            query = ""
            if search is not None and search.is_valid():
                query = search.cleaned_data.get("partner_q", "")
            opened = set(open_forms)
            if forms.key in LAZY_FORMS:
                opened.add(forms.key)
            if query or (search is not None and search.is_bound):
                opened.add("partner")
            if "partner" in opened:
                search = search or PartnerSearchForm()
                context.update(
                    search_form=search,
                    partner_query=query,
                    candidates=partner_candidates(proposal, query) if query else [],
                    partner_form=forms.get("partner", PartnerForm),
                )
            if "line" in opened:
                context["line_form"] = forms.get(
                    "line",
                    lambda: BudgetLineForm(
                        proposal=proposal,
                        partner_bodies=[p.organization for p in by_name],
                        funders=_funders(),
                        auto_id="id_line_%s",
                    ),
                )
            if "files" in opened:
                context["files_form"] = forms.get(
                    "files", lambda: ProposalFilesForm(auto_id="id_files_%s")
                )
            context.update(
                line_form_url=reverse("procedures:proposal_line_form", args=[proposal.pk]),
                files_form_url=reverse("procedures:proposal_files_form", args=[proposal.pk]),
                partner_form_url=reverse("procedures:proposal_partner_form", args=[proposal.pk]),
                draft_form=forms.get(
                    "draft",
                    lambda: ProposalDraftForm(
                        proposal=proposal, sections=sections, auto_id="id_draft_%s"
                    ),
                ),
                total_form=forms.get(
                    "total",
                    lambda: BudgetTotalForm(
                        initial={"budget_total": proposal.budget_total}, auto_id="id_total_%s"
                    ),
                ),
                replace_failed=(forms.key[1], forms.get(forms.key, None))
                if isinstance(forms.key, tuple) and forms.key[0] == "replace"
                else None,
                missing=missing_for_submission(
                    proposal,
                    partners=partner_rows,
                    sections=sections,
                    files=context["files"],
                    lines=plan["lines"],
                ),
            )
    if access.is_partner and (
        procedure.state == Procedure.State.RANKED or procedure.state in TABLE_STATES
    ):
        context["scores"] = proposal.scores.select_related("criterion").order_by(
            "criterion__position", "pk"
        )
    return context


def proposal_page(request, access, forms: PageForms | None = None, search=None):
    """The proposal's page; `forms` carries the form that failed, shown again as typed."""
    forms = forms or PageForms()
    context = proposal_context(request, access, forms, search)
    forms.unshown_errors(request)
    return form_page(request, "procedures/proposal_detail.html", context, failed=forms.failed)


def proposal_fragment(request, access, partial: str, forms: PageForms | None = None, notice=""):
    """For htmx: one part of the draft page (plan or documents) and the checklist beside it.

    The part comes back with its form open: whoever just added a line may add another.
    """
    forms = forms or PageForms()
    access.proposal.refresh_from_db()  # the service saved its own copy
    context = proposal_context(request, access, forms, open_forms=frozenset(LAZY_FORMS))
    context["notice"] = notice
    template = "procedures/proposal_detail.html"
    html = render_to_string(f"{template}#{partial}", context, request=request)
    html += render_to_string(f"{template}#checklist-oob", context, request=request)
    return HttpResponse(html, status=400 if forms.failed else 200)


def proposal_act(request, access, key, form, action, success, partial="", anchor=""):
    """One act from a form on the proposal page: back to it, or it again with the form.

    With htmx and a `partial`, only that part of the page answers (400 with the form as
    typed when refused), so whatever else the person is typing stays on the page.
    """
    if form is None or form.is_valid():
        data = form.cleaned_data if form is not None else {}
        done = attempt(request, lambda: action(**data), form=form)
        if done:
            said = success(done.result) if callable(success) else success
            if partial and request.htmx:
                return proposal_fragment(request, access, partial, notice=said)
            if said:
                messages.success(request, said)
            return redirect(_proposal_url(access.proposal, partial or anchor))
        if form is None:
            if partial and request.htmx:
                return proposal_fragment(request, access, partial)
            return redirect(_proposal_url(access.proposal, partial or anchor))
    if partial and request.htmx:
        return proposal_fragment(request, access, partial, PageForms(key, form))
    return proposal_page(request, access, PageForms(key, form))


def _proposal_url(proposal, anchor=""):
    url = reverse("procedures:proposal", args=[proposal.pk])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_POST
def proposal_update(request, pk):
    """Save the title and sections as typed (htmx autosave, or the Save button without JS).

    The sections are saved even when the title is refused: nothing typed is lost because of
    an error elsewhere.
    """
    access = access_proposal(request.user, pk, edit=True)
    proposal = access.proposal
    sections = list(proposal.sections.select_related("criterion"))
    form = ProposalDraftForm(
        request.POST, proposal=proposal, sections=sections, auto_id="id_draft_%s"
    )
    form.is_valid()
    attempt(
        request,
        lambda: services.update_proposal(proposal, by=request.user, sections=form.sections()),
        form=form,
    )
    if "title" in form.cleaned_data:
        attempt(
            request,
            lambda: services.update_proposal(
                proposal, by=request.user, title=form.cleaned_data["title"]
            ),
            form=form,
        )
    failed = bool(form.errors)
    proposal.refresh_from_db()  # the service saved its own copy
    if request.htmx:
        context = proposal_context(
            request, access, PageForms("draft", form) if failed else PageForms()
        )
        context.update(draft_form=form, saved_at=timezone.now(), failed=failed)
        html = render_to_string(
            "procedures/proposal_detail.html#autosaved", context, request=request
        )
        html += render_to_string(
            "procedures/proposal_detail.html#checklist-oob", context, request=request
        )
        return HttpResponse(html, status=400 if failed else 200)
    if not failed:
        messages.success(request, _("Draft saved."))
        return redirect(_proposal_url(proposal, "sections"))
    return proposal_page(request, access, PageForms("draft", form))


@login_required
@require_POST
def proposal_total(request, pk):
    access = access_proposal(request.user, pk, edit=True)
    return proposal_act(
        request,
        access,
        "total",
        BudgetTotalForm(request.POST, auto_id="id_total_%s"),
        lambda budget_total: services.update_proposal(
            access.proposal, by=request.user, budget_total=budget_total
        ),
        _("Total of the budget plan saved."),
        partial="plan",
    )


@login_required
@require_POST
def proposal_add_line(request, pk):
    access = access_proposal(request.user, pk, edit=True)
    return proposal_act(
        request,
        access,
        "line",
        BudgetLineForm(request.POST, proposal=access.proposal, auto_id="id_line_%s"),
        lambda **data: services.add_budget_line(access.proposal, by=request.user, **data),
        _("Resource added to the budget plan."),
        partial="plan",
    )


@login_required
@require_POST
def proposal_remove_line(request, pk, line_id):
    access = access_proposal(request.user, pk, edit=True)
    line = get_object_or_404(BudgetLine, pk=line_id, proposal=access.proposal)
    return proposal_act(
        request,
        access,
        None,
        None,
        lambda: services.remove_budget_line(line, by=request.user),
        _("Line removed from the budget plan."),
        partial="plan",
    )


@login_required
@require_POST
def proposal_attach(request, pk):
    """Store each chosen document on the draft at once; one refused file stops no other."""
    access = access_proposal(request.user, pk, edit=True)
    form = ProposalFilesForm(request.POST, request.FILES, auto_id="id_files_%s")

    def act(files):
        refused = []
        for upload in files:
            try:
                services.attach_file(access.proposal, by=request.user, upload=upload)
            except ValidationError as exc:
                refused += [f"{upload.name}: {message}" for message in exc.messages]
        if refused:
            raise ValidationError({"files": refused})

    return proposal_act(
        request, access, "files", form, act, _("Documents attached."), partial="documents"
    )


@login_required
@require_POST
def proposal_replace_file(request, pk, file_id):
    access = access_proposal(request.user, pk, edit=True)
    attached = get_object_or_404(
        ProposalFile, pk=file_id, proposal=access.proposal, kind=ProposalFile.Kind.ATTACHMENT
    )
    return proposal_act(
        request,
        access,
        ("replace", attached.pk),
        ReplaceFileForm(request.POST, request.FILES, auto_id=f"id_replace{attached.pk}_%s"),
        lambda file: services.replace_file(attached, by=request.user, upload=file),
        _("Document replaced."),
        partial="documents",
    )


@login_required
@require_POST
def proposal_remove_file(request, pk, file_id):
    access = access_proposal(request.user, pk, edit=True)
    attached = get_object_or_404(
        ProposalFile, pk=file_id, proposal=access.proposal, kind=ProposalFile.Kind.ATTACHMENT
    )
    return proposal_act(
        request,
        access,
        None,
        None,
        lambda: services.remove_file(attached, by=request.user),
        _("Document removed."),
        partial="documents",
    )


_FORM_PAGES = {
    # which: (partial, the page's title, the page's anchor to go back to)
    "line": ("line-form", _("Add a resource to the budget plan"), "plan"),
    "files": ("files-form", _("Attach documents"), "documents"),
    "partner": ("partner-form", _("Add a partner"), "partners"),
}


def proposal_form(request, pk, which):
    """One of the draft page's secondary forms: in place for htmx, a page of its own
    without JavaScript. It posts where the page's form would, and the act answers alike."""
    access = access_proposal(request.user, pk, edit=True, partnership=True)
    partial, title, anchor = _FORM_PAGES[which]
    context = proposal_context(request, access, PageForms(), open_forms=frozenset([which]))
    if request.htmx:
        form = context.get({"line": "line_form", "files": "files_form"}.get(which, ""))
        if form is not None:
            # The first field takes the focus: the person asked for this form.
            first = next(iter(form.fields.values()))
            first.widget.attrs["autofocus"] = True
        context["autofocus"] = True  # the partner search, written out in the template
        return render(request, f"procedures/proposal_detail.html#{partial}", context)
    context.update(partial=f"procedures/proposal_detail.html#{partial}", title=title)
    context["back_url"] = _proposal_url(access.proposal, anchor)
    return render(request, "procedures/proposal_form.html", context)


@login_required
@require_GET
def proposal_line_form(request, pk):
    return proposal_form(request, pk, "line")


@login_required
@require_GET
def proposal_files_form(request, pk):
    return proposal_form(request, pk, "files")


@login_required
@require_GET
def proposal_partner_form(request, pk):
    return proposal_form(request, pk, "partner")


@login_required
@require_GET
def proposal_partner_search(request, pk):
    """The bodies matching what the lead types (htmx): the lead picks one of them."""
    access = access_proposal(request.user, pk, edit=True)
    search = PartnerSearchForm(request.GET)
    query = search.cleaned_data.get("partner_q", "") if search.is_valid() else ""
    return render(
        request,
        "procedures/proposal_detail.html#partner-results",
        {
            "access": access,
            "proposal": access.proposal,
            "partner_query": query,
            "candidates": partner_candidates(access.proposal, query) if query else [],
        },
    )


def _invited(request, partner) -> str:
    """What the lead is told: honest about a body nobody can confirm for yet (a warning)."""
    name = partner.organization.name
    if partner.organization_id in partners_without_admin(partner.proposal):
        messages.warning(
            request,
            _(
                "%(name)s is in the partnership, but it has no administrator on Trama: nobody "
                "can confirm its participation yet. Ask its legal representative to request the "
                "administrator role from the body's page; the platform staff check and name them."
            )
            % {"name": name},
        )
        return ""
    return _("%(name)s is in the partnership: its administrators have been asked to confirm.") % {
        "name": name
    }


@login_required
@require_POST
def proposal_invite(request, pk):
    access = access_proposal(request.user, pk, edit=True)
    # The whole page answers: the partnership changes who may pledge in the plan.
    return proposal_act(
        request,
        access,
        "partner",
        PartnerForm(request.POST),
        lambda organization: services.invite_partner(
            access.proposal, by=request.user, organization=organization
        ),
        lambda partner: _invited(request, partner),
        anchor="partners",
    )


@login_required
@require_POST
def proposal_remove_partner(request, pk, partner_id):
    access = access_proposal(request.user, pk, edit=True)
    partner = get_object_or_404(
        ProposalPartner.objects.select_related("organization"),
        pk=partner_id,
        proposal=access.proposal,
    )
    return proposal_act(
        request,
        access,
        None,
        None,
        lambda: services.remove_partner(partner, by=request.user),
        _("%(name)s is no longer in the partnership.") % {"name": partner.organization.name},
        anchor="partners",
    )


# Review steps: GET on the act's URL shows what will happen; only the POST from it acts.


def _sealed_files(proposal):
    return proposal.files.filter(kind=ProposalFile.Kind.ATTACHMENT).order_by("pk")


@login_required
def proposal_submit(request, pk):
    access = access_proposal(request.user, pk)
    proposal = access.proposal
    back = reverse("procedures:proposal", args=[pk])
    if not access.can("submit") and proposal.state != Proposal.State.SUBMITTED:
        raise PermissionDenied(_("Only the lead body's administrators can submit a draft."))
    review = Review(
        request,
        title=_("Submit the proposal “%(title)s”") % {"title": proposal.title},
        back=back,
        confirm=_("Submit the proposal"),
    )
    if request.method == "GET":
        if proposal.state != Proposal.State.DRAFT:
            return redirect(back)
        missing = missing_for_submission(proposal)
        if missing:
            for message in missing:
                messages.error(request, message)
            return redirect(_proposal_url(proposal, "submit"))
        context = {
            "proposal": proposal,
            "procedure": proposal.procedure,
            "now": timezone.now(),
            "partners": proposal.partners.select_related("organization"),
            "sections": proposal.sections.select_related("criterion"),
            "files": _sealed_files(proposal),
            **_plan_context(proposal),
        }
        return review.page(
            consequences=[
                _(
                    "The content below is sealed: nobody can change it, and nobody outside "
                    "the partnership reads it before the deadline."
                ),
                _(
                    "You get a receipt with its number, the server time and the SHA-256 of "
                    "what is sealed, by e-mail too."
                ),
                _(
                    "Until the deadline you can still withdraw it, or replace it with a new "
                    "version; the receipt of this submission stays."
                ),
            ],
            details="procedures/_submit_review.html",
            context=context,
        )
    if not review.spend():
        return review.already_done()
    done = attempt(request, lambda: services.submit_proposal(proposal, by=request.user))
    if done:
        messages.success(
            request, _("Proposal submitted. Receipt %(number)s.") % {"number": done.result.number}
        )
    return redirect(back)


@login_required
def proposal_withdraw(request, pk):
    access = access_proposal(request.user, pk)
    proposal = access.proposal
    back = reverse("procedures:proposal", args=[pk])
    if not access.can("withdraw") and request.method == "GET":
        raise PermissionDenied(_("Only the lead body's administrators can withdraw."))
    draft = proposal.state == Proposal.State.DRAFT
    review = Review(
        request,
        title=(
            _("Withdraw the draft “%(title)s”") if draft else _("Withdraw the proposal “%(title)s”")
        )
        % {"title": proposal.title},
        back=back,
        confirm=_("Withdraw the draft") if draft else _("Withdraw the proposal"),
        danger=True,
    )
    if request.method == "GET":
        consequences = (
            [
                _("The draft is closed: nobody can edit or submit it any more."),
                _("Its text, plan and documents stay readable by the partners."),
                _("Before the deadline, %(name)s can start a new proposal from the call's page.")
                % {"name": proposal.lead.name},
            ]
            if draft
            else [
                _("The proposal will not be evaluated."),
                _("Its receipt stays as proof of the submission and of the withdrawal."),
                _("Before the deadline, %(name)s can submit a new proposal.")
                % {"name": proposal.lead.name},
            ]
        )
        return review.page(
            consequences=consequences,
            details="procedures/_deadline.html",
            context={"procedure": proposal.procedure, "now": timezone.now()},
        )
    if not review.spend():
        return review.already_done()
    attempt(
        request,
        lambda: services.withdraw_proposal(proposal, by=request.user),
        success=_("Draft withdrawn.") if draft else _("Proposal withdrawn."),
    )
    return redirect(back)


@login_required
def proposal_confirm(request, pk):
    access = access_proposal(request.user, pk)
    proposal = access.proposal
    back = reverse("procedures:proposal", args=[pk])
    # The partner body this user administers and has not confirmed yet, whatever else
    # they are in the partnership.
    partner = (
        proposal.partners.filter(
            confirmed_at__isnull=True,
            organization__in=Organization.objects.administered_by(request.user),
        )
        .select_related("organization")
        .first()
    )
    review = Review(
        request,
        title=_("Confirm that %(name)s takes part")
        % {"name": partner.organization.name if partner else ""},
        back=back,
        confirm=_("Confirm participation"),
    )
    if partner is None:
        if request.method == "POST" and not review.spend():
            return review.already_done()  # a second click, after the first confirmed
        raise PermissionDenied(_("Only the partner's administrators can confirm."))
    if request.method == "GET":
        lines = proposal.budget_lines.filter(contributor=partner.organization).select_related(
            "funder"
        )
        return review.page(
            consequences=[
                _("%(name)s appears as a confirmed partner of the proposal led by %(lead)s.")
                % {"name": partner.organization.name, "lead": proposal.lead.name},
                _(
                    "The lead can submit the proposal with it; if the proposal is selected, "
                    "the resources %(name)s pledges below are recorded as its pledges."
                )
                % {"name": partner.organization.name},
                _("The confirmation can't be taken back; the lead can still remove the body."),
            ],
            details="procedures/_confirm_review.html",
            context={
                "proposal": proposal,
                "procedure": proposal.procedure,
                "now": timezone.now(),
                "partner_lines": lines,
                "partner_total": sum((line.amount for line in lines), Decimal("0")),
            },
        )
    if not review.spend():
        return review.already_done()
    attempt(
        request,
        lambda: services.confirm_participation(partner, by=request.user),
        success=_("Participation confirmed."),
    )
    return redirect(back)


@login_required
@require_POST
def proposal_integrate(request, pk, request_id):
    """The lead sends the documents a request asked for (soccorso istruttorio)."""
    access = access_proposal(request.user, pk)
    document_request = access.proposal.document_requests.filter(pk=request_id).first()
    if document_request is None or not access.is_partner:
        raise PermissionDenied(_("No such request."))

    def act(files):
        for upload in files:
            services.attach_file(
                access.proposal, by=request.user, upload=upload, request=document_request
            )

    return proposal_act(
        request,
        access,
        ("documents", document_request.pk),
        DocumentsForm(request.POST, request.FILES, auto_id=f"id_documents{document_request.pk}_%s"),
        act,
        _("Documents sent."),
    )


@login_required
@require_POST
def proposal_new_version(request, pk):
    access = access_proposal(request.user, pk)
    done = attempt(
        request,
        lambda: services.start_new_version(access.proposal, by=request.user),
        success=_("New version started: the submitted one stands until you submit this."),
    )
    return redirect("procedures:proposal", pk=done.result.pk if done else pk)


def call_document(request, pk, attachment_id):
    """A document of the call: public once the call is, for its officers before."""
    access = access_procedure(request.user, pk)
    attachment = access.procedure.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404(_("No such document."))
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


def receipt_check(request):
    """Anyone can check that a receipt number and hash were issued by Trama."""
    form = ReceiptCheckForm(request.GET or None)
    result = None
    if form.is_valid():
        receipt = (
            Receipt.objects.filter(
                number=form.cleaned_data["number"].strip(),
                sha256=form.cleaned_data["sha256"].lower(),
            )
            .select_related("proposal__procedure")
            .first()
        )
        result = {"found": receipt is not None, "receipt": receipt}
    return render(request, "procedures/receipt_check.html", {"form": form, "result": result})


def receipt_json(request, pk):
    """The canonical JSON a receipt's SHA-256 is computed on, byte for byte, for partners."""
    access = access_proposal(request.user, pk)
    receipt = Receipt.objects.filter(proposal=access.proposal).first()
    if not access.is_partner or receipt is None:
        raise Http404(_("No receipt."))
    response = HttpResponse(
        receipt.canonical_json.encode(), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="ricevuta-{receipt.number}.json"'
    return response


def receipt_download(request, pk):
    """The receipt as PDF, for the members of the partner bodies, rendered on request."""
    access = access_proposal(request.user, pk)
    receipt = Receipt.objects.filter(proposal=access.proposal).first()
    if not access.is_partner or receipt is None:
        raise Http404(_("No receipt."))
    response = HttpResponse(receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ricevuta-{receipt.number}.pdf"'
    return response


def _table_document(procedure, event) -> str:
    """The page of the table's document an event is about (minutes, version, act), if any."""
    pk, kind = procedure.pk, event.object_type
    if kind == "meeting" and event.object_id:
        return reverse("procedures:table_meeting", args=[pk, event.object_id])
    if kind == "projectversion" and event.data.get("number"):
        return f"{reverse('procedures:table_project', args=[pk])}?versione={event.data['number']}"
    if kind == "adoption":
        return reverse("procedures:table_adoption_file", args=[pk])
    if kind == "sectioncomment":
        return reverse("procedures:table_project", args=[pk]) + "#commenti"
    return ""


def trail(request, pk):
    """The procedure's hash-chained trail: every act for its officers, public acts for all;
    the co-design table's acts for its participants too, with links to its documents."""
    access = access_procedure(request.user, pk)
    events = AuditEvent.objects.for_chain(chain_for(access.procedure)).select_related("actor")
    if not access.is_officer:
        # The table's participants also read its acts (meetings, minutes, versions, adoption).
        shown = Q(data__public=True)
        if access.sees_table:
            shown |= Q(data__table=True)
        events = events.filter(shown)
    page = Paginator(events.reverse(), 50).get_page(request.GET.get("page"))
    if access.sees_table:
        page.object_list = list(page.object_list)
        for event in page.object_list:
            event.document = _table_document(access.procedure, event)
    return render(
        request,
        "procedures/trail.html",
        {"procedure": access.procedure, "access": access, "page": page},
    )
