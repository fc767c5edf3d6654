"""The DCAT-AP_IT catalogue, read back as a harvester reads it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rdflib import DCAT, DCTERMS, FOAF, RDF, Graph, URIRef
from rdflib.compare import isomorphic

from trama.conftest import make_org
from trama.opendata.catalogue import vocabulary as v
from trama.opendata.transparency.tests.support import (
    association,
    at,
    body_tax_code,
    quick_agreement,
)
from trama.organizations.models import Organization
from trama.procedures.models import Procedure
from trama.programs.services import create_program

VCARD = v.VCARD

# The properties DCAT-AP_IT marks as mandatory ("M"), class by class. Source: AgID, "Linee
# guida per i cataloghi dati" — profilo nazionale dei metadati DCAT-AP_IT (the guide
# dati.gov.it points harvesters to), table "Overview profilo" and the pages "Elementi
# obbligatori" of Catalogo, Dataset, Distribuzione, Soggetto, Punto di contatto
# (github.com/italia/linee-guida-cataloghi-dati-dcat-ap-it, src/profilo-overview.rst).
# The Dataset's distribution is mandatory "nel caso di dati aperti", which all of ours are.
MANDATORY = {
    v.DCATAPIT.Catalog: [
        DCTERMS.title,  # titolo
        DCTERMS.description,  # descrizione
        DCTERMS.publisher,  # editore
        DCTERMS.modified,  # data ultima modifica
        DCAT.dataset,  # dataset
    ],
    v.DCATAPIT.Dataset: [
        DCTERMS.identifier,  # identificativo
        DCTERMS.title,  # titolo
        DCTERMS.description,  # descrizione
        DCTERMS.modified,  # data ultima modifica
        DCAT.theme,  # temi
        DCTERMS.rightsHolder,  # titolare
        DCTERMS.accrualPeriodicity,  # frequenza di aggiornamento
        DCAT.distribution,  # distribuzione (dati aperti)
    ],
    v.DCATAPIT.Distribution: [
        DCTERMS.format,  # formato
        DCAT.accessURL,  # URL di accesso
        DCTERMS.license,  # licenza
    ],
    v.DCATAPIT.Agent: [
        DCTERMS.identifier,  # identificativo del soggetto
        FOAF.name,  # nome del soggetto
    ],
    v.DCATAPIT.Organization: [
        VCARD.fn,  # nome del punto di contatto
        VCARD.hasEmail,  # email del punto di contatto
    ],
}
# Recommended ("R") for the catalogue, which we give too: home page, language, issued, themes.
RECOMMENDED_CATALOGUE = [FOAF.homepage, DCTERMS.language, DCTERMS.issued, DCAT.themeTaxonomy]


@pytest.fixture
def published(personas, time_machine, settings):
    settings.SITE_URL = "https://trama.example.it"
    comune = personas.comune
    comune.ipa_code = "c_e507"
    comune.save(update_fields=["ipa_code"])
    program = create_program(
        by=personas.alice, owner=comune, title="Percorso welfare", start_year=2025, end_year=2027
    )
    coop = association(personas, "Cooperativa Il Sentiero", 1)
    consortium = association(personas, "Consorzio Solidale", 2)
    quick_agreement(
        personas, title="Abitare insieme", signed_at=at(2025, 3, 1), grants=[(coop, "5000.00")]
    )
    quick_agreement(
        personas,
        title="Servizi di prossimità",
        signed_at=at(2026, 6, 1),
        grants=[(consortium, "180000.00")],
    )
    Procedure.objects.create(
        program=program,
        owner=comune,
        title="BOZZAZQ7 non pubblicata",
        rup=personas.alice,
    )
    quiet = make_org(
        "Comune di Valmadrera",
        by=personas.oscar,
        kind=Organization.Kind.PUBLIC_BODY,
        tax_code=body_tax_code(50),
        verified=True,
    )
    Procedure.objects.create(
        program=program,
        owner=quiet,
        title="BOZZAZQ7 di Valmadrera",
        rup=personas.alice,
    )
    time_machine.move_to(at(2026, 12, 1), tick=False)
    return {"comune": comune, "quiet": quiet, "program": program}


def _graphs(client):
    turtle = client.get(reverse("catalogue:turtle"))
    jsonld = client.get(reverse("catalogue:jsonld"))
    assert turtle.status_code == 200 and turtle["Content-Type"].startswith("text/turtle")
    assert jsonld["Content-Type"].startswith("application/ld+json")
    return (
        Graph().parse(data=turtle.content.decode(), format="turtle"),
        Graph().parse(data=jsonld.content.decode(), format="json-ld"),
    )


def test_it_parses_as_turtle_and_json_ld_to_the_same_graph(published, client):
    from_turtle, from_jsonld = _graphs(client)
    assert len(from_turtle) > 50
    assert isomorphic(from_turtle, from_jsonld)


def test_every_catalogue_dataset_and_distribution_has_the_mandatory_properties(published, client):
    g, _jsonld = _graphs(client)
    for cls, properties in MANDATORY.items():
        nodes = set(g.subjects(RDF.type, cls))
        assert nodes, f"no {cls}"
        for node in nodes:
            for prop in properties:
                assert g.value(node, prop) is not None, f"{node} lacks {prop}"
    catalogue = next(g.subjects(RDF.type, v.DCATAPIT.Catalog))
    for prop in RECOMMENDED_CATALOGUE:
        assert g.value(catalogue, prop) is not None, prop
    for dataset in g.subjects(RDF.type, v.DCATAPIT.Dataset):
        assert g.value(dataset, DCTERMS.title).language == "it"
        assert g.value(dataset, DCTERMS.description).language == "it"
        assert str(g.value(dataset, DCAT.theme)).startswith(str(v.THEME))
        assert str(g.value(dataset, DCTERMS.accrualPeriodicity)).startswith(str(v.FREQUENCY))
        contact = g.value(dataset, DCAT.contactPoint)
        assert str(g.value(contact, VCARD.hasEmail)).startswith("mailto:")
    for dist in g.subjects(RDF.type, v.DCATAPIT.Distribution):
        assert str(g.value(dist, DCAT.accessURL)).startswith("https://trama.example.it/")
        assert str(g.value(dist, DCTERMS.format)).startswith(str(v.FILE_TYPE))


def test_the_body_is_named_by_its_ipa_code_and_its_lists_are_there(published, client):
    g, _jsonld = _graphs(client)
    comune = published["comune"]
    agent = URIRef(f"https://trama.example.it/enti/{comune.slug}/#ente")
    assert str(g.value(agent, DCTERMS.identifier)) == "c_e507"
    identifiers = {str(o) for o in g.objects(None, DCTERMS.identifier)}
    assert {
        "c_e507:avvisi",
        "c_e507:convenzioni",
        "c_e507:art27-2025",
        "c_e507:art27-2026",
        "c_e507:ocds",
        "c_e507:risorse",
    } <= identifiers
    downloads = {str(o) for o in g.objects(None, DCAT.downloadURL)}
    expected = reverse("transparency:art27_export", args=[comune.slug, 2026, "xlsx"])
    assert "https://trama.example.it" + expected in downloads
    for dataset in g.subjects(RDF.type, v.DCATAPIT.Dataset):
        assert g.value(dataset, DCTERMS.publisher) == agent


def test_a_body_without_ipa_code_is_listed_by_tax_code(published, client):
    comune = published["comune"]
    comune.ipa_code = None
    comune.save(update_fields=["ipa_code"])
    g, _jsonld = _graphs(client)
    identifiers = {str(o) for o in g.objects(None, DCTERMS.identifier)}
    assert f"{comune.tax_code}:avvisi" in identifiers


def test_nothing_published_means_no_dataset_and_a_draft_never_appears(published, client):
    text = client.get(reverse("catalogue:turtle")).content.decode()
    assert "BOZZAZQ7" not in text
    quiet = published["quiet"]
    assert quiet.tax_code not in text and quiet.slug not in text


def test_the_licence_is_cc_by_4_everywhere(published, client):
    g, _jsonld = _graphs(client)
    licences = set(g.objects(None, DCTERMS.license))
    assert licences == {v.CC_BY_4}
    assert (v.CC_BY_4, RDF.type, v.DCATAPIT.LicenseDocument) in g


def test_content_negotiation_on_the_catalogue_page(published, client):
    url = reverse("catalogue:catalogue")
    assert client.get(url, HTTP_ACCEPT="application/ld+json")["Content-Type"].startswith(
        "application/ld+json"
    )
    assert client.get(url, HTTP_ACCEPT="text/turtle")["Content-Type"].startswith("text/turtle")
    assert "Accept" in client.get(url)["Vary"].split(", ")


def test_the_queries_do_not_grow_with_the_bodies(published, personas, client):
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("catalogue:turtle"))
    for n in range(5):
        body = make_org(
            f"Comune {n}",
            by=personas.oscar,
            kind=Organization.Kind.PUBLIC_BODY,
            tax_code=body_tax_code(60 + n),
        )
        Procedure.objects.create(
            program=published["program"],
            owner=body,
            title=f"Avviso {n}",
            rup=personas.alice,
            published_at=at(2026, 5, 1),
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("catalogue:turtle"))
    assert response.content.decode().count("dcatapit:Dataset") > 10
    assert len(many) == len(few) <= 8
