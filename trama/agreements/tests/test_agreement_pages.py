"""The plan and agreement pages for each persona: reading, drafting, issuing, signing."""

import io
import zipfile
from decimal import Decimal

import pytest

from trama.agreements.models import PlanLine, SignedCopy
from trama.agreements.services import agreement as drafting
from trama.agreements.services import plan, signing
from trama.procedures.tests.reviewing import confirm

from .support_agreement import adopt, drafted, in_force, signed_copy, table_procedure

pytestmark = pytest.mark.django_db


def test_the_plan_is_for_the_table_and_takes_italian_amounts(personas, client_for):
    procedure = table_procedure(personas)
    url = f"/procedimenti/{procedure.pk}/tavolo/piano/"
    for user in (personas.oscar, None, personas.fiona):
        assert client_for(user).get(url).status_code == 404
    assert client_for(personas.alice).get(url).status_code == 200

    client = client_for(personas.tom)
    page = client.get(url)
    assert "art. 12" in page.content.decode()
    answer = client.post(
        f"{url}righe/",
        {
            "contributor": personas.coop.pk,
            "source": "OWN_RESOURCES",
            "category": "ECONOMIC",
            "year": 2026,
            "description": "Cofinanziamento",
            "amount": "12.500,50",
        },
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 200
    assert PlanLine.objects.get().amount == Decimal("12500.50")
    html = answer.content.decode()
    assert 'id="plan-totals"' in html and "12.500,50" in html
    assert 'data-testid="leverage-no-data"' in html  # no public contribution yet: no leverage

    # As an officer types the public contribution, the totals show the leverage it would give.
    preview = client_for(personas.alice).post(
        f"{url}anteprima/",
        {
            "contributor": personas.comune.pk,
            "source": "PUBLIC_OWNER",
            "category": "ECONOMIC",
            "year": 2026,
            "description": "Contributo",
            "amount": "25.001,00",
        },
        headers={"HX-Request": "true"},
    )
    html = preview.content.decode()
    assert 'data-testid="totals-preview"' in html and "50,0" in html  # 12.500,50 / 25.001,00
    assert PlanLine.objects.count() == 1


def test_a_grant_naming_its_own_body_as_funder_is_refused_on_the_page(personas, client_for):
    procedure = table_procedure(personas)
    answer = client_for(personas.tom).post(
        f"/procedimenti/{procedure.pk}/tavolo/piano/righe/",
        {
            "contributor": personas.coop.pk,
            "source": "FOUNDATION_GRANT",
            "category": "ECONOMIC",
            "year": 2026,
            "description": "Bando",
            "amount": "1.000,00",
            "funder": personas.foundation.pk,
        },
    )
    assert answer.status_code == 200 or answer.status_code == 302
    answer = client_for(personas.alice).post(
        f"/procedimenti/{procedure.pk}/tavolo/piano/righe/",
        {
            "contributor": personas.coop.pk,
            "source": "OWN_RESOURCES",
            "category": "ECONOMIC",
            "year": 2026,
            "description": "Per conto della coop",
            "amount": "1.000,00",
        },
    )
    assert answer.status_code == 400
    assert PlanLine.objects.filter(description="Per conto della coop").count() == 0


def test_the_rup_drafts_issues_and_the_parties_sign_on_the_page(personas, client_for):
    procedure = table_procedure(personas)
    adopt(personas, procedure)
    rup = client_for(personas.alice)
    answer = rup.post(
        f"/procedimenti/{procedure.pk}/tavolo/convenzione/",
        {"object": "Abitare", "starts_on": "2026-07-01", "ends_on": "2027-06-30"},
    )
    assert answer.status_code == 302
    agreement = procedure.agreement
    url = f"/convenzioni/{agreement.pk}/"
    assert client_for(personas.oscar).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404
    rup = client_for(personas.alice)  # one client: each persona signs in in turn
    answer = rup.post(f"{url}clausole/aggiungi/", {"title": "Foro", "text": "Lecco"})
    assert answer.status_code == 302 and agreement.clauses.get().title == "Foro"
    answer = rup.post(f"{url}rate/aggiungi/", {"kind": "ADVANCE", "amount": "1.000,00"})
    assert answer.status_code == 400  # no payee, no condition: the form says so
    unknown = rup.post(f"{url}parti/aggiungi/", {"tax_code": "12345678901", "role": "PARTNER"})
    assert unknown.status_code == 400 and agreement.parties.count() == 3

    agreement = drafted(personas, procedure)
    issued = confirm(rup, f"{url}emetti/", {"reason": ""})
    assert issued.status_code == 302
    version = signing.pending_version(agreement)
    assert version.number == 1

    tom = client_for(personas.tom)
    page = tom.get(url).content.decode()
    assert 'id="id_sign_file"' in page and 'data-testid="trust-note"' in page
    coop = agreement.parties.get(organization=personas.coop)
    refused = tom.post(
        f"{url}firma/",
        {"party": coop.pk, "file": signed_copy(version, "coop", content=b"%PDF-1.7 altro")},
    )
    assert refused.status_code == 400 and not SignedCopy.objects.exists()
    signed = tom.post(f"{url}firma/", {"party": coop.pk, "file": signed_copy(version, "coop")})
    assert signed.status_code == 302 and SignedCopy.objects.count() == 1
    kept = SignedCopy.objects.get()
    assert tom.get(f"{url}firme/{kept.pk}/").content[:1] == b"0"  # the DER envelope, as sent
    assert kept.signers[0]["tax_code"] == "SLAPLA80C01E507Z" and kept.signer_is_representative
    missing = client_for(personas.alice).get(url).content.decode()
    assert missing.count('data-testid="missing-signature"') == 2


def test_once_signed_the_version_in_force_is_public(personas, client_for):
    agreement = drafted(personas)
    version = signing.issue_agreement(agreement, personas.alice)
    url = f"/convenzioni/{agreement.pk}/"
    assert client_for(None).get(f"{url}versioni/1/pdf/").status_code == 404
    in_force(agreement, version)

    visitor = client_for(None)
    page = visitor.get(url)
    assert page.status_code == 200 and "Paolo Sala" in page.content.decode()
    # A representative's tax code is a person's: for the parties and the public body only.
    assert "SLAPLA80C01E507Z" not in page.content.decode()
    pdf = visitor.get(f"{url}versioni/1/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert visitor.get(f"{url}versioni/1/docx/").status_code == 404
    docx = client_for(personas.tom).get(f"{url}versioni/1/docx/")
    assert docx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(docx.content)) as reading_copy:
        text = reading_copy.read("word/document.xml").decode()
    assert "Paolo Sala" in text and "Riservatezza" in text
    assert "SLAPLA80C01E507Z" in client_for(personas.tom).get(url).content.decode()


def test_the_call_page_leads_to_the_plan_and_the_agreement(personas, client_for):
    procedure = table_procedure(personas)
    adopt(personas, procedure)
    call = procedure.get_absolute_url()

    page = client_for(personas.alice).get(call).content.decode()
    assert f"/procedimenti/{procedure.pk}/tavolo/piano/" in page
    assert f"/procedimenti/{procedure.pk}/tavolo/convenzione/" in page

    agreement = drafted(personas, procedure)
    assert f"/convenzioni/{agreement.pk}/" not in client_for(None).get(call).content.decode()
    assert f"/convenzioni/{agreement.pk}/" in client_for(personas.alice).get(call).content.decode()
    in_force(agreement, signing.issue_agreement(agreement, personas.alice))
    assert f"/convenzioni/{agreement.pk}/" in client_for(None).get(call).content.decode()


def test_the_pages_read_a_bounded_number_of_queries(
    personas, client_for, django_assert_max_num_queries
):
    agreement = drafted(personas)
    signing.issue_agreement(agreement, personas.alice)
    for n in range(6):  # more rows of every list than the bound could hide
        drafting.add_clause(agreement, by=personas.alice, title=f"Clausola {n}", text="Testo")
        drafting.add_indicator(agreement, by=personas.alice, name=f"Indicatore {n}", unit="n.")
        drafting.add_steering_member(
            agreement, by=personas.alice, organization=personas.coop, name=f"Membro {n}"
        )
        plan.add_plan_line(
            agreement.procedure,
            by=personas.tom,
            contributor=personas.coop,
            source="PRIVATE_DONATIONS",
            category="ECONOMIC",
            year=2027,
            description=f"Raccolta {n}",
            amount="100,00",
        )
    client = client_for(personas.alice)
    with django_assert_max_num_queries(AGREEMENT_PAGE_QUERIES):
        assert client.get(f"/convenzioni/{agreement.pk}/").status_code == 200
    with django_assert_max_num_queries(PLAN_PAGE_QUERIES):
        assert (
            client.get(f"/procedimenti/{agreement.procedure_id}/tavolo/piano/").status_code == 200
        )


# Session, user, the header, the access reads, then a fixed number per part of the page.
AGREEMENT_PAGE_QUERIES = 31
PLAN_PAGE_QUERIES = 16
