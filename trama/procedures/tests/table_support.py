"""Test data for the co-design table: a ranked co-design call, built through the services.

The call's deadline is moved into the past by an update (the test data's only shortcut),
so that the builder works with or without a frozen clock.
"""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from trama.procedures import services
from trama.procedures.models import Procedure

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def signed_pdf(name="atto.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _proposal(call, *, admin, lead, partners=(), title, amount):
    proposal = services.start_proposal(call, by=admin, lead=lead, title=title)
    for partner, partner_admin in partners:
        link = services.invite_partner(proposal, by=admin, organization=partner)
        services.confirm_participation(link, by=partner_admin)
    services.update_proposal(
        proposal,
        by=admin,
        sections={c.pk: f"{title}: risposta su {c.title}" for c in call.criteria.all()},
        budget_total=amount,
    )
    services.add_budget_line(
        proposal,
        by=admin,
        contributor=lead,
        source="OWN_RESOURCES",
        category="ECONOMIC",
        year=call.program.start_year,
        description="Cofinanziamento",
        amount=amount,
    )
    services.attach_file(proposal, by=admin, upload=signed_pdf("domanda.pdf"))
    services.submit_proposal(proposal, by=admin)
    return proposal


def ranked_call(personas, program, *, others=(), title="Co-progettazione abitare"):
    """Alice's call, ranked: the consortium (lead, Tom) with the coop (partner) selected;
    each of `others` ((lead, admin)) scored under the threshold, not selected."""
    for org, number in ((personas.consortium, "12345"), (personas.coop, "23456")):
        if not org.runts_number:
            org.runts_number = number
            org.save(update_fields=["runts_number"])
    now = timezone.now()
    call = services.create_call(
        by=personas.alice,
        program=program,
        title=title,
        description="Servizi per l'abitare.",
        deadline=now + datetime.timedelta(days=30),
        min_score="60",
    )
    services.set_criteria(
        call,
        by=personas.alice,
        criteria=[
            {"title": "Qualità del progetto", "max_points": "60"},
            {"title": "Risorse aggiuntive", "max_points": "40"},
        ],
    )
    call = services.publish_call(call, by=personas.alice)
    selected = _proposal(
        call,
        admin=personas.tom,
        lead=personas.consortium,
        partners=[(personas.coop, personas.tom)],
        title="Casa comune",
        amount="1000.00",
    )
    losers = [
        _proposal(call, admin=admin, lead=lead, title=f"Proposta {lead.name}", amount="100.00")
        for lead, admin in others
    ]
    Procedure.objects.filter(pk=call.pk).update(deadline=now - datetime.timedelta(minutes=1))
    call.refresh_from_db()
    services.appoint_evaluator(call, by=personas.alice, user=personas.eve, is_chair=True)
    services.start_evaluation(call, by=personas.alice)
    services.declare_interests(call, by=personas.alice, has_conflict=False)
    services.declare_interests(call, by=personas.eve, has_conflict=False)
    quality, resources = call.criteria.all()
    for proposal, points in [(selected, ("50", "30"))] + [(p, ("10", "5")) for p in losers]:
        services.decide_admission(proposal, by=personas.alice, admit=True, reason="Requisiti ok")
        for criterion, value in zip((quality, resources), points, strict=True):
            services.score_proposal(
                proposal, by=personas.eve, criterion=criterion, points=value, rationale="Motivato"
            )
    services.approve_ranking(call, by=personas.alice)
    call.refresh_from_db()
    selected.refresh_from_db()
    for loser in losers:
        loser.refresh_from_db()
    return call, selected, losers


def past(**delta):
    return timezone.now() - datetime.timedelta(**delta or {"hours": 2})
