"""PDFs of a procedure's documents, rendered from HTML templates with WeasyPrint.

They are rendered on request (or by a background task), never inside a submission: a
receipt's truth is its number, time and hash in the database, the PDF is a copy of them.
"""

from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Proposal, Score


def _pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only PDFs need

    with translation.override("it"):
        html = render_to_string(template, {**context, "generated_at": timezone.now()})
    return HTML(string=html).write_pdf()


def receipt_pdf(receipt) -> bytes:
    """The receipt of a submission, as the submitter keeps it."""
    proposal = receipt.proposal
    return _pdf(
        "procedures/pdf/receipt.html",
        {"receipt": receipt, "proposal": proposal, "procedure": proposal.procedure},
    )


def minutes_pdf(procedure) -> bytes:
    """The minutes of the evaluation: commission, declarations, admission, scores, ranking."""
    proposals = list(
        procedure.proposals.received().select_related("lead", "receipt").order_by("rank", "pk")
    )
    scores = Score.objects.filter(proposal__procedure=procedure).select_related(
        "criterion", "evaluator", "proposal__receipt"
    )
    return _pdf(
        "procedures/pdf/minutes.html",
        {
            "procedure": procedure,
            "commission": procedure.commission.select_related("user"),
            "declarations": procedure.declarations.select_related("user"),
            "proposals": proposals,
            "excluded": [p for p in proposals if p.state == Proposal.State.EXCLUDED],
            "scores": scores.order_by("proposal__receipt__number", "criterion__position"),
        },
    )
