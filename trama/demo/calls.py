"""Demo: an open co-design call of the Comune di Lecco, so the call pages have something,
and a closed one in evaluation, so the evaluator has something to do."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from trama.organizations.models import Organization
from trama.procedures import services
from trama.procedures.models import Procedure, Proposal
from trama.programs.models import Program
from trama.programs.services import create_program

TITLE = "Co-progettazione dei servizi per l'abitare solidale"


def load_open_call(officer):
    """Publish one co-design call with a deadline a month away, once."""
    existing = Procedure.objects.filter(title=TITLE).first()
    if existing is not None:
        return existing
    program = Program.objects.filter(slug="abitare-solidale-ambito-di-lecco").first()
    if program is None:
        program = create_program(
            by=officer,
            owner=officer.memberships.get(organization__name="Comune di Lecco").organization,
            title="Abitare solidale — Ambito di Lecco",
            start_year=timezone.localdate().year,
            end_year=timezone.localdate().year + 2,
            area="HOUSING",
            description="Servizi per l'abitare di persone e famiglie in condizione di fragilità.",
        )
    deadline = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    deadline += datetime.timedelta(days=30)
    call = services.create_call(
        by=officer,
        program=program,
        title=TITLE,
        description=(
            "Il Comune di Lecco, capofila dell'Ambito, invita gli enti del Terzo settore a "
            "co-progettare servizi di accompagnamento all'abitare: housing temporaneo, "
            "mediazione con i proprietari, reti di vicinato."
        ),
        objectives="Ridurre gli sfratti, accompagnare cento nuclei all'anno verso una casa stabile.",
        territory="Ambito territoriale di Lecco",
        duration_months=36,
        non_ets_partners=True,
        deadline=deadline,
        clarification_deadline=deadline - datetime.timedelta(days=10),
        min_score="60",
    )
    services.set_criteria(
        call,
        by=officer,
        criteria=[
            {"title": "Qualità e coerenza del progetto", "max_points": "40"},
            {"title": "Radicamento nel territorio e rete", "max_points": "30"},
            {"title": "Risorse aggiuntive messe a disposizione", "max_points": "30"},
        ],
    )
    year = program.start_year
    services.set_budget(call, by=officer, budget={year: "250000", year + 1: "250000"})
    return services.publish_call(call, by=officer)


def load_waiting_work(ets_admin, call):
    """Work waiting on the open call, once: the consortium's draft proposal with a partner
    that has not confirmed yet, and a question for the RUP."""
    consortium = Organization.objects.get(name="Consorzio Lario Cooperative Sociali")
    if Proposal.objects.filter(procedure=call, lead=consortium).exists():
        return
    proposal = services.start_proposal(
        call, by=ets_admin, lead=consortium, title="Case ponte: abitare accompagnato"
    )
    services.invite_partner(
        proposal,
        by=ets_admin,
        organization=Organization.objects.get(name="Cooperativa sociale Arcobaleno"),
    )
    services.ask_clarification(
        call,
        by=ets_admin,
        question="Il cofinanziamento può comprendere le ore dei volontari dei partner?",
        organization=consortium,
    )


CLOSED_TITLE = "Co-progettazione di percorsi di autonomia per giovani"


def load_call_in_evaluation(officer, ets_admin, evaluator):
    """A call whose deadline has passed, with one proposal received and the demo evaluator
    on its commission, once: the evaluator's journey starts from the declaration.

    The call is published and the proposal submitted through the services, as any other;
    only then is the deadline moved to the moment the demo is loaded, which no service
    does (a demo can't wait for a deadline to pass).
    """
    if Procedure.objects.filter(title=CLOSED_TITLE).exists():
        return
    program = Program.objects.get(slug="abitare-solidale-ambito-di-lecco")
    now = timezone.now()
    call = services.create_call(
        by=officer,
        program=program,
        title=CLOSED_TITLE,
        description=(
            "Percorsi di accompagnamento all'autonomia abitativa e lavorativa per giovani "
            "tra i 18 e i 25 anni in uscita da comunità e affidi."
        ),
        objectives="Accompagnare trenta giovani all'anno verso casa e lavoro.",
        territory="Ambito territoriale di Lecco",
        duration_months=24,
        deadline=now + datetime.timedelta(days=2),
        min_score="60",
    )
    services.set_criteria(
        call,
        by=officer,
        criteria=[
            {"title": "Qualità del progetto", "max_points": "60"},
            {"title": "Rete e risorse aggiuntive", "max_points": "40"},
        ],
    )
    services.set_budget(call, by=officer, budget={program.start_year: "120000"})
    call = services.publish_call(call, by=officer)
    consortium = Organization.objects.get(name="Consorzio Lario Cooperative Sociali")
    proposal = services.start_proposal(
        call, by=ets_admin, lead=consortium, title="Giovani in cammino: casa, lavoro, rete"
    )
    services.update_proposal(
        proposal,
        by=ets_admin,
        sections={
            criterion.pk: f"{criterion.title}: appartamenti di sgancio, tutor per il lavoro, "
            "una rete di famiglie d'appoggio nei comuni dell'Ambito."
            for criterion in call.criteria.all()
        },
        budget_total="30000",
    )
    services.add_budget_line(
        proposal,
        by=ets_admin,
        contributor=consortium,
        source="OWN_RESOURCES",
        category="PROFESSIONAL",
        year=program.start_year,
        description="Educatori e tutor del consorzio",
        amount="30000",
    )
    services.attach_file(
        proposal,
        by=ets_admin,
        upload=SimpleUploadedFile("domanda-firmata.pdf", SIGNED_FORM, "application/pdf"),
    )
    services.submit_proposal(proposal, by=ets_admin)
    deadline = timezone.now()
    Procedure.objects.filter(pk=call.pk).update(deadline=deadline)
    call = services.close_if_due(Procedure.objects.get(pk=call.pk))
    services.appoint_evaluator(call, by=officer, user=evaluator, is_chair=True)


SIGNED_FORM = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
