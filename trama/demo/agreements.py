"""Demo: a co-design procedure carried past its ranking, through the table and the agreement
to co-production, so that a newcomer sees every page of that half of the story.

Everything goes through the services, as a real procedure would: the call, the proposal,
the evaluation, the table (two meetings, three versions of the shared project, adoption),
the budget plan, the agreement issued and signed by every party with a real CAdES signature
(each representative's self-signed certificate, made at load time: the demo has no smart
cards), the start of co-production, the advance paid, report 1 accepted and report 2
awaiting the RUP's verification. Two shortcuts, both tooling only and said where they
happen: the call's deadline is moved into the past after the submission (a demo can't wait
for it), and the agreement's dates lie in the past so that its reports are already due.
"""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from trama.agreements.models import Party, Tranche
from trama.agreements.services import agreement as drafting
from trama.agreements.services import payments, plan, reports, signing
from trama.agreements.services.reports import Beneficiaries
from trama.lib.tests.signing import make_p7m, signer_identity
from trama.organizations.models import Organization
from trama.procedures import services
from trama.procedures.models import Procedure
from trama.programs.services import create_program

TITLE = "Abitare insieme: co-progettazione dei servizi per l'autonomia abitativa"
# The legal representatives who sign the agreement, with their tax codes (fictitious).
REPRESENTATIVES = {
    "Comune di Lecco": ("Mauro Gattinoni", "GTTMRA70A01E507X"),
    "Consorzio Lario Cooperative Sociali": ("Chiara Brambilla", "BRMCHR78C41E507K"),
    "Cooperativa sociale Arcobaleno": ("Giulia Fumagalli", "FMGGLI82D45E507N"),
}
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _pdf(name):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _first_of_month(day: datetime.date, months_back: int) -> datetime.date:
    month = day.month - 1 - months_back
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


def _ranked_call(officer, ets_admin, partner_admin, evaluator, program):
    """The call, one proposal by the consortium with the cooperative, evaluated and ranked."""
    consortium = Organization.objects.get(name="Consorzio Lario Cooperative Sociali")
    coop = Organization.objects.get(name="Cooperativa sociale Arcobaleno")
    now = timezone.now()
    call = services.create_call(
        by=officer,
        program=program,
        title=TITLE,
        description=(
            "Co-progettazione di servizi per l'autonomia abitativa: alloggi di transizione, "
            "accompagnamento educativo e una rete di famiglie e volontari."
        ),
        objectives="Accompagnare quaranta nuclei all'anno verso una casa stabile.",
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
    services.set_budget(call, by=officer, budget={program.start_year: "200000"})
    call = services.publish_call(call, by=officer)
    proposal = services.start_proposal(
        call, by=ets_admin, lead=consortium, title="Casa comune: alloggi, educatori, vicinato"
    )
    link = services.invite_partner(proposal, by=ets_admin, organization=coop)
    services.confirm_participation(link, by=partner_admin)
    texts = {
        "Qualità del progetto": (
            "Sei alloggi di transizione, un'équipe educativa per ogni nucleo e un patto "
            "abitativo di diciotto mesi."
        ),
        "Rete e risorse aggiuntive": (
            "Famiglie d'appoggio e volontari del vicinato; il cofinanziamento del consorzio "
            "e un contributo della Fondazione Comunitaria del Lario."
        ),
    }
    services.update_proposal(
        proposal,
        by=ets_admin,
        sections={c.pk: texts[c.title] for c in call.criteria.all()},
        budget_total="40000",
    )
    services.add_budget_line(
        proposal,
        by=ets_admin,
        contributor=consortium,
        source="OWN_RESOURCES",
        category="PROFESSIONAL",
        year=program.start_year,
        description="Educatori del consorzio",
        amount="40000",
    )
    services.attach_file(proposal, by=ets_admin, upload=_pdf("domanda-firmata.pdf"))
    services.submit_proposal(proposal, by=ets_admin)
    # Tooling only: the demo can't wait for the deadline (no service moves it back).
    Procedure.objects.filter(pk=call.pk).update(deadline=timezone.now())
    call = services.close_if_due(Procedure.objects.get(pk=call.pk))
    services.appoint_evaluator(call, by=officer, user=evaluator, is_chair=True)
    services.start_evaluation(call, by=officer)
    services.declare_interests(call, by=officer, has_conflict=False)
    services.declare_interests(call, by=evaluator, has_conflict=False)
    services.decide_admission(proposal, by=officer, admit=True, reason="Requisiti verificati.")
    quality, network = call.criteria.all()
    for criterion, points in ((quality, "52"), (network, "34")):
        services.score_proposal(
            proposal,
            by=evaluator,
            criterion=criterion,
            points=points,
            rationale="Progetto solido, rete ampia e risorse documentate.",
        )
    services.approve_ranking(call, by=officer, protocol_number="Prot. 4512/2026")
    return Procedure.objects.get(pk=call.pk), consortium, coop


def _table(call, officer, ets_admin, partner_admin, consortium, coop):
    """Two meetings with approved minutes, three versions of the project, its adoption."""
    first = services.open_table(call, by=officer)
    now = timezone.now()
    attendance = [
        (consortium, "Chiara Brambilla", ets_admin),
        (coop, "Giulia Fumagalli", partner_admin),
    ]
    for days, title, minutes in (
        (20, "Avvio del tavolo", "Si condividono obiettivi e calendario dei lavori."),
        (10, "Piano economico", "Si concordano le quote di cofinanziamento e il contributo."),
    ):
        meeting = services.schedule_meeting(
            call,
            by=officer,
            title=title,
            held_at=now - datetime.timedelta(days=days),
            agenda="1. Obiettivi\n2. Risorse\n3. Calendario",
            place="Comune di Lecco, sala consiliare",
        )
        services.record_table_minutes(meeting, by=officer, minutes=minutes, attendance=attendance)
        services.review_minutes(meeting, by=ets_admin, organization=consortium, approve=True)
        services.review_minutes(meeting, by=partner_admin, organization=coop, approve=True)
    second = services.save_project_version(
        call,
        by=ets_admin,
        text=first.text + "\n\n## Governance\n\nUna cabina di regia mensile con tutte le parti.\n",
        summary="Aggiunta la governance",
        base=first,
    )
    third = services.save_project_version(
        call,
        by=officer,
        text=second.text.replace("mensile", "bimestrale"),
        summary="Cabina di regia ogni due mesi",
        base=second,
    )
    services.adopt_project(
        call,
        by=officer,
        version=third,
        act_number="DD 211/2026",
        act_date=timezone.localdate(),
        reasons="Il progetto condiviso recepisce gli esiti del tavolo di co-progettazione.",
        upload=_pdf("determina-adozione.pdf"),
    )


def _agreement(call, officer, ets_admin, partner_admin, consortium, coop, starts_on):
    owner = call.owner
    foundation = Organization.objects.get(name="Fondazione Comunitaria del Lario")
    year = starts_on.year
    for by, contributor, source, category, amount, description, funder in (
        (officer, owner, "PUBLIC_OWNER", "ECONOMIC", "180000", "Contributo del Comune", None),
        (ets_admin, consortium, "OWN_RESOURCES", "PROFESSIONAL", "30000", "Educatori", None),
        (
            ets_admin,
            consortium,
            "FOUNDATION_GRANT",
            "ECONOMIC",
            "15000",
            "Bando Abitare 2026",
            foundation,
        ),
        (partner_admin, coop, "OWN_RESOURCES", "ORGANISATIONAL", "8000", "Spazi e arredi", None),
    ):
        plan.add_plan_line(
            call,
            by=by,
            contributor=contributor,
            source=source,
            category=category,
            year=year,
            description=description,
            amount=amount,
            funder=funder,
        )
    agreement = drafting.draft_agreement(
        call,
        by=officer,
        object=(
            "Realizzazione condivisa dei servizi per l'autonomia abitativa nell'Ambito di "
            "Lecco, secondo il progetto condiviso adottato."
        ),
        starts_on=starts_on,
        ends_on=datetime.date(starts_on.year + 1, 12, 31),
        governance="Cabina di regia bimestrale con un referente per parte.",
        obligations="Ogni parte rendiconta le proprie risorse effettive a ogni periodo.",
    )
    for party in agreement.parties.select_related("organization"):
        name, tax_code = REPRESENTATIVES[party.organization.name]
        fields = {"representative_name": name, "representative_tax_code": tax_code}
        if party.role == Party.Role.LEAD:
            fields |= {
                "receives_public_money": True,
                "legal_basis": "Art. 55 D.Lgs. 117/2017; art. 12 L. 241/1990",
                "office": "Settore Politiche sociali",
                "official": "Dott.ssa Anna Valsecchi",
                "selection_method": "Avviso pubblico di co-progettazione",
            }
        drafting.update_party(party, by=officer, **fields)
    drafting.add_steering_member(
        agreement, by=officer, organization=owner, name="Anna Valsecchi", role="Coordinatrice"
    )
    drafting.add_steering_member(
        agreement, by=officer, organization=consortium, name="Chiara Brambilla", role="Capofila"
    )
    first = drafting.add_period(
        agreement,
        by=officer,
        starts_on=starts_on,
        ends_on=_first_of_month(starts_on, -4) - datetime.timedelta(days=1),
        due_on=_first_of_month(starts_on, -5),
    )
    second = drafting.add_period(
        agreement,
        by=officer,
        starts_on=_first_of_month(starts_on, -4),
        ends_on=_first_of_month(starts_on, -7) - datetime.timedelta(days=1),
        due_on=_first_of_month(starts_on, -8),
    )
    drafting.add_period(
        agreement,
        by=officer,
        starts_on=_first_of_month(starts_on, -7),
        ends_on=agreement.ends_on,
        due_on=agreement.ends_on + datetime.timedelta(days=60),
        is_final=True,
    )
    housed = drafting.add_indicator(
        agreement, by=officer, name="Nuclei accolti negli alloggi", unit="nuclei", baseline=0
    )
    drafting.set_target(housed, by=officer, period=first, value=10)
    drafting.set_target(housed, by=officer, period=second, value=20)
    drafting.add_tranche(
        agreement,
        by=officer,
        kind=Tranche.Kind.ADVANCE,
        payee=consortium,
        amount=Decimal("60000"),
        due_on=starts_on,
    )
    drafting.add_tranche(
        agreement,
        by=officer,
        kind=Tranche.Kind.INTERMEDIATE,
        payee=consortium,
        amount=Decimal("60000"),
        after_period=first,
    )
    drafting.add_tranche(
        agreement,
        by=officer,
        kind=Tranche.Kind.BALANCE,
        payee=consortium,
        amount=Decimal("60000"),
        after_period=second,
    )
    version = signing.issue_agreement(agreement, officer)
    pdf = version.pdf.open("rb").read()
    signers = {owner: officer, consortium: ets_admin, coop: partner_admin}
    for party in agreement.parties.select_related("organization"):
        name, tax_code = REPRESENTATIVES[party.organization.name]
        key, cert = signer_identity(name, tax_code)
        copy = make_p7m(pdf, key, cert)
        signing.sign_agreement(
            version,
            party=party,
            by=signers[party.organization],
            upload=SimpleUploadedFile("convenzione.pdf.p7m", copy, "application/pkcs7-mime"),
        )
    signing.start_due_agreements()
    agreement.refresh_from_db()
    return agreement, first, second, housed


def _report(agreement, period, lead_admin, partner_admin, consortium, coop, housed, n):
    report = reports.open_report(agreement, period, by=lead_admin)
    reports.save_report(
        report,
        by=lead_admin,
        activities=(
            f"Nel periodo {n} sono stati accolti nuovi nuclei negli alloggi di transizione e "
            "avviati i percorsi educativi."
        ),
        public_summary=f"Periodo {n}: alloggi di transizione attivi, nuclei accompagnati.",
        indicator_values={housed.pk: Decimal(8 if n == 1 else 17)},
        beneficiaries=[
            Beneficiaries(group="FAMILIES", count=8 if n == 1 else 9),
            Beneficiaries(group="VOLUNTEERS", count=2 if n == 1 else 14),
        ],
    )
    year = period.starts_on.year
    reports.add_report_line(
        report,
        by=lead_admin,
        contributor=consortium,
        source="OWN_RESOURCES",
        category="PROFESSIONAL",
        year=year,
        description="Ore degli educatori",
        quantity=Decimal(300 if n == 1 else 420),
        unit="HOUR",
        unit_value=Decimal("22.50"),
    )
    reports.add_report_line(
        report,
        by=partner_admin,
        contributor=coop,
        source="OWN_RESOURCES",
        category="ORGANISATIONAL",
        year=year,
        description="Arredi degli alloggi",
        amount=Decimal("2500" if n == 1 else "1800"),
    )
    return reports.submit_report(report, by=lead_admin)


def load_agreement_in_progress(officer, ets_admin, partner_admin, evaluator):
    """Once: the procedure in co-production, report 1 accepted and report 2 to verify."""
    if Procedure.objects.filter(title=TITLE).exists():
        return
    # Tooling only: the agreement started eight months ago, so that two reports are due;
    # its program spans its years.
    starts_on = _first_of_month(timezone.localdate(), 8)
    program = create_program(
        by=officer,
        owner=officer.memberships.get(organization__name="Comune di Lecco").organization,
        title="Abitare insieme — Lecco",
        start_year=starts_on.year,
        end_year=starts_on.year + 2,
        area="HOUSING",
        description="Alloggi di transizione e accompagnamento verso una casa stabile.",
    )
    call, consortium, coop = _ranked_call(officer, ets_admin, partner_admin, evaluator, program)
    _table(call, officer, ets_admin, partner_admin, consortium, coop)
    agreement, first, second, housed = _agreement(
        call, officer, ets_admin, partner_admin, consortium, coop, starts_on
    )
    lead = agreement.parties.get(role=Party.Role.LEAD)
    signing.mark_published(lead, by=officer)
    advance = agreement.tranches.get(kind=Tranche.Kind.ADVANCE)
    payments.record_payment(
        advance,
        by=officer,
        paid_on=starts_on,
        amount=Decimal("60000"),
        order_number=f"1187/{starts_on.year}",
    )
    report = _report(agreement, first, ets_admin, partner_admin, consortium, coop, housed, 1)
    reports.verify_report(report, by=officer, accept=True)
    _report(agreement, second, ets_admin, partner_admin, consortium, coop, housed, 2)
