"""The evaluation desk: commission, declarations, admission, scores and the ranking."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from trama.lib.refusals import add_refusal, attempt, form_page
from trama.lib.review import Review, reviewed, spent_token

from . import services
from .access import access_procedure, access_proposal
from .forms import (
    AdmissionForm,
    AppointForm,
    ConfirmForm,
    DeclarationForm,
    DocumentRequestForm,
    ProtocolForm,
    RankForm,
    ScoreForm,
)
from .models import Proposal, Receipt, Score
from .pdf import minutes_pdf
from .views import PageForms, cannot, observed, of_call


def _desk_access(request, pk):
    access = access_procedure(request.user, pk)
    if not (access.is_officer or access.is_evaluator):
        raise PermissionDenied(_("The evaluation desk is for the public body and the commission."))
    return access


@login_required
def desk(request, pk):
    return desk_page(request, observed(_desk_access(request, pk)))


def desk_page(request, access, forms: PageForms | None = None):
    """The desk; `forms` carries the form that failed, shown again as typed (400)."""
    forms = forms or PageForms()
    procedure = access.procedure
    acts = access.acts
    evaluating = procedure.state == procedure.State.EVALUATION
    proposals = list(
        procedure.proposals.received()
        .select_related("lead", "receipt")
        .prefetch_related("partners__organization")
        .order_by("receipt__number")
    )
    criteria = list(procedure.criteria.all())
    my_scores = {}
    scoring = access.reads_proposals and access.is_evaluator and evaluating
    if scoring:
        for score in Score.objects.filter(proposal__procedure=procedure, evaluator=request.user):
            my_scores.setdefault(score.proposal_id, {})[score.criterion_id] = score
    aggregate = {}
    if access.is_rup and access.reads_proposals:
        aggregate = services.totals(procedure)
    deciding = access.reads_proposals and evaluating and access.checks_admission
    rows = []
    for p in proposals:
        receipt = p.receipt
        rows.append(
            {
                "proposal": p,
                "aggregate": aggregate.get(p.pk),
                "protocol_form": forms.get(
                    ("protocol", receipt.pk),
                    lambda r=receipt: ProtocolForm(
                        initial={"receipt": r.pk}, auto_id=f"id_protocol{r.pk}_%s"
                    ),
                )
                if access.is_officer and not receipt.protocol_number
                else None,
                "admission_form": forms.get(
                    ("admission", p.pk), lambda p=p: AdmissionForm(auto_id=f"id_admission{p.pk}_%s")
                )
                if deciding and p.state == Proposal.State.SUBMITTED
                else None,
                "documents_form": forms.get(
                    ("documents", p.pk),
                    lambda p=p: DocumentRequestForm(auto_id=f"id_documents{p.pk}_%s"),
                )
                if deciding and p.state == Proposal.State.SUBMITTED
                else None,
                "score_form": forms.get(
                    ("score", p.pk),
                    lambda p=p: ScoreForm(
                        criteria=criteria, scores=my_scores.get(p.pk), auto_id=f"id_score{p.pk}_%s"
                    ),
                )
                if scoring and p.state == Proposal.State.ADMITTED
                else None,
            }
        )
    declaring = (access.is_rup or access.is_evaluator) and not (
        access.declared_clear or access.declared_conflict
    )
    context = {
        "procedure": procedure,
        "access": access,
        "rows": rows,
        "commission": procedure.commission.select_related("user"),
        "closed": procedure.closed_at is not None,
        "appoint_form": forms.get("appoint", AppointForm) if "appoint" in acts else None,
        "start_evaluation": "start_evaluation" in acts,
        "rank": "rank" in acts,
        "declaring": declaring,
        "minutes": procedure.ranked_at is not None and (access.is_rup or access.is_evaluator),
    }
    forms.unshown_errors(request)
    return form_page(request, "procedures/desk.html", context, failed=forms.failed)


def desk_act(request, access, key, form, action, success):
    """One act from a form on the desk: back to it, or it again with the form as typed."""
    if form.is_valid() and attempt(
        request, lambda: action(**form.cleaned_data), form=form, success=success
    ):
        return redirect("procedures:desk", pk=access.procedure.pk)
    return desk_page(request, observed(access), PageForms(key, form))


@login_required
@require_POST
def appoint(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    form = AppointForm(request.POST)
    return desk_act(
        request,
        access,
        "appoint",
        form,
        lambda email, chair: services.appoint_evaluator(
            access.procedure, by=request.user, user=form.user, is_chair=chair
        ),
        _("Evaluator appointed and told by e-mail."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def start(request, pk):
    access = observed(access_procedure(request.user, pk, rup=True))
    back = reverse("procedures:desk", args=[pk])
    if refused := cannot(request, access, "start_evaluation", back):
        return refused
    procedure = access.procedure
    commission = [
        m.user.get_full_name() or m.user.email for m in procedure.commission.select_related("user")
    ]
    return reviewed(
        request,
        Review(
            request,
            title=of_call(_("Open the evaluation"), procedure),
            back=back,
            confirm=_("Open the evaluation"),
        ),
        ConfirmForm(request.POST if request.method == "POST" else None),
        lambda: services.start_evaluation(procedure, by=request.user),
        consequences=[
            _("The admission of the proposals received and their scoring begin.")
            + " "
            + _("Commission: %(names)s.") % {"names": ", ".join(commission) or "—"},
            _("The call can't go back to “closed”; the opening is public in the record of acts."),
        ],
        success=_("The evaluation is open."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def declare(request, pk):
    """The RUP or an evaluator signs the declaration on conflicts of interest, after reviewing
    the bodies it covers; it is signed once."""
    access = _desk_access(request, pk)
    procedure = access.procedure
    back = reverse("procedures:desk", args=[pk])
    if not (access.is_rup or access.is_evaluator):
        raise PermissionDenied(_("Only the RUP and the commission make this declaration."))
    if access.declared_clear or access.declared_conflict:
        if request.method == "POST" and spent_token(request):
            return Review(request, title="", back=back, confirm="").already_done()
        messages.info(request, _("You have already made this declaration."))
        return redirect(back)
    bodies = sorted(
        {
            partner.organization.name
            for proposal in procedure.proposals.received().prefetch_related(
                "partners__organization"
            )
            for partner in proposal.partners.all()
        }
    )
    return reviewed(
        request,
        Review(
            request,
            title=of_call(_("Declaration on conflicts of interest"), procedure),
            back=back,
            confirm=_("Sign the declaration"),
        ),
        DeclarationForm(request.POST if request.method == "POST" else None),
        lambda conflict, note: services.declare_interests(
            procedure, by=request.user, has_conflict=conflict, note=note
        ),
        consequences=[
            _("Your declaration is recorded with your name and the time in the record of acts."),
            _(
                "With no conflict you read the proposals and evaluate them; with a conflict you"
                " take no part in this evaluation."
            ),
            _("A signed declaration can't be changed."),
        ],
        details="procedures/_declaration_review.html",
        context={"bodies": bodies},
        success=_("Declaration recorded."),
    )


def _proposal_desk_access(request, pk, *, reading=False):
    access = access_proposal(request.user, pk)
    if reading and not access.reads_content:
        raise PermissionDenied(_("Declare your interests before seeing the proposals."))
    desk_access = access.procedure_access or _desk_access(request, access.proposal.procedure_id)
    return access.proposal, desk_access


@login_required
@require_POST
def admission(request, pk):
    proposal, access = _proposal_desk_access(request, pk)
    return desk_act(
        request,
        access,
        ("admission", proposal.pk),
        AdmissionForm(request.POST, auto_id=f"id_admission{proposal.pk}_%s"),
        lambda reason, decision: services.decide_admission(
            proposal, by=request.user, admit=decision, reason=reason
        ),
        _("Decision recorded."),
    )


@login_required
@require_POST
def request_documents(request, pk):
    proposal, access = _proposal_desk_access(request, pk)
    return desk_act(
        request,
        access,
        ("documents", proposal.pk),
        DocumentRequestForm(request.POST, auto_id=f"id_documents{proposal.pk}_%s"),
        lambda text, deadline: services.request_documents(
            proposal, by=request.user, text=text, deadline=deadline
        ),
        _("Request sent to the lead body."),
    )


@login_required
@require_POST
def score(request, pk):
    proposal, access = _proposal_desk_access(request, pk, reading=True)
    form = ScoreForm(
        request.POST,
        criteria=proposal.procedure.criteria.all(),
        auto_id=f"id_score{proposal.pk}_%s",
    )

    def act(**_data):
        # All the criteria or none: a refused score leaves the others as they were.
        with transaction.atomic():
            for criterion, points, rationale in form.rows():
                try:
                    services.score_proposal(
                        proposal,
                        by=request.user,
                        criterion=criterion,
                        points=points,
                        rationale=rationale,
                    )
                except ValidationError as exc:
                    if hasattr(exc, "error_dict"):
                        raise ValidationError(
                            {
                                f"{field}-{criterion.pk}": errors
                                for field, errors in exc.error_dict.items()
                            }
                        ) from None
                    raise

    return desk_act(request, access, ("score", proposal.pk), form, act, _("Scores saved."))


@login_required
@require_http_methods(["GET", "POST"])
def rank(request, pk):
    """Approve and publish the ranking, after a review showing the table that will be public."""
    access = access_procedure(request.user, pk, rup=True)
    back = reverse("procedures:desk", args=[pk])
    if refused := cannot(request, access, "rank", back):
        return refused
    procedure = access.procedure
    try:
        ranking = services.check_ranking(procedure, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        add_refusal(request, exc)
        return redirect(back)
    selected = [p for p in ranking if p.state == Proposal.State.SELECTED]
    return reviewed(
        request,
        Review(
            request,
            title=of_call(_("Approve and publish the ranking"), procedure),
            back=back,
            confirm=_("Approve and publish the ranking"),
        ),
        RankForm(request.POST if request.method == "POST" else None),
        lambda protocol_number: services.approve_ranking(
            procedure, by=request.user, protocol_number=protocol_number
        ),
        consequences=[
            _("The ranking below is published on the call's page; scores can no longer change."),
            ngettext(
                "%(n)s proposal is selected: its budget plan becomes pledges in the program's"
                " ledger.",
                "%(n)s proposals are selected: their budget plans become pledges in the"
                " program's ledger.",
                len(selected),
            )
            % {"n": len(selected)},
            _("The lead bodies of every proposal received are told by e-mail."),
        ],
        details="procedures/_ranking_review.html",
        context={"ranking": ranking, "procedure": procedure},
        success=_("Ranking approved and published."),
        then=lambda _ranking: redirect("procedures:call", pk=pk),
    )


@login_required
def minutes(request, pk):
    """The minutes of the evaluation as PDF, for the RUP and the commission once ranked."""
    access = access_procedure(request.user, pk)
    if not ((access.is_rup or access.is_evaluator) and access.declared_clear):
        raise PermissionDenied(_("The minutes are for the RUP and the commission."))
    if access.procedure.ranked_at is None:
        raise PermissionDenied(_("The minutes exist once the ranking is approved."))
    response = HttpResponse(minutes_pdf(access.procedure), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="verbale-{pk}.pdf"'
    return response


@login_required
@require_POST
def protocol(request, pk):
    """An officer registers a receipt in the public body's own protocol."""
    access = _desk_access(request, pk)
    if not access.is_officer:
        raise PermissionDenied(_("Only the officers of the owning public body can do this."))
    form = ProtocolForm(request.POST)
    receipt = None
    if form.is_valid():
        receipt = Receipt.objects.filter(
            pk=form.cleaned_data["receipt"], proposal__procedure=access.procedure
        ).first()
        if receipt is None:
            form.add_error(None, _("No such receipt."))
    if receipt is not None:
        form.auto_id = f"id_protocol{receipt.pk}_%s"
    return desk_act(
        request,
        access,
        ("protocol", receipt.pk if receipt else None),
        form,
        lambda receipt, protocol_number: services.record_protocol_number(
            Receipt.objects.get(pk=receipt), by=request.user, protocol_number=protocol_number
        ),
        _("Protocol number recorded."),
    )
