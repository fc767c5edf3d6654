from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from trama.ledger.access import OWNER, access_program
from trama.lib.cache import cached_page
from trama.organizations.models import Organization

from . import services
from .access import access_procedure, access_proposal
from .acts import run_act
from .forms import (
    AnswerForm,
    BudgetLineForm,
    CallFilterForm,
    CallForm,
    ExtendForm,
    PartnerForm,
    ProposalStartForm,
    QuestionForm,
    ReasonForm,
    ReceiptCheckForm,
)
from .models import Clarification, Procedure, Proposal, Receipt
from .moments import next_public_moment

CALLS_PAGE_SIZE = 20


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
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "procedures/call_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "status": status,
            "now": timezone.now(),
        },
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


@cached_page("procedures", "organizations", "programs", "accounts", until=next_public_moment)
def call_detail(request, pk):
    access = access_procedure(request.user, pk)
    procedure = services.close_if_due(access.procedure)
    if procedure.state != access.procedure.state:
        access = access_procedure(request.user, pk)
    clarifications = procedure.clarifications.filter(answered_at__isnull=False)
    pending = (
        procedure.clarifications.filter(answered_at__isnull=True)
        if access.is_officer
        else Clarification.objects.none()
    )
    ranking = []
    if procedure.state == Procedure.State.RANKED:
        ranking = list(
            procedure.proposals.filter(rank__isnull=False)
            .select_related("lead")
            .order_by("rank", "pk")
        )
    my_proposals = []
    leads = Organization.objects.none()
    if request.user.is_authenticated:
        my_proposals = list(
            Proposal.objects.of_member(request.user)
            .filter(procedure=procedure)
            .select_related("lead", "receipt")
            .order_by("-pk")
        )
        leads = Organization.objects.administered_by(request.user).filter(
            kind=Organization.Kind.THIRD_SECTOR
        )
    coprogramming = {}
    if procedure.kind == Procedure.Kind.CO_PROGRAMMING:
        coprogramming = {
            "meetings": procedure.meetings.prefetch_related("attendees"),
            "contributions": procedure.contributions.select_related("organization"),
            "participations": (
                procedure.participations.select_related("organization")
                if access.is_officer
                else procedure.participations.none()
            ),
            "participants": procedure.participants.all(),
            "interest_orgs": Organization.objects.administered_by(request.user).exclude(
                kind=Organization.Kind.PUBLIC_BODY
            ),
            "contribute_orgs": (
                Organization.objects.filter(
                    memberships__user=request.user,
                    pk__in=procedure.participations.filter(state="ADMITTED").values("organization"),
                ).distinct()
                if request.user.is_authenticated
                else Organization.objects.none()
            ),
            "admitting": procedure.state == Procedure.State.OPEN and procedure.deadline_passed(),
        }
    return render(
        request,
        "procedures/call_detail.html",
        {
            "coprogramming": coprogramming,
            "procedure": procedure,
            "access": access,
            "criteria": procedure.criteria.all(),
            "budget": procedure.budget.all(),
            "notices": procedure.notices.all(),
            "attachments": procedure.attachments.all(),
            "clarifications": clarifications,
            "pending": pending,
            "ranking": ranking,
            "my_proposals": my_proposals,
            "open": procedure.is_open(),
            "start_form": ProposalStartForm(leads=leads) if leads.exists() else None,
            "question_form": QuestionForm(),
        },
    )


@login_required
def call_create(request, slug):
    access = access_program(request.user, slug, need=OWNER)
    program = access.program
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        criteria = data.pop("criteria")
        budget = data.pop("budget")
        kind = data.pop("kind")
        try:
            with transaction.atomic():
                procedure = services.create_call(
                    by=request.user, program=program, kind=kind, **data
                )
                services.set_criteria(procedure, by=request.user, criteria=criteria)
                if budget:
                    services.set_budget(procedure, by=request.user, budget=budget)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Draft saved. Check it, then publish it."))
            return redirect("procedures:call", pk=procedure.pk)
    return render(
        request,
        "procedures/call_form.html",
        {"form": form, "program": program, "title": _("New call")},
    )


def _act(request, pk, action, *, form_class=None, success, **extra):
    """Run one act from a POST on the call page; errors come back as messages there."""
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
        return redirect("procedures:call", pk=pk)
    run_act(request, lambda: action(**(form.cleaned_data if form else {}), **extra), success)
    return redirect("procedures:call", pk=pk)


@login_required
@require_POST
def call_publish(request, pk):
    access = access_procedure(request.user, pk, officer=True)
    return _act(
        request,
        pk,
        lambda: services.publish_call(access.procedure, by=request.user),
        success=_("The call is published."),
    )


@login_required
@require_POST
def call_cancel(request, pk):
    access = access_procedure(request.user, pk, officer=True)
    return _act(
        request,
        pk,
        lambda reason: services.cancel_procedure(access.procedure, by=request.user, reason=reason),
        form_class=ReasonForm,
        success=_("The procedure is cancelled; the notice is public."),
    )


@login_required
@require_POST
def call_extend(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    return _act(
        request,
        pk,
        lambda reason, deadline: services.extend_deadline(
            access.procedure, by=request.user, deadline=deadline, reason=reason
        ),
        form_class=ExtendForm,
        success=_("The deadline is extended; the notice is public."),
    )


@login_required
@require_POST
def call_ask(request, pk):
    access = access_procedure(request.user, pk)
    return _act(
        request,
        pk,
        lambda question: services.ask_clarification(
            access.procedure, by=request.user, question=question
        ),
        form_class=QuestionForm,
        success=_("Question sent. The answer will be published here for everyone."),
    )


@login_required
@require_POST
def call_answer(request, pk, clarification_id):
    access = access_procedure(request.user, pk, officer=True)
    clarification = access.procedure.clarifications.filter(pk=clarification_id).first()
    if clarification is None:
        raise PermissionDenied(_("No such question."))
    return _act(
        request,
        pk,
        lambda answer: services.answer_clarification(clarification, by=request.user, answer=answer),
        form_class=AnswerForm,
        success=_("Answer published."),
    )


@login_required
@require_POST
def proposal_start(request, pk):
    access = access_procedure(request.user, pk)
    form = ProposalStartForm(request.POST, leads=Organization.objects.administered_by(request.user))
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
        return redirect("procedures:call", pk=pk)
    try:
        proposal = services.start_proposal(access.procedure, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("procedures:call", pk=pk)
    return redirect("procedures:proposal", pk=proposal.pk)


def proposal_detail(request, pk):
    access = access_proposal(request.user, pk)
    proposal = access.proposal
    context = {"access": access, "proposal": proposal, "procedure": proposal.procedure}
    if access.reads_content:
        context["requests"] = proposal.document_requests.prefetch_related("files")
        context["admin_org_ids"] = set(
            Organization.objects.administered_by(request.user).values_list("pk", flat=True)
        )
    if access.is_partner and proposal.procedure.state == Procedure.State.RANKED:
        context["scores"] = proposal.scores.select_related("criterion").order_by(
            "criterion__position", "pk"
        )
    if access.can_edit:
        context.update(
            line_form=BudgetLineForm(proposal=proposal),
            partner_form=PartnerForm(),
        )
    if access.reads_content:
        context.update(
            sections=proposal.sections.select_related("criterion"),
            partners=proposal.partners.select_related("organization"),
            lines=proposal.budget_lines.select_related("contributor", "funder"),
            files=proposal.files.all(),
            receipt=Receipt.objects.filter(proposal=proposal).first(),
        )
    return render(request, "procedures/proposal_detail.html", context)


@login_required
@require_POST
def proposal_submit(request, pk):
    access = access_proposal(request.user, pk)
    try:
        receipt = services.submit_proposal(access.proposal, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Proposal submitted. Receipt %(number)s.") % {"number": receipt.number}
        )
    return redirect("procedures:proposal", pk=pk)


def _proposal_act(request, pk, action, success):
    """Run one act on a proposal from its page; errors come back as messages there."""
    run_act(request, action, success)
    return redirect("procedures:proposal", pk=pk)


@login_required
@require_POST
def proposal_update(request, pk):
    access = access_proposal(request.user, pk, edit=True)
    proposal = access.proposal
    sections = {}
    for section in proposal.sections.all():
        key = f"section-{section.criterion_id}"
        if key in request.POST:
            sections[section.criterion_id] = request.POST[key]
    total = (request.POST.get("budget_total") or "").strip()

    def act():
        from trama.ledger.services import parse_amount

        budget_total = parse_amount(total, "budget_total") if total else None
        services.update_proposal(
            proposal,
            by=request.user,
            title=request.POST.get("title", proposal.title),
            sections=sections,
            budget_total=budget_total,
        )
        for upload in request.FILES.getlist("files"):
            services.attach_file(proposal, by=request.user, upload=upload)

    return _proposal_act(request, pk, act, _("Draft saved."))


@login_required
@require_POST
def proposal_add_line(request, pk):
    access = access_proposal(request.user, pk, edit=True)
    form = BudgetLineForm(request.POST, proposal=access.proposal)
    if not form.is_valid():
        for field, field_errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in field_errors:
                messages.error(request, f"{label}: {message}" if label else message)
        return redirect("procedures:proposal", pk=pk)
    return _proposal_act(
        request,
        pk,
        lambda: services.add_budget_line(access.proposal, by=request.user, **form.cleaned_data),
        _("Resource added to the budget plan."),
    )


@login_required
@require_POST
def proposal_invite(request, pk):
    access = access_proposal(request.user, pk, edit=True)
    form = PartnerForm(request.POST)
    organization = None
    if form.is_valid():
        organization = Organization.objects.filter(
            tax_code=form.cleaned_data["tax_code"].strip().upper()
        ).first()
    if organization is None:
        messages.error(request, _("No organisation on Trama has this tax code."))
        return redirect("procedures:proposal", pk=pk)
    return _proposal_act(
        request,
        pk,
        lambda: services.invite_partner(
            access.proposal, by=request.user, organization=organization
        ),
        _("Partner added: its administrators have been asked to confirm."),
    )


@login_required
@require_POST
def proposal_confirm(request, pk):
    access = access_proposal(request.user, pk)
    # The partner body this user administers and has not confirmed yet, whatever else
    # they are in the partnership.
    partner = access.proposal.partners.filter(
        confirmed_at__isnull=True,
        organization__in=Organization.objects.administered_by(request.user),
    ).first()
    if partner is None:
        raise PermissionDenied(_("Only the partner's administrators can confirm."))
    return _proposal_act(
        request,
        pk,
        lambda: services.confirm_participation(partner, by=request.user),
        _("Participation confirmed."),
    )


@login_required
@require_POST
def proposal_integrate(request, pk, request_id):
    """The lead sends the documents a request asked for (soccorso istruttorio)."""
    access = access_proposal(request.user, pk)
    document_request = access.proposal.document_requests.filter(pk=request_id).first()
    if document_request is None or not access.is_partner:
        raise PermissionDenied(_("No such request."))
    uploads = request.FILES.getlist("files")
    if not uploads:
        messages.error(request, _("Choose the files to send."))
        return redirect("procedures:proposal", pk=pk)

    def act():
        for upload in uploads:
            services.attach_file(
                access.proposal, by=request.user, upload=upload, request=document_request
            )

    return _proposal_act(request, pk, act, _("Documents sent."))


@login_required
@require_POST
def proposal_withdraw(request, pk):
    access = access_proposal(request.user, pk)
    return _proposal_act(
        request,
        pk,
        lambda: services.withdraw_proposal(access.proposal, by=request.user),
        _("Proposal withdrawn."),
    )


@login_required
@require_POST
def proposal_new_version(request, pk):
    access = access_proposal(request.user, pk)
    try:
        new = services.start_new_version(access.proposal, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
        return redirect("procedures:proposal", pk=pk)
    messages.success(
        request, _("New version started: the submitted one stands until you submit this.")
    )
    return redirect("procedures:proposal", pk=new.pk)


@login_required
@require_POST
def call_attach(request, pk):
    access = access_procedure(request.user, pk, officer=True)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose the file to attach."))
        return redirect("procedures:call", pk=pk)
    return _act(
        request,
        pk,
        lambda: services.attach_call_document(
            access.procedure, by=request.user, upload=upload, title=request.POST.get("title", "")
        ),
        success=_("Document attached."),
    )


def call_document(request, pk, attachment_id):
    """A document of the call: public once the call is, for its officers before."""
    from django.http import FileResponse, Http404

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
    from django.http import Http404, HttpResponse

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
    from django.http import Http404, HttpResponse

    from .pdf import receipt_pdf

    access = access_proposal(request.user, pk)
    receipt = Receipt.objects.filter(proposal=access.proposal).first()
    if not access.is_partner or receipt is None:
        raise Http404(_("No receipt."))
    response = HttpResponse(receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ricevuta-{receipt.number}.pdf"'
    return response


def trail(request, pk):
    """The procedure's hash-chained trail: every act for its officers, public acts for all."""
    from trama.audit.models import AuditEvent
    from trama.audit.services import chain_for

    access = access_procedure(request.user, pk)
    events = AuditEvent.objects.for_chain(chain_for(access.procedure)).select_related("actor")
    if not access.is_officer:
        events = events.filter(data__public=True)
    page = Paginator(events.reverse(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "procedures/trail.html",
        {"procedure": access.procedure, "access": access, "page": page},
    )
