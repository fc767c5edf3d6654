import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from trama.procedures import services
from trama.procedures.models import Procedure, Proposal

from .conftest import complete_proposal, rome
from .reviewing import confirm

MARKER = "SIGILLO-7f3a"


def test_the_public_list_shows_open_calls_with_bounded_queries(
    bodies, call, client, django_assert_max_num_queries
):
    for n in range(25):
        extra = services.create_call(
            by=bodies.alice,
            program=call.program,
            title=f"Avviso {n}",
            description="Oggetto",
            deadline=rome(2026, 5, 1 + n % 20, 12, 0),
        )
        services.set_criteria(extra, by=bodies.alice, criteria=[{"title": "Q", "max_points": 10}])
        services.publish_call(extra, by=bodies.alice)
    services.create_call(by=bodies.alice, program=call.program, title="Bozza riservata")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("procedures:calls"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "26 avvisi" in page
    assert "Bozza riservata" not in page
    assert call.title.replace("'", "&#x27;") in page  # nearest deadline first
    second = client.get(reverse("procedures:calls"), {"page": 2}).content.decode()
    assert "Pagina 2 di 2" in second
    feed = client.get(reverse("procedures:feed"))
    assert feed.status_code == 200 and b"Avviso 3" in feed.content


def test_filters_and_the_empty_state(bodies, call, client):
    page = client.get(reverse("procedures:calls"), {"q": "nessun risultato"}).content.decode()
    assert "Nessun avviso corrisponde" in page
    page = client.get(reverse("procedures:calls"), {"region": "abc"})
    assert page.status_code == 200  # a bad filter is ignored, not a 500


def test_a_call_page_for_each_persona(bodies, call, client_for):
    url = reverse("procedures:call", args=[call.pk])
    anonymous = client_for(None).get(url).content.decode()
    assert "Qualità del progetto" in anonymous and "Scrivania" not in anonymous
    assert "Pubblica la risposta" not in anonymous
    tom = client_for(bodies.tom).get(url).content.decode()
    assert "Avvia una proposta" in tom
    alice = client_for(bodies.alice).get(url).content.decode()
    assert reverse("procedures:call_extend", args=[call.pk]) in alice
    # Outsiders can't act for the body, nor see its review pages.
    for act in ("call_publish", "call_extend", "call_cancel"):
        act_url = reverse(f"procedures:{act}", args=[call.pk])
        assert client_for(bodies.tom).get(act_url).status_code == 403
        assert client_for(bodies.tom).post(act_url).status_code == 403


def test_a_question_is_answered_for_all_without_the_askers_name(bodies, call, client_for):
    client = client_for(bodies.tom)
    client.post(reverse("procedures:call_ask", args=[call.pk]), {"question": "Vale il 2025?"})
    clarification = call.clarifications.get()
    client = client_for(bodies.alice)
    client.post(
        reverse("procedures:call_answer", args=[call.pk, clarification.pk]),
        {"answer": "No, solo il 2026."},
    )
    page = client_for(None).get(reverse("procedures:call", args=[call.pk])).content.decode()
    assert "Vale il 2025?" in page and "No, solo il 2026." in page
    assert "Tom" not in page and bodies.consortium.name not in page


def test_a_sealed_proposal_shows_nothing_of_itself_before_the_deadline(bodies, call, client_for):
    proposal = complete_proposal(
        call, by=bodies.tom, lead=bodies.consortium, title=f"Progetto {MARKER}"
    )
    client = client_for(bodies.tom)
    response = confirm(
        client, reverse("procedures:proposal_submit", args=[proposal.pk]), follow=True
    )
    page = response.content.decode()
    assert "Ricevuta" in page and MARKER in page
    for persona in (bodies.alice, bodies.eve, bodies.sam, bodies.oscar, bodies.fiona, None):
        client = client_for(persona)
        for url in (
            reverse("procedures:proposal", args=[proposal.pk]),
            reverse("procedures:call", args=[call.pk]),
            reverse("procedures:calls"),
            reverse("procedures:feed"),
        ):
            response = client.get(url)
            assert MARKER not in response.content.decode(), (persona, url)
        if persona is not None and persona != bodies.sam:
            assert client.get(reverse("procedures:proposal", args=[proposal.pk])).status_code == 404


def call_post(criteria=(), budget=(), **fields):
    """The call form as a browser posts it: fields, then the criteria and budget rows."""
    data = {
        "kind": "CO_DESIGN",
        "title": "Nuovo avviso",
        "description": "Oggetto del nuovo avviso",
        "deadline": "2026-04-30T12:00",
        "criteria-TOTAL_FORMS": str(len(criteria)),
        "criteria-INITIAL_FORMS": "0",
        "budget-TOTAL_FORMS": str(len(budget)),
        "budget-INITIAL_FORMS": "0",
        **fields,
    }
    for n, (title, points) in enumerate(criteria):
        data[f"criteria-{n}-title"] = title
        data[f"criteria-{n}-max_points"] = points
    for n, (year, amount) in enumerate(budget):
        data[f"budget-{n}-year"] = year
        data[f"budget-{n}-amount"] = amount
    return data


def test_an_officer_creates_and_publishes_a_call(bodies, call, client_for):
    client = client_for(bodies.alice)
    url = reverse("procedures:call_create", args=[call.program.slug])
    form = client.get(url).content.decode()
    assert 'name="criteria-1-max_points"' in form  # two blank criteria to start with
    assert 'name="budget-2-year"' in form  # one row for each of the program's years
    response = client.post(
        url,
        call_post(
            criteria=[("Qualità", "70"), ("Risorse", "30")],
            budget=[("2026", "150.000,50"), ("2027", "90000"), ("2028", "")],
        ),
    )
    procedure = Procedure.objects.get(title="Nuovo avviso")
    assert response.status_code == 302
    assert procedure.state == "DRAFT" and procedure.rup == bodies.alice
    assert [c.max_points for c in procedure.criteria.all()] == [70, 30]
    assert [(b.year, str(b.amount)) for b in procedure.budget.all()] == [
        (2026, "150000.50"),
        (2027, "90000.00"),
    ]
    page = client.get(reverse("procedures:call", args=[procedure.pk])).content.decode()
    assert "150.000,50\xa0€" in page  # shown back the Italian way
    confirm(client, reverse("procedures:call_publish", args=[procedure.pk]))
    procedure.refresh_from_db()
    assert procedure.state == "PUBLISHED"
    assert procedure.deadline == rome(2026, 4, 30, 12, 0)


def test_a_criterion_row_is_added_and_a_refused_call_keeps_what_was_typed(bodies, call, client_for):
    client = client_for(bodies.alice)
    url = reverse("procedures:call_create", args=[call.program.slug])
    typed = call_post(
        criteria=[("Qualità del servizio", "60")],
        budget=[("2027", "150.000")],
        objectives="Obiettivi scritti a mano",
    )
    more = client.post(url, {**typed, "add_criterion": "1"})
    page = more.content.decode()
    assert more.status_code == 200 and not Procedure.objects.filter(title="Nuovo avviso").exists()
    assert 'name="criteria-1-title"' in page and "Qualità del servizio" in page
    assert "Obiettivi scritti a mano" in page
    # htmx gets only the rows back.
    rows = client.post(url, {**typed, "add_criterion": "1"}, headers={"HX-Request": "true"})
    assert 'id="criteria"' in rows.content.decode() and "<html" not in rows.content.decode()
    # A row removed is no criterion; a bad amount is refused with how it would be read.
    refused = client.post(
        url,
        {
            **typed,
            "criteria-TOTAL_FORMS": "2",
            "criteria-1-title": "Da togliere",
            "criteria-1-max_points": "5",
            "criteria-1-DELETE": "on",
            "budget-0-amount": "1.500.00",
        },
    )
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "1.500.00" in page and "Obiettivi scritti a mano" in page and "Da togliere" in page
    assert not Procedure.objects.filter(title="Nuovo avviso").exists()
    client.post(
        url,
        {
            **typed,
            "criteria-TOTAL_FORMS": "2",
            "criteria-1-title": "Da togliere",
            "criteria-1-max_points": "5",
            "criteria-1-DELETE": "on",
        },
    )
    procedure = Procedure.objects.get(title="Nuovo avviso")
    assert [c.title for c in procedure.criteria.all()] == ["Qualità del servizio"]
    assert procedure.budget.get().amount == 150000


def test_a_coprogramming_call_leaves_the_criteria_rows_blank(bodies, call, client_for):
    client = client_for(bodies.alice)
    url = reverse("procedures:call_create", args=[call.program.slug])
    page = client.get(url).content.decode()
    assert 'name="criteria-INITIAL_FORMS" value="0"' in page
    response = client.post(
        url,
        {
            **call_post(kind="CO_PROGRAMMING", title="Tavoli giovani"),
            "criteria-TOTAL_FORMS": "2",
            "criteria-0-title": "",
            "criteria-0-max_points": "",
        },
    )
    assert response.status_code == 302
    assert not Procedure.objects.get(title="Tavoli giovani").criteria.exists()


def test_a_bad_criterion_is_a_form_error_not_a_500(bodies, call, client_for):
    response = client_for(bodies.alice).post(
        reverse("procedures:call_create", args=[call.program.slug]),
        call_post(criteria=[("Qualità", "")], title="X"),
    )
    assert response.status_code == 400
    assert "Questo campo è obbligatorio" in response.content.decode()
    assert not Procedure.objects.filter(title="X").exists()


def test_anyone_checks_a_receipt(bodies, call, client, client_for):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    receipt = services.submit_proposal(proposal, by=bodies.tom)
    url = reverse("procedures:receipt_check")
    good = client.get(url, {"number": receipt.number, "sha256": receipt.sha256}).content.decode()
    assert "è autentica" in good
    # The partner downloads exactly what was hashed, and can hash it again.

    data = client.get(reverse("procedures:receipt_json", args=[proposal.pk]))
    assert data.status_code == 404  # anonymous: not a partner
    data = client_for(bodies.tom).get(reverse("procedures:receipt_json", args=[proposal.pk]))
    assert hashlib.sha256(data.content).hexdigest() == receipt.sha256
    bad = client.get(url, {"number": receipt.number, "sha256": "0" * 64}).content.decode()
    assert "Nessuna ricevuta" in bad
    junk = client.get(url, {"number": receipt.number, "sha256": "xyz"})
    assert junk.status_code == 200 and "64 caratteri" in junk.content.decode()


def test_a_partnership_writes_and_submits_a_proposal_through_the_pages(
    bodies, call, client_for, django_capture_on_commit_callbacks
):
    client = client_for(bodies.tom)
    client.post(
        reverse("procedures:proposal_start", args=[call.pk]),
        {"lead": bodies.consortium.pk, "title": "Casa comune"},
    )
    proposal = Proposal.objects.get(lead=bodies.consortium)
    sections = {f"section-{c.pk}": f"Risposta {c.title}" for c in call.criteria.all()}
    upload = SimpleUploadedFile("domanda.pdf", b"%PDF-1.7\n%%EOF\n")
    client.post(
        reverse("procedures:proposal_update", args=[proposal.pk]),
        {"title": "Casa comune", **sections},
    )
    client.post(
        reverse("procedures:proposal_total", args=[proposal.pk]), {"budget_total": "1200,50"}
    )
    client.post(reverse("procedures:proposal_attach", args=[proposal.pk]), {"files": upload})
    found = client.get(
        reverse("procedures:proposal_partner_search", args=[proposal.pk]),
        {"partner_q": bodies.aps.tax_code},
    ).content.decode()
    assert "APS Ponte" in found
    client.post(
        reverse("procedures:proposal_invite", args=[proposal.pk]),
        {"organization": bodies.aps.pk},
    )
    response = client.post(
        reverse("procedures:proposal_add_line", args=[proposal.pk]),
        {
            "contributor": bodies.consortium.pk,
            "source": "OWN_RESOURCES",
            "category": "PROFESSIONAL",
            "year": 2026,
            "description": "Educatore",
            "quantity": "100",
            "unit_value": "12,005",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400 and "“12,005” ha tre decimali" in page
    assert 'value="Educatore"' in page  # what was typed stays
    assert not proposal.budget_lines.exists()
    client.post(
        reverse("procedures:proposal_add_line", args=[proposal.pk]),
        {
            "contributor": bodies.consortium.pk,
            "source": "OWN_RESOURCES",
            "category": "PROFESSIONAL",
            "year": 2026,
            "description": "Educatore",
            "quantity": "100",
            "unit_value": "12,00",
        },
    )
    assert proposal.budget_lines.get().amount == 1200
    # Not yet: APS Ponte has not confirmed.
    page = client.get(
        reverse("procedures:proposal_submit", args=[proposal.pk]), follow=True
    ).content.decode()
    assert "non hanno ancora confermato: APS Ponte" in page
    una = client_for(bodies.una)
    confirm(una, reverse("procedures:proposal_confirm", args=[proposal.pk]))
    client = client_for(bodies.tom)
    client.post(
        reverse("procedures:proposal_add_line", args=[proposal.pk]),
        {
            "contributor": bodies.consortium.pk,
            "source": "OWN_RESOURCES",
            "category": "ECONOMIC",
            "year": 2026,
            "description": "Cofinanziamento",
            "amount": "0,50",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        page = confirm(
            client, reverse("procedures:proposal_submit", args=[proposal.pk]), follow=True
        ).content.decode()
    proposal.refresh_from_db()
    assert proposal.state == "SUBMITTED", page
    assert proposal.receipt.number in page and proposal.receipt.sha256 in page


def test_the_record_of_acts_shows_public_acts_to_all_and_everything_to_officers(
    bodies, call, client_for
):
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    services.submit_proposal(proposal, by=bodies.tom)
    url = reverse("procedures:trail", args=[call.pk])
    public = client_for(None).get(url).content.decode()
    assert "Avviso pubblicato" in public and "Proposta ricevuta" not in public
    officer = client_for(bodies.eve).get(url).content.decode()
    assert "Proposta ricevuta" in officer and "Criteri di valutazione impostati" in officer


def test_documents_of_the_call_withdrawal_and_the_deadline_filter(bodies, call, client_for):
    alice = client_for(bodies.alice)
    alice.post(
        reverse("procedures:call_attach", args=[call.pk]),
        {"title": "Avviso firmato", "file": SimpleUploadedFile("avviso.pdf", b"%PDF-1.7\n%%EOF\n")},
    )
    document = call.attachments.get()
    public = client_for(None)
    assert (
        "Avviso firmato" in public.get(reverse("procedures:call", args=[call.pk])).content.decode()
    )
    download = public.get(reverse("procedures:call_document", args=[call.pk, document.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # The list filters by deadline.
    calls = reverse("procedures:calls")
    assert (
        call.title.replace("'", "&#x27;")
        in public.get(calls, {"deadline_before": "2026-03-31"}).content.decode()
    )
    assert (
        "Nessun avviso corrisponde"
        in public.get(calls, {"deadline_before": "2026-03-29"}).content.decode()
    )
    # Tom withdraws his submitted proposal before the deadline.
    proposal = complete_proposal(call, by=bodies.tom, lead=bodies.consortium)
    services.submit_proposal(proposal, by=bodies.tom)
    confirm(client_for(bodies.tom), reverse("procedures:proposal_withdraw", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.state == "WITHDRAWN"


def test_a_draft_call_is_listed_on_the_program_page_only_for_its_body(personas, client, client_for):
    """Until it is published a call is the owning body's own: the program page anyone sees
    (and the cached copy of it) doesn't name it."""
    from trama.programs.services import create_program

    program = create_program(
        by=personas.alice, owner=personas.comune, title="Welfare", start_year=2026, end_year=2027
    )
    services.draft_call(by=personas.alice, program=program, title="Bozza riservata XYZ")
    url = reverse("programs:program", args=[program.slug])
    assert "Bozza riservata XYZ" not in client.get(url).content.decode()
    assert "Bozza riservata XYZ" not in client_for(personas.tom).get(url).content.decode()
    assert "Bozza riservata XYZ" in client_for(personas.alice).get(url).content.decode()
