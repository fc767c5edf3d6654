"""A public body's transparency page and the Atom feeds, as a citizen reads them."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from trama.agreements.models import AgreementVersion
from trama.procedures.models import Clarification, Notice, Procedure
from trama.programs.services import create_program

from .support import at, many_agreements, quick_agreement, signed_by_services

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def acts(personas, time_machine):
    """Agreement A through the services (its call, adoption, signature, a payment), a ranking
    notice with its protocol number, an answered clarification, agreement B as rows, and a
    draft call of the Comune that is not public."""
    a = signed_by_services(personas, time_machine)
    Notice.objects.create(
        procedure=a.procedure,
        kind=Notice.Kind.OUTCOME,
        text="Graduatoria approvata",
        protocol_number="Prot. 4512/2026",
    )
    Clarification.objects.create(
        procedure=a.procedure,
        question="Possono partecipare le APS?",
        asked_by=personas.tom,
        answer="Sì, se iscritte al RUNTS.",
        answered_by=personas.alice,
        answered_at=at(2026, 9, 1),
    )
    b = quick_agreement(
        personas, title="Servizi di prossimità", signed_at=at(2026, 10, 5), grants=[]
    )
    draft = Procedure.objects.create(
        program=a.procedure.program,
        owner=personas.comune,
        title="Bozza non pubblicata",
        rup=personas.alice,
    )
    time_machine.move_to(at(2026, 12, 1), tick=False)
    return {"a": a, "b": b, "draft": draft}


def test_the_body_page_lists_acts_agreements_and_figures(personas, acts, client):
    # An amendment in force after the agreement: listed as such.
    first = acts["a"].versions.get()
    AgreementVersion.objects.create(
        agreement=acts["a"],
        number=2,
        reason="Nuovo partner",
        content=first.content,
        pdf=first.pdf.name,
        pdf_sha256=first.pdf_sha256,
        issued_by=personas.alice,
        in_force_at=at(2026, 11, 20),
    )

    page = client.get(reverse("transparency:body", args=[personas.comune.slug]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Amministrazione condivisa — trasparenza" in html
    kinds = [act.kind for act in page.context["acts"].object_list]
    assert {"CALL", "CLARIFICATION", "OUTCOME", "ADOPTION", "AGREEMENT", "PAYMENT"} <= set(kinds)
    assert kinds.count("AGREEMENT") == 1 and kinds.count("AMENDMENT") == 1
    assert "Modifica della convenzione" in html
    assert "Prot. 4512/2026" in html and "Mandato 1187/2026" in html and "DD 123/2026" in html
    assert "Graduatoria pubblicata" in html and "Erogazione del contributo pubblico" in html
    assert "Bozza non pubblicata" not in html
    # The agreements, their parties and the public contribution granted (20,000 + 30,000 + 600).
    assert "50.600,00\xa0€" in html and "Consorzio Lario" in html
    assert "Servizi di prossimità" in html
    # The feeds, announced to feed readers.
    assert html.count('rel="alternate" type="application/atom+xml"') == 3
    assert reverse("transparency:body_feed", args=[personas.comune.slug, "esiti"]) in html
    # Linked from the body's own page.
    profile = client.get(personas.comune.get_absolute_url()).content.decode()
    assert reverse("transparency:body", args=[personas.comune.slug]) in profile
    assert (
        reverse("transparency:body", args=[personas.consortium.slug])
        not in client.get(personas.consortium.get_absolute_url()).content.decode()
    )


def test_a_body_with_nothing_published_shows_empty_states(personas, client):
    html = client.get(reverse("transparency:body", args=[personas.comune.slug])).content.decode()

    assert "Questo ente non ha ancora pubblicato atti su Trama." in html
    assert "Nessuna convenzione di questo ente è stata ancora sottoscritta su Trama." in html


def test_unknown_and_not_public_bodies_are_explained(personas, client):
    for slug, said in (
        ("nessuno", "Nessun ente ha il nome breve"),
        (personas.consortium.slug, "non è un ente pubblico"),
    ):
        for name in ("transparency:body", "transparency:art27"):
            response = client.get(reverse(name, args=[slug]))
            assert response.status_code == 404 and said in response.content.decode()


def _entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert root.tag == f"{ATOM}feed"
    return [
        (entry.find(f"{ATOM}title").text, entry.find(f"{ATOM}link").get("href"))
        for entry in root.findall(f"{ATOM}entry")
    ]


def test_the_feeds_list_calls_outcomes_and_agreements_per_scope(personas, acts, client):
    a, b = acts["a"], acts["b"]
    calls = _entries(client.get(reverse("transparency:feed", args=["avvisi"])))
    outcomes = _entries(
        client.get(reverse("transparency:body_feed", args=[personas.comune.slug, "esiti"]))
    )
    agreements = _entries(
        client.get(reverse("transparency:territory_feed", args=["097", "convenzioni"]))
    )

    # A's call was published on 1 September, B's on 7 July (90 days before its signature).
    assert [title for title, _link in calls] == [
        f"Avviso: {a.procedure.title} — Comune di Lecco",
        f"Avviso: {b.procedure.title} — Comune di Lecco",
    ]
    assert all("Bozza" not in title for title, _link in calls)
    assert [title for title, _link in outcomes] == [
        f"Graduatoria pubblicata: {b.procedure.title} — Comune di Lecco",
        f"Graduatoria pubblicata: {a.procedure.title} — Comune di Lecco",
    ]
    assert agreements == [
        (
            f"Convenzione sottoscritta: {b.procedure.title} — Comune di Lecco",
            f"http://testserver/convenzioni/{b.pk}/pubblica/",
        ),
        (
            f"Convenzione sottoscritta: {a.procedure.title} — Comune di Lecco",
            f"http://testserver/convenzioni/{a.pk}/pubblica/",
        ),
    ]
    # The region (Lombardy, 03) and the municipality (Lecco, 097042) hold them; Lazio doesn't.
    assert (
        len(_entries(client.get(reverse("transparency:territory_feed", args=["03", "avvisi"]))))
        == 2
    )
    assert (
        len(_entries(client.get(reverse("transparency:territory_feed", args=["097042", "esiti"]))))
        == 2
    )
    assert _entries(client.get(reverse("transparency:territory_feed", args=["12", "avvisi"]))) == []


def test_unknown_territories_and_feeds_are_explained_404s(personas, client):
    for args, said in (
        (["99", "avvisi"], "Nessun territorio ha il codice ISTAT"),
        (["lecco", "avvisi"], "Nessun territorio ha il codice ISTAT"),
        (["097", "podcast"], "Non esiste il feed"),
    ):
        response = client.get(reverse("transparency:territory_feed", args=args))
        assert response.status_code == 404, args
        assert said in response.content.decode(), args


def test_the_body_page_reads_a_bounded_number_of_queries(
    personas, client, django_assert_max_num_queries
):
    create_program(
        by=personas.alice, owner=personas.comune, title="Percorso", start_year=2026, end_year=2027
    )
    many_agreements(personas, 30, payees=[personas.coop, personas.consortium])
    url = reverse("transparency:body", args=[personas.comune.slug])

    with django_assert_max_num_queries(25):
        page = client.get(url)
    with django_assert_max_num_queries(25):
        client.get(url, {"atti": 2, "convenzioni": 2})

    assert len(page.context["acts"].object_list) == 25
    assert page.context["acts"].paginator.count > 25
    assert len(page.context["agreements"].object_list) == 10
