"""API test helpers: personal tokens and valid Italian tax codes for bulk rows."""

import pytest
from stdnum import luhn

from trama.accounts.services import create_api_token
from trama.agreements.tests.support_agreement import api_examples
from trama.ledger.tests import factories


def tax_code(n: int) -> str:
    """The n-th valid company tax code: 7 digits, a tax office (013, Como) and a Luhn digit."""
    base = f"{9000000 + n:07d}013"
    return base + luhn.calc_check_digit(base)


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def token_for(db):
    """token_for(user, scope) returns the headers that authenticate with a new personal token."""

    def make(user, scope="read"):
        _token, key = create_api_token(user, name=f"{scope} token", scope=scope)
        return bearer(key)

    return make


@pytest.fixture
def program(personas):
    """Alice's verified Comune di Lecco runs a 2016–2020 program."""
    return factories.lecco_program(personas)


@pytest.fixture
def educator_rate(db):
    return factories.educator_rate()


@pytest.fixture
def ledger_examples(personas, program):
    """A program of the Comune di Lecco with one entry for each act the API can do on one.

    Returns the ids that EXAMPLES' URLs name: `{to_reverse}`, `{to_verify}`, `{to_confirm}`.
    """
    from trama.ledger import services
    from trama.procedures.services import record_historical_procedure

    record_historical_procedure(
        by=personas.alice, program=program, title="Primo avviso", kind="CO_DESIGN"
    )

    def record(source, amount, **extra):
        return services.record_entry(
            by=personas.tom,
            program=program,
            kind="ACTUAL",
            category="ECONOMIC",
            source=source,
            contributor=personas.coop,
            year=2017,
            amount=amount,
            **extra,
        )

    services.record_entry(
        by=personas.alice,
        program=program,
        kind="ACTUAL",
        category="ECONOMIC",
        source="PUBLIC_OWNER",
        contributor=personas.comune,
        year=2017,
        amount="1000.00",
    )
    return {
        "to_reverse": record("OWN_RESOURCES", "10.00").pk,
        "to_verify": record("OWN_RESOURCES", "20.00").pk,
        "to_confirm": record("FOUNDATION_GRANT", "30.00", funder=personas.foundation).pk,
        **_call_examples(personas, program),
        **api_examples(personas),
    }


def _call_examples(personas, program):
    """A published call, a draft one, a proposal ready to submit and one to withdraw."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from trama.procedures import services

    for org, number in ((personas.consortium, "12345"), (personas.coop, "23456")):
        org.runts_number = number
        org.save(update_fields=["runts_number"])
    deadline = timezone.now() + datetime.timedelta(days=30)
    call = services.create_call(
        by=personas.alice, program=program, title="Avviso", description="Oggetto", deadline=deadline
    )
    services.set_criteria(
        call, by=personas.alice, criteria=[{"title": "Qualità", "max_points": 100}]
    )
    call = services.publish_call(call, by=personas.alice)
    draft = services.create_call(
        by=personas.alice, program=program, title="Bozza", description="Oggetto", deadline=deadline
    )
    services.set_criteria(
        draft, by=personas.alice, criteria=[{"title": "Qualità", "max_points": 10}]
    )

    def ready(lead):
        proposal = services.start_proposal(call, by=personas.tom, lead=lead, title="Proposta")
        services.update_proposal(
            proposal,
            by=personas.tom,
            sections={c.pk: "Testo" for c in call.criteria.all()},
            budget_total="100.00",
        )
        services.add_budget_line(
            proposal,
            by=personas.tom,
            contributor=lead,
            source="OWN_RESOURCES",
            category="ECONOMIC",
            year=2018,
            description="Cofinanziamento",
            amount="100.00",
        )
        services.attach_file(
            proposal, by=personas.tom, upload=SimpleUploadedFile("d.pdf", b"%PDF-1.7\n%%EOF\n")
        )
        return proposal

    to_submit = ready(personas.consortium)
    to_withdraw = ready(personas.coop)
    services.submit_proposal(to_withdraw, by=personas.tom)
    question = services.ask_clarification(call, by=personas.tom, question="Chi può partecipare?")
    return {
        "clarification": question.pk,
        "call": call.pk,
        "draft_call": draft.pk,
        "to_submit": to_submit.pk,
        "to_withdraw": to_withdraw.pk,
        "criterion": call.criteria.get().pk,
        **_proposal_examples(personas, call),
    }


def _proposal_examples(personas, call):
    """Two bodies tom administers, each leading a proposal to `call`: a draft
    (`prop_draft`) with the Cooperativa invited but not confirmed, the Consorzio invited,
    one line in its plan (`prop_line`) and two documents (`prop_file`, `prop_file_2`); and a
    submitted proposal (`prop_submitted`). Then a call under evaluation, where the RUP asks
    the Consorzio's proposal (`prop_evaluated`) for a missing document (`prop_request`)."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from trama.conftest import make_org
    from trama.procedures import services
    from trama.procedures.models import Procedure

    def pdf(name):
        return SimpleUploadedFile(name, b"%PDF-1.7\n%%EOF\n")

    def submitted_by_tom(call, lead, title):
        proposal = services.start_proposal(call, by=personas.tom, lead=lead, title=title)
        services.update_proposal(
            proposal,
            by=personas.tom,
            sections={c.pk: "Testo" for c in call.criteria.all()},
            budget_total="10.00",
        )
        services.add_budget_line(
            proposal,
            by=personas.tom,
            contributor=lead,
            source="OWN_RESOURCES",
            category="ECONOMIC",
            year=2018,
            description="Ore di volontariato",
            amount="10.00",
        )
        services.attach_file(proposal, by=personas.tom, upload=pdf("domanda.pdf"))
        services.submit_proposal(proposal, by=personas.tom)
        return proposal

    trame = make_org("Associazione Trame", by=personas.tom, tax_code=tax_code(611))
    filo = make_org("Cooperativa Filo", by=personas.tom, tax_code=tax_code(612))
    for org, number in ((trame, "61100"), (filo, "61200")):
        org.runts_number = number
        org.save(update_fields=["runts_number"])
    draft = services.start_proposal(call, by=personas.tom, lead=trame, title="Bozza Trame")
    services.invite_partner(draft, by=personas.tom, organization=personas.coop)
    services.invite_partner(draft, by=personas.tom, organization=personas.consortium)
    line = services.add_budget_line(
        draft,
        by=personas.tom,
        contributor=trame,
        source="OWN_RESOURCES",
        category="ECONOMIC",
        year=2018,
        description="Sede",
        amount="50.00",
    )
    first = services.attach_file(draft, by=personas.tom, upload=pdf("domanda.pdf"))
    second = services.attach_file(draft, by=personas.tom, upload=pdf("allegato.pdf"))

    submitted = submitted_by_tom(call, filo, "Proposta Filo")

    now = timezone.now()
    closed = services.create_call(
        by=personas.alice,
        program=call.program,
        title="Avviso chiuso",
        description="Oggetto",
        deadline=now + datetime.timedelta(days=30),
    )
    services.set_criteria(
        closed, by=personas.alice, criteria=[{"title": "Qualità", "max_points": 100}]
    )
    closed = services.publish_call(closed, by=personas.alice)
    evaluated = submitted_by_tom(closed, personas.consortium, "Proposta in valutazione")
    Procedure.objects.filter(pk=closed.pk).update(deadline=now - datetime.timedelta(minutes=1))
    closed.refresh_from_db()
    services.appoint_evaluator(closed, by=personas.alice, user=personas.eve)
    services.start_evaluation(closed, by=personas.alice)
    services.declare_interests(closed, by=personas.alice, has_conflict=False)
    request = services.request_documents(
        evaluated,
        by=personas.alice,
        text="Manca lo statuto",
        deadline=now + datetime.timedelta(days=5),
    )
    return {
        "prop_draft": draft.pk,
        "prop_line": line.pk,
        "prop_file": first.pk,
        "prop_file_2": second.pk,
        "prop_submitted": submitted.pk,
        "prop_evaluated": evaluated.pk,
        "prop_request": request.pk,
    }


@pytest.fixture
def coproduction_examples(personas, program, ledger_examples):
    """Two agreements in force: A with report 1 submitted and report 2 drafted, its advance
    payable; B with its final report accepted, ready to close."""
    from trama.agreements.services import reports
    from trama.agreements.tests.support_coproduction import signed_agreement

    a = signed_agreement(personas, program=program, title="Convenzione A")
    first = reports.open_report(a.agreement, a.first, by=personas.tom)
    reports.save_report(first, by=personas.tom, activities="Attività", public_summary="Sintesi")
    reports.add_report_line(
        first,
        by=personas.tom,
        contributor=personas.consortium,
        source="OWN_RESOURCES",
        category="ECONOMIC",
        year=2018,
        amount="100.00",
    )
    reports.submit_report(first, by=personas.tom)
    final = reports.open_report(a.agreement, a.final, by=personas.tom)
    reports.save_report(final, by=personas.tom, activities="Attività", public_summary="")
    b = signed_agreement(personas, program=program, title="Convenzione B")
    closing = reports.open_report(b.agreement, b.final, by=personas.tom)
    reports.save_report(closing, by=personas.tom, activities="Attività", public_summary="")
    reports.submit_report(closing, by=personas.tom)
    reports.verify_report(closing, by=personas.alice, accept=True)
    return {
        **ledger_examples,
        "agreement": a.agreement.pk,
        "tranche": a.advance.pk,
        "closing": b.agreement.pk,
        "closing_call": b.procedure.pk,
        **_report_examples(personas, program),
        **_drafting_examples(personas),
    }


def _report_examples(personas, program):
    """Agreement C to terminate; D with report 1 open and two of the coop's lines in it (one
    to correct, one to remove), its partner's art. 27 data complete but not yet published."""
    from trama.agreements.models import Party
    from trama.agreements.services import reports
    from trama.agreements.tests.support_coproduction import signed_agreement

    c = signed_agreement(personas, program=program, title="Convenzione C")
    d = signed_agreement(personas, program=program, title="Convenzione D")
    Party.objects.filter(pk=d.partner.pk).update(
        legal_basis="Art. 55 D.Lgs. 117/2017",
        office="Servizi sociali",
        official="Alice Rossi",
        selection_method="Avviso pubblico",
    )
    report = reports.open_report(d.agreement, d.first, by=personas.tom)

    def line(description):
        return reports.add_report_line(
            report,
            by=personas.pat,
            contributor=personas.coop,
            source="OWN_RESOURCES",
            category="ORGANISATIONAL",
            year=2018,
            amount="300.00",
            description=description,
        ).pk

    return {
        "to_terminate": c.agreement.pk,
        "reporting": d.agreement.pk,
        "line_to_update": line("Sala"),
        "line_to_remove": line("Sala, doppia"),
        "party_to_publish": d.partner.pk,
    }


def _drafting_examples(personas):
    """A procedure at the table with its project adopted and no agreement yet (`to_draft`),
    one line in its plan (`plan_line`); an agreement drafted (`drafting`) with a clause, an
    indicator and two partner parties; one just started, to cancel (`to_cancel`)."""
    import datetime

    from trama.agreements.models import Party
    from trama.agreements.services import agreement as drafting
    from trama.agreements.services import plan
    from trama.agreements.tests.support_agreement import adopt, drafted, table_procedure

    to_draft = table_procedure(personas)
    adopt(personas, to_draft)
    plan_line = plan.add_plan_line(
        to_draft,
        by=personas.alice,
        contributor=personas.comune,
        source="PUBLIC_OWNER",
        category="ECONOMIC",
        year=2026,
        description="Contributo",
        amount="1000.00",
    )
    agreement = drafted(personas)
    to_cancel = table_procedure(personas)
    adopt(personas, to_cancel)
    cancelled = drafting.draft_agreement(
        to_cancel,
        by=personas.alice,
        object="Da annullare",
        starts_on=datetime.date(2026, 7, 1),
        ends_on=datetime.date(2027, 6, 30),
    )
    return {
        "to_draft": to_draft.pk,
        "plan_line": plan_line.pk,
        "drafting": agreement.pk,
        "drafting_clause": agreement.clauses.get().pk,
        "drafting_indicator": agreement.indicators.get().pk,
        "drafting_lead": agreement.parties.get(role=Party.Role.LEAD).pk,
        "drafting_partner": agreement.parties.get(role=Party.Role.PARTNER).pk,
        "to_cancel": cancelled.pk,
    }


@pytest.fixture
def table_examples(personas, program):
    """A ranked call (`ranked_call`) and one at the co-design table (`table_call`) with a
    meeting held (`to_minute`) and one whose minutes the consortium attended (`to_review`)."""
    from trama.procedures import services
    from trama.procedures.tests.table_support import past, ranked_call

    ranked, _selected, _others = ranked_call(personas, program, title="Da aprire")
    table, _selected, _others = ranked_call(personas, program, title="Al tavolo")
    services.open_table(table, by=personas.alice)

    def meeting(title):
        return services.schedule_meeting(
            table, by=personas.alice, title=title, held_at=past(), agenda="Odg", place="Sala"
        )

    to_review = meeting("Primo incontro")
    services.record_table_minutes(
        to_review,
        by=personas.alice,
        minutes="Verbale",
        attendance=[(personas.consortium, "Tom Verdi", personas.tom)],
    )
    return {
        "ranked_call": ranked.pk,
        "table_call": table.pk,
        "to_minute": meeting("Secondo incontro").pk,
        "to_review": to_review.pk,
    }


@pytest.fixture
def evaluation_examples(personas, program):
    """Calls past their deadline, for the evaluation desk: `e_closed` (closed, Eve appointed,
    the consortium's proposal `e_receipt` not yet registered); `e_evaluating` (evaluation
    open, Alice and Eve declared clear) with the consortium's proposal `e_to_admit` and the
    coop's `e_to_complete` awaiting admission, and the APS's `e_to_score` admitted; and
    `e_to_rank` with every score given."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from trama.conftest import make_org
    from trama.procedures import services
    from trama.procedures.models import Procedure

    for org, number in ((personas.consortium, "12345"), (personas.coop, "23456")):
        if not org.runts_number:
            org.runts_number = number
            org.save(update_fields=["runts_number"])
    aps = make_org("APS Il Faro", by=personas.tom, tax_code=tax_code(911), runts_number="45678")

    def closed_call(title, leads, *, declared=True):
        now = timezone.now()
        call = services.create_call(
            by=personas.alice,
            program=program,
            title=title,
            description="Oggetto",
            deadline=now + datetime.timedelta(days=30),
        )
        services.set_criteria(
            call, by=personas.alice, criteria=[{"title": "Qualità", "max_points": "100"}]
        )
        call = services.publish_call(call, by=personas.alice)
        proposals = []
        for lead in leads:
            proposal = services.start_proposal(call, by=personas.tom, lead=lead, title="Proposta")
            services.update_proposal(
                proposal,
                by=personas.tom,
                sections={c.pk: "Testo" for c in call.criteria.all()},
                budget_total="100.00",
            )
            services.add_budget_line(
                proposal,
                by=personas.tom,
                contributor=lead,
                source="OWN_RESOURCES",
                category="ECONOMIC",
                year=2018,
                description="Cofinanziamento",
                amount="100.00",
            )
            services.attach_file(
                proposal, by=personas.tom, upload=SimpleUploadedFile("d.pdf", b"%PDF-1.7\n%%EOF\n")
            )
            services.submit_proposal(proposal, by=personas.tom)
            proposals.append(proposal)
        # The test data's one shortcut: the deadline moved into the past.
        Procedure.objects.filter(pk=call.pk).update(deadline=now - datetime.timedelta(minutes=1))
        call.refresh_from_db()
        services.appoint_evaluator(call, by=personas.alice, user=personas.eve)
        if declared:
            services.start_evaluation(call, by=personas.alice)
            services.declare_interests(call, by=personas.alice, has_conflict=False)
            services.declare_interests(call, by=personas.eve, has_conflict=False)
        return call, proposals

    closed, [registered] = closed_call("Chiuso", [personas.consortium], declared=False)
    evaluating, [to_admit, to_complete, to_score] = closed_call(
        "In valutazione", [personas.consortium, personas.coop, aps]
    )
    to_rank, [scored] = closed_call("Da graduare", [personas.consortium])
    for proposal in (to_score, scored):
        services.decide_admission(proposal, by=personas.alice, admit=True, reason="Requisiti ok")
    services.score_proposal(
        scored,
        by=personas.eve,
        criterion=to_rank.criteria.get(),
        points="80",
        rationale="Motivato",
    )
    return {
        "e_closed": closed.pk,
        "e_receipt": registered.receipt.number,
        "e_evaluating": evaluating.pk,
        "e_to_admit": to_admit.pk,
        "e_to_complete": to_complete.pk,
        "e_to_score": to_score.pk,
        "e_criterion": evaluating.criteria.get().pk,
        "e_to_rank": to_rank.pk,
    }


@pytest.fixture
def partnership_examples(personas):
    """Lecco's story in small: a 2006 program and its contractual partnership recorded from
    history (with a coordinator), which grew into the Girasole social enterprise (Comune 49 %,
    Consorzio 30 %, Cooperativa 21 %, constituted 15/1/2016); a program without a partnership
    yet; a participation foundation not yet recorded as an institution, whose constitution
    can be annulled; and a body, APS Il Ponte, that can be admitted as a member."""
    import datetime

    from trama.conftest import make_org
    from trama.organizations.shares import record_act
    from trama.partnerships import services
    from trama.programs.services import create_program

    alice, tom = personas.alice, personas.tom
    first = create_program(
        by=alice, owner=personas.comune, title="Rete Lecco", start_year=2006, end_year=2015
    )
    second = create_program(
        by=alice, owner=personas.comune, title="Abitare Lecco", start_year=2018, end_year=2022
    )
    contractual = services.record_contractual(
        by=alice, program=first, formed_on=datetime.date(2006, 5, 1), name="Alleanza di Lecco"
    )
    coordinator = services.add_coordinator(
        contractual, by=alice, name="Anna Bianchi", organization=personas.comune, role="RUP"
    )
    girasole = make_org("Impresa sociale Girasole", by=tom, tax_code=tax_code(901))
    constitution = record_act(
        by=tom,
        entity=girasole,
        kind="CONSTITUTION",
        date=datetime.date(2016, 1, 15),
        holdings=[(personas.comune, "49"), (personas.consortium, "30"), (personas.coop, "21")],
        reference="Atto costitutivo",
    )
    institutional = services.record_institutional(
        by=alice, owner=personas.comune, entity=girasole, grew_from=contractual
    )
    foundation = make_org("Fondazione Comunità Lecco", by=tom, tax_code=tax_code(902))
    to_annul = record_act(
        by=tom,
        entity=foundation,
        kind="CONSTITUTION",
        date=datetime.date(2019, 3, 1),
        holdings=[(personas.comune, "60"), (personas.consortium, "40")],
    )
    ponte = make_org("APS Il Ponte", by=tom, tax_code=tax_code(903))
    return {
        "p_contractual": contractual.slug,
        "p_institutional": institutional.slug,
        "p_coordinator": coordinator.pk,
        "p_first_program": first.slug,
        "p_second_program": second.slug,
        "p_entity": girasole.slug,
        "p_constitution": constitution.pk,
        "p_foundation": foundation.slug,
        "p_to_annul": to_annul.pk,
        "p_ponte": ponte.slug,
    }


@pytest.fixture
def practices_examples(personas):
    """Pat (Cooperativa Arcobaleno) joins the community, writes a sheet and a draft, adds a
    study and a call template."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from trama.community import services as community
    from trama.community.practices import services as practices

    community.join_community(personas.pat, consent=True, display_name="Pat Neri")
    practice = practices.create_practice(
        by=personas.pat,
        title="Custodi sociali",
        year_from=2015,
        phases=["co_design"],
        actors=[personas.coop],
        publish=True,
    )
    draft = practices.create_practice(
        by=personas.pat, title="Bozza", year_from=2020, actors=[personas.coop]
    )
    document = practices.create_document(
        by=personas.pat,
        kind="STUDY",
        title="Studio",
        description="Uno studio.",
        upload=SimpleUploadedFile("studio.pdf", b"%PDF-1.7\n%%EOF\n"),
    )
    template = practices.create_document(
        by=personas.pat,
        kind="CALL_TEMPLATE",
        title="Modello di avviso",
        description="Un modello.",
        text="Oggetto: servizi per l'abitare.",
        upload=SimpleUploadedFile("modello.pdf", b"%PDF-1.7\n%%EOF\n"),
    )
    return {
        "practice": practice.pk,
        "draft_practice": draft.pk,
        "document": document.pk,
        "template": template.pk,
    }


@pytest.fixture
def event_examples(personas):
    """A community event next month, announced by Alice, a moderator: an open session where
    Eve registered, a restricted one, and one held yesterday."""
    import datetime

    from django.utils import timezone

    from trama.community.events import services as events
    from trama.community.models import Moderator
    from trama.community.services import join_community

    join_community(personas.alice, consent=True, display_name="Alice Rossi")
    Moderator.objects.create(user=personas.alice, named_at=timezone.now())
    start = timezone.now() + datetime.timedelta(days=30)
    hours = datetime.timedelta(hours=3)
    event = events.create_event(
        by=personas.alice,
        title="Seminario della comunità",
        place="Torino",
        sessions=[
            {"title": "Mattina", "starts_at": start, "ends_at": start + hours},
            {"title": "Laboratorio", "starts_at": start, "ends_at": start + hours,
             "access": "RESTRICTED"},
            {"title": "Ieri", "starts_at": start, "ends_at": start + hours},
        ],
    )  # fmt: skip
    session, restricted, held = event.sessions.order_by("pk")
    registration = events.register(session, by=personas.eve)
    events.register(held, by=personas.pat)
    # Held yesterday: registrations close when a session starts, so the clock is moved here.
    yesterday = timezone.now() - datetime.timedelta(days=1)
    type(held).objects.filter(pk=held.pk).update(starts_at=yesterday, ends_at=yesterday + hours)
    return {
        "p_event": event.pk,
        "p_session": session.pk,
        "p_restricted": restricted.pk,
        "p_held": held.pk,
        "p_registration": registration.pk,
    }


@pytest.fixture
def discussion_examples(personas):
    """A discussion category and a thread; oscar, a member of the community with approved
    posts, writes in it without review."""
    from django.test import override_settings

    from trama.community.discussions import services
    from trama.community.discussions.models import Category
    from trama.community.discussions.tests.conftest import establish, join
    from trama.community.models import Topic

    topic = Topic.objects.create(name="Volontariato", slug="volontariato")
    category = Category.objects.create(topic=topic, name="Volontariato", slug="volontariato")
    member = join(personas.oscar, "Oscar")
    thread = services.start_thread(
        personas.oscar, category, title="Ore di volontariato", text="Come valorizzarle?"
    )
    # Oscar is new: his first thread waits for review; here it is taken as approved long ago.
    thread.posts.update(state="PUBLISHED", published_at=thread.created_at)
    thread.state = "PUBLISHED"
    thread.save(update_fields=["state"])
    establish(member, thread)
    # A question with its answer, written without counting against oscar's posting rate.
    with override_settings(DISCUSSION_POST_RATES={}):
        question = services.start_thread(
            personas.oscar, category, title="Rendicontare le ore?", text="Come?", is_question=True
        )
        answer = services.reply(personas.oscar, question, text="Con un registro firmato.")
    return {"d_category": category.slug, "d_thread": thread.pk, "d_answer": answer.pk}


@pytest.fixture
def webhook_examples(personas):
    """Alice, an administrator of the Comune di Lecco, has subscribed its protocol system."""
    from trama.opendata.webhooks.services import create_subscription

    subscription = create_subscription(
        personas.comune,
        by=personas.alice,
        url="https://protocollo.example.it/trama",
        kinds=["call.published"],
    )
    return {"w_webhook": subscription.pk}


@pytest.fixture
def coprogramming_examples(personas, program):
    """Alice's calls in the Lecco program, one for each act on a call or a co-programming:
    a co-design draft (`c_draft`) and another to cancel (`c_to_cancel`); co-programmings open
    (`c_open`), past the deadline with the consortium's interest (`c_to_admit`), at work with
    the consortium admitted and a table held (`c_working`, `c_table`), another at work
    (`c_to_conclude`) and one concluded (`c_concluded`)."""
    import datetime

    from django.utils import timezone

    from trama.procedures import services
    from trama.procedures.models import Procedure

    def draft(title, kind="CO_DESIGN"):
        deadline = timezone.now() + datetime.timedelta(days=30)
        return services.draft_call(
            by=personas.alice,
            program=program,
            kind=kind,
            title=title,
            description="Oggetto",
            deadline=deadline,
            criteria=[{"title": "Qualità", "max_points": 100}],
        )

    def coprogramming(title, until):
        call = services.publish_call(draft(title, "CO_PROGRAMMING"), by=personas.alice)
        if until == "OPEN":
            return call
        interest = services.express_interest(
            call, by=personas.tom, organization=personas.consortium, motivation="Rete"
        )
        # The test data's one shortcut: the deadline moved into the past.
        past = timezone.now() - datetime.timedelta(minutes=1)
        Procedure.objects.filter(pk=call.pk).update(deadline=past)
        call.refresh_from_db()
        if until == "INTEREST":
            return call
        services.admit_participants(call, by=personas.alice, decisions={interest.pk: (True, "")})
        meeting = services.add_meeting(
            call, by=personas.alice, title="Tavolo giovani", held_at=past, agenda="Bisogni"
        )
        if until == "CONCLUDED":
            services.conclude_coprogramming(call, by=personas.alice, final_document="Piano")
        return call, meeting

    working, table = coprogramming("Co-programmazione al lavoro", "WORKING")
    to_conclude, _table = coprogramming("Co-programmazione da concludere", "WORKING")
    concluded, _table = coprogramming("Co-programmazione conclusa", "CONCLUDED")
    return {
        "c_draft": draft("Bozza da rivedere").pk,
        "c_to_cancel": draft("Bozza da annullare").pk,
        "c_open": coprogramming("Co-programmazione aperta", "OPEN").pk,
        "c_to_admit": coprogramming("Co-programmazione da ammettere", "INTEREST").pk,
        "c_working": working.pk,
        "c_table": table.pk,
        "c_to_conclude": to_conclude.pk,
        "c_concluded": concluded.pk,
    }


@pytest.fixture
def organization_examples(personas):
    """Tom, who administers the Consorzio Lario and the Cooperativa Arcobaleno, has invited
    Nina (a new account) to both, an address to the cooperative (to withdraw), and has two
    members in the consortium, Ugo and Vera. Oscar asked to join the consortium and the
    staff said no: he has a notification of it.

    Returns `o_invitation` (to withdraw), `o_token` (the secret of Nina's link to the
    consortium), `o_sent` (her invitation to the cooperative, to accept by id), `o_member`
    and `o_leaving` (Ugo's and Vera's memberships) and `o_notification` (Oscar's)."""
    from trama.conftest import make_user
    from trama.notifications.models import Notification
    from trama.organizations import services
    from trama.organizations.models import Membership

    personas.nina = make_user("nina@trama.test", first_name="Nina", last_name="Sala")
    to_revoke = services.invite_member(personas.coop, by=personas.tom, email="ex@coop.it")
    by_link = services.invite_member(
        personas.consortium, by=personas.tom, email=personas.nina.email
    )
    by_address = services.invite_member(personas.coop, by=personas.tom, email=personas.nina.email)
    ugo, vera = make_user("ugo@trama.test"), make_user("vera@trama.test")
    member = Membership.objects.create(organization=personas.consortium, user=ugo)
    leaving = Membership.objects.create(organization=personas.consortium, user=vera)
    claim = services.claim_organization(
        personas.consortium, by=personas.oscar, message="Sono il nuovo presidente."
    )
    services.decide_claim(claim, by=personas.sam, approve=False)
    return {
        "o_invitation": to_revoke.pk,
        "o_token": by_link.token,
        "o_sent": by_address.pk,
        "o_member": member.pk,
        "o_leaving": leaving.pk,
        "o_notification": Notification.objects.get(recipient=personas.oscar).pk,
    }
