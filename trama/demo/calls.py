"""Demo: an open co-design call of the Comune di Lecco, so the call pages have something."""

import datetime

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
