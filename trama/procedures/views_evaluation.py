"""The evaluation desk: commission, declarations, admission, scores and the ranking."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .access import access_procedure, access_proposal
from .acts import run_act
from .models import Procedure, Receipt, Score
from .parsing import as_datetime, as_id
from .pdf import minutes_pdf

User = get_user_model()


def _desk_access(request, pk):
    access = access_procedure(request.user, pk)
    procedure = services.close_if_due(access.procedure)
    if not (access.is_officer or access.is_evaluator):
        raise PermissionDenied(_("The evaluation desk is for the public body and the commission."))
    if procedure.state != access.procedure.state:
        access = access_procedure(request.user, pk)
    return access


@login_required
def desk(request, pk):
    access = _desk_access(request, pk)
    procedure = access.procedure
    proposals = list(
        procedure.proposals.received()
        .select_related("lead", "receipt")
        .prefetch_related("partners__organization")
        .order_by("receipt__number")
    )
    criteria = list(procedure.criteria.all())
    my_scores = {}
    if access.reads_proposals and access.is_evaluator:
        for score in Score.objects.filter(proposal__procedure=procedure, evaluator=request.user):
            my_scores[(score.proposal_id, score.criterion_id)] = score
    aggregate = {}
    if access.is_rup and access.reads_proposals:
        aggregate = services.totals(procedure)
    rows = [
        {
            "proposal": p,
            "scores": [(c, my_scores.get((p.pk, c.pk))) for c in criteria],
            "aggregate": aggregate.get(p.pk),
        }
        for p in proposals
    ]
    return render(
        request,
        "procedures/desk.html",
        {
            "procedure": procedure,
            "access": access,
            "rows": rows,
            "criteria": criteria,
            "commission": procedure.commission.select_related("user"),
            "closed": procedure.closed_at is not None,
            "evaluating": procedure.state == Procedure.State.EVALUATION,
        },
    )


@login_required
@require_POST
def appoint(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    email = (request.POST.get("email") or "").strip()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        messages.error(request, _("No one on Trama has this e-mail address."))
    else:
        run_act(
            request,
            lambda: services.appoint_evaluator(
                access.procedure, by=request.user, user=user, is_chair="chair" in request.POST
            ),
            _("Evaluator appointed and told by e-mail."),
        )
    return redirect("procedures:desk", pk=pk)


@login_required
@require_POST
def start(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    run_act(
        request,
        lambda: services.start_evaluation(access.procedure, by=request.user),
        _("The evaluation is open."),
    )
    return redirect("procedures:desk", pk=pk)


@login_required
@require_POST
def declare(request, pk):
    access = _desk_access(request, pk)
    conflict = request.POST.get("conflict")
    if conflict not in ("yes", "no"):
        messages.error(request, _("Say whether you have a conflict of interest."))
        return redirect("procedures:desk", pk=pk)
    run_act(
        request,
        lambda: services.declare_interests(
            access.procedure,
            by=request.user,
            has_conflict=conflict == "yes",
            note=request.POST.get("note", ""),
        ),
        _("Declaration recorded."),
    )
    return redirect("procedures:desk", pk=pk)


@login_required
@require_POST
def admission(request, pk):
    access = access_proposal(request.user, pk)
    proposal = access.proposal
    decision = request.POST.get("decision")
    if decision not in ("admit", "exclude"):
        messages.error(request, _("Choose whether to admit or exclude the proposal."))
    else:
        run_act(
            request,
            lambda: services.decide_admission(
                proposal,
                by=request.user,
                admit=decision == "admit",
                reason=request.POST.get("reason", ""),
            ),
            _("Decision recorded."),
        )
    return redirect("procedures:desk", pk=proposal.procedure_id)


@login_required
@require_POST
def request_documents(request, pk):
    access = access_proposal(request.user, pk)
    proposal = access.proposal
    deadline = as_datetime(request.POST.get("deadline"))
    if deadline is None:
        messages.error(request, _("Give the deadline of the request as a date and time."))
    else:
        run_act(
            request,
            lambda: services.request_documents(
                proposal, by=request.user, text=request.POST.get("text", ""), deadline=deadline
            ),
            _("Request sent to the lead body."),
        )
    return redirect("procedures:desk", pk=proposal.procedure_id)


@login_required
@require_POST
def score(request, pk):
    access = access_proposal(request.user, pk)
    proposal = access.proposal
    if not access.reads_content:
        raise PermissionDenied(_("Declare your interests before seeing the proposals."))
    failed = False
    for criterion in proposal.procedure.criteria.all():
        points = (request.POST.get(f"points-{criterion.pk}") or "").strip().replace(",", ".")
        if not points:
            continue
        try:
            services.score_proposal(
                proposal,
                by=request.user,
                criterion=criterion,
                points=points,
                rationale=request.POST.get(f"rationale-{criterion.pk}", ""),
            )
        except ValidationError as exc:
            failed = True
            for message in exc.messages:
                messages.error(request, f"{criterion.title}: {message}")
        except PermissionDenied as exc:
            failed = True
            messages.error(request, str(exc))
        except (ArithmeticError, ValueError):
            failed = True
            messages.error(request, f"{criterion.title}: {_('Write the points as a number.')}")
    if not failed:
        messages.success(request, _("Scores saved."))
    return redirect("procedures:desk", pk=proposal.procedure_id)


@login_required
@require_POST
def rank(request, pk):
    access = access_procedure(request.user, pk, rup=True)
    run_act(
        request,
        lambda: services.approve_ranking(
            access.procedure,
            by=request.user,
            protocol_number=request.POST.get("protocol_number", ""),
        ),
        _("Ranking approved and published."),
    )
    return redirect("procedures:call", pk=pk)


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
    receipt = Receipt.objects.filter(
        pk=as_id(request.POST.get("receipt")) or 0, proposal__procedure=access.procedure
    ).first()
    if receipt is None:
        messages.error(request, _("No such receipt."))
    else:
        run_act(
            request,
            lambda: services.record_protocol_number(
                receipt, by=request.user, protocol_number=request.POST.get("protocol_number", "")
            ),
            _("Protocol number recorded."),
        )
    return redirect("procedures:desk", pk=pk)
