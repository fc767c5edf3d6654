"""The art. 26–27 list: rows against hand-computed ones, downloads, natural persons, bad input."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from trama.agreements.services import agreement as drafting
from trama.agreements.services import signing
from trama.agreements.tests.support_agreement import drafted, in_force, issue_with_pdf
from trama.conftest import make_org
from trama.opendata.transparency import art27
from trama.programs.services import create_program

from .support import association, at, many_agreements, quick_agreement, signed_by_services

PERSON_TAX_CODE = "RSSMRA80A01E507I"  # a natural person's codice fiscale


@pytest.fixture
def year_of_acts(personas, time_machine):
    """The Comune's acts, by hand:

    2026 — A (services, 1 Sep): consortium 20,000 + 30,000 = 50,000 (20,000 paid 1 Sep),
           coop 600;  B (5 Oct): coop 500, Alfa 1,000.00;  D (1 Nov, not published): Beta 7,000.
    2025 — C (10 Mar): coop 900, Beta 5,000.
    Listed for 2026: the consortium (50,000), the coop's two acts (600 + 500 = 1,100 > 1,000);
    not Alfa (1,000.00 is not more than 1,000), not Beta (unpublished). For 2025: Beta only.
    """
    a = signed_by_services(personas, time_machine)
    alfa = association(personas, "Associazione Alfa", 1)
    beta = association(personas, "Associazione Beta", 2)
    b = quick_agreement(
        personas,
        title="Servizi di prossimità",
        signed_at=at(2026, 10, 5),
        grants=[(personas.coop, "500.00"), (alfa, "1000.00")],
    )
    c = quick_agreement(
        personas,
        title="Doposcuola diffuso",
        signed_at=at(2025, 3, 10),
        grants=[(personas.coop, "900.00"), (beta, "5000.00")],
    )
    quick_agreement(
        personas,
        title="Orti sociali",
        signed_at=at(2026, 11, 1),
        grants=[(beta, "7000.00")],
        published=False,
    )
    time_machine.move_to(at(2026, 12, 1), tick=False)
    return {"a": a, "b": b, "c": c, "alfa": alfa, "beta": beta}


def _expected_2026(personas, acts):
    a, b = acts["a"], acts["b"]
    url = "http://testserver/convenzioni/{}/pubblica/"
    common = [
        "Art. 55 D.Lgs. 117/2017",
        "Servizi sociali",
        "Alice Rossi",
        "Avviso pubblico di co-progettazione",
    ]
    return [
        [
            "Consorzio Lario",
            "05260180137",
            "50000.00",
            *common,
            a.procedure.title,
            url.format(a.pk),
            "2026-09-01",
            "2026-09-01",
            "20000.00",
            "2026-09-01 20000.00 (Mandato 1187/2026)",
        ],
        [
            "Cooperativa Arcobaleno",
            "01590830137",
            "600.00",
            *common,
            a.procedure.title,
            url.format(a.pk),
            "2026-09-01",
            "2026-09-01",
            "0.00",
            "",
        ],
        [
            "Cooperativa Arcobaleno",
            "01590830137",
            "500.00",
            *common,
            "Servizi di prossimità",
            url.format(b.pk),
            "2026-10-05",
            "2026-10-05",
            "0.00",
            "",
        ],
    ]


LICENCE = "CC BY 4.0 https://creativecommons.org/licenses/by/4.0/"


def test_it_lists_beneficiaries_above_1000_euro_in_the_year_with_their_payments(
    personas, year_of_acts, client
):
    expected = _expected_2026(personas, year_of_acts)

    response = client.get(reverse("api-v1:art27_list", args=[personas.comune.slug, 2026]))

    data = response.json()
    assert response.status_code == 200
    assert data["count"] == 3 and data["message"] == ""
    assert data["license"]["name"] == "CC BY 4.0"
    assert [
        [
            r["beneficiary"],
            r["tax_code"],
            r["amount"],
            r["legal_basis"],
            r["office"],
            r["official"],
            r["selection_method"],
            r["project"],
            r["project_url"],
            r["act_date"],
            r["published_at"][:10],
            r["paid"],
            " | ".join(
                f"{p['paid_on']} {p['amount']} ({p['order_number']})" for p in r["payments"]
            ),
        ]
        for r in data["items"]
    ] == expected
    # 2025: Beta's 5,000 only; the coop's 900 stays under the threshold.
    older = client.get(reverse("api-v1:art27_list", args=[personas.comune.slug, 2025])).json()
    assert [(r["beneficiary"], r["amount"]) for r in older["items"]] == [
        ("Associazione Beta", "5000.00")
    ]
    years = client.get(reverse("api-v1:art27_years", args=[personas.comune.slug])).json()
    assert years["years"] == [2026, 2025]
    # The page: the same rows, amounts the Italian way.
    page = client.get(reverse("transparency:art27_year", args=[personas.comune.slug, "2026"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "50.000,00\xa0€" in html and "20.000,00\xa0€" in html and "Mandato 1187/2026" in html
    assert "Associazione Alfa" not in html and "Associazione Beta" not in html
    assert "CC BY 4.0" in html
    assert html.count('data-row="') == 3


def test_the_downloads_parse_back_to_the_same_rows(personas, year_of_acts, client):
    expected = _expected_2026(personas, year_of_acts)
    args = [personas.comune.slug, "2026"]

    as_csv = client.get(reverse("transparency:art27_export", args=[*args, "csv"]))
    as_xlsx = client.get(reverse("transparency:art27_export", args=[*args, "xlsx"]))
    as_json = client.get(reverse("transparency:art27_export", args=[*args, "json"]))

    assert as_csv.content.startswith("\ufeff".encode())  # accents right in a spreadsheet
    header, *rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert header[:3] == ["Beneficiario", "Codice fiscale", "Importo (€)"]
    assert header[-1] == "Licenza"
    assert [row[:-1] for row in rows] == expected
    assert {row[-1] for row in rows} == {LICENCE}
    assert 'rel="license"' in as_csv["Link"]

    workbook = load_workbook(io.BytesIO(b"".join(as_xlsx.streaming_content)))
    sheet, payments, notes = workbook.worksheets
    header, *cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    read = [
        [
            f"{Decimal(str(v)):.2f}"
            if i in art27.MONEY_COLUMNS
            else v.date().isoformat()
            if i in art27.DATE_COLUMNS
            else (v or "")
            for i, v in enumerate(r)
        ]
        for r in cells
    ]
    assert [row[:-1] for row in read] == expected
    # Dates are dates to a spreadsheet, and each payment has a row of its own.
    assert all(isinstance(r[9], datetime.datetime) for r in cells)
    _head, *paid = [list(r) for r in payments.iter_rows(values_only=True)]
    assert [[p[0], p[3].date().isoformat(), f"{Decimal(str(p[4])):.2f}", p[5]] for p in paid] == [
        ["Consorzio Lario", "2026-09-01", "20000.00", "Mandato 1187/2026"]
    ]
    assert LICENCE in [value for row in notes.iter_rows(values_only=True) for value in row]

    document = json.loads(as_json.content)
    assert document["license"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert document["threshold"] == "1000.00"
    assert [
        [r["beneficiary"], r["amount"], r["project_url"], r["act_date"], r["paid"]]
        for r in document["rows"]
    ] == [[e[0], e[2], e[8], e[9], e[11]] for e in expected]


def test_a_year_with_no_acts_is_an_empty_list_with_a_message(personas, client):
    create_program(
        by=personas.alice, owner=personas.comune, title="Percorso", start_year=2026, end_year=2027
    )
    quick_agreement(
        personas,
        title="Servizi di prossimità",
        signed_at=at(2026, 10, 5),
        grants=[(personas.coop, "5000.00")],
    )
    page = client.get(reverse("transparency:art27_year", args=[personas.comune.slug, "2019"]))
    api = client.get(reverse("api-v1:art27_list", args=[personas.comune.slug, 2019]))
    as_csv = client.get(
        reverse("transparency:art27_export", args=[personas.comune.slug, "2019", "csv"])
    )

    assert page.status_code == 200
    assert "Nessun vantaggio economico sopra 1.000,00\xa0€" in page.content.decode()
    assert api.status_code == 200 and api.json()["items"] == []
    assert "non è stato attribuito alcun vantaggio economico" in api.json()["message"]
    assert len(list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))) == 1


def test_bad_bodies_and_years_are_explained_404s(personas, client):
    for slug, year, said in (
        ("nessuno", "2026", "Nessun ente ha il nome breve"),
        (personas.consortium.slug, "2026", "non è un ente pubblico"),
        (personas.comune.slug, "20x6", "non è un anno valido"),
        (personas.comune.slug, "1800", "non è un anno valido"),
    ):
        for url in (
            reverse("transparency:art27_year", args=[slug, year]),
            reverse("transparency:art27_export", args=[slug, year, "csv"]),
        ):
            response = client.get(url)
            assert response.status_code == 404, url
            assert said in response.content.decode(), url
    response = client.get(
        reverse("transparency:art27_export", args=[personas.comune.slug, "2026", "pdf"])
    )
    assert response.status_code == 404 and "CSV, XLSX o JSON" in response.content.decode()


def test_the_api_refuses_a_bad_year_and_explains_a_body_that_is_not_public(personas, client):
    assert client.get("/api/v1/transparency/comune-di-lecco/art27/1800").status_code == 422
    response = client.get(f"/api/v1/transparency/{personas.consortium.slug}/art27/2026")
    assert response.status_code == 404
    assert "non è un ente pubblico" in response.json()["error"]["message"]


def test_a_natural_person_never_receives_public_money_so_never_reaches_the_list(
    personas, time_machine, client
):
    person = make_org(
        "Mario Rossi ditta individuale",
        by=personas.oscar,
        kind="OTHER",
        tax_code=PERSON_TAX_CODE,
    )
    time_machine.move_to(at(2026, 9, 1), tick=False)
    draft = drafted(personas)
    party = drafting.add_party(draft, by=personas.alice, organization=person)

    with pytest.raises(ValidationError) as refused:
        drafting.update_party(party, by=personas.alice, receives_public_money=True)
    [error] = refused.value.error_dict["receives_public_money"]
    assert error.code == "natural_person"
    assert "persona fisica" in error.messages[0] and "art. 26 c. 4" in error.messages[0]
    with pytest.raises(ValidationError) as refused:
        drafting.add_tranche(
            draft,
            by=personas.alice,
            kind="ADVANCE",
            payee=person,
            amount=Decimal("5000"),
            due_on=at(2026, 9, 1).date(),
        )
    assert refused.value.error_dict["payee"][0].code == "natural_person"
    party.refresh_from_db()
    assert not party.receives_public_money and not draft.tranches.filter(payee=person).exists()

    # Rows written around the services (data from before the rule) are left out all the same.
    quick_agreement(
        personas,
        title="Sostegno al reddito",
        signed_at=at(2026, 10, 5),
        grants=[(person, "5000.00"), (personas.consortium, "2000.00")],
    )
    html = client.get(
        reverse("transparency:art27_year", args=[personas.comune.slug, "2026"])
    ).content.decode()
    assert "Consorzio Lario" in html
    assert "Mario Rossi" not in html and PERSON_TAX_CODE not in html
    download = client.get(
        reverse("transparency:art27_export", args=[personas.comune.slug, "2026", "json"])
    )
    assert PERSON_TAX_CODE not in download.content.decode()


def test_publishing_needs_the_beneficiarys_tax_code(personas, time_machine):
    time_machine.move_to(at(2026, 9, 1), tick=False)
    agreement = drafted(personas)
    version = issue_with_pdf(agreement, personas.alice)
    in_force(agreement, version)
    type(personas.consortium).objects.filter(pk=personas.consortium.pk).update(tax_code=None)
    party = agreement.parties.get(organization=personas.consortium)

    with pytest.raises(ValidationError) as refused:
        signing.mark_published(party, by=personas.alice)

    assert refused.value.code == "no_tax_code"
    assert "codice fiscale" in refused.value.messages[0]


def test_the_list_pages_read_a_bounded_number_of_queries(
    personas, client, django_assert_max_num_queries
):
    create_program(
        by=personas.alice, owner=personas.comune, title="Percorso", start_year=2026, end_year=2027
    )
    many_agreements(personas, 63, payees=[personas.coop])
    url = reverse("transparency:art27_year", args=[personas.comune.slug, "2026"])

    with django_assert_max_num_queries(12):
        page = client.get(url)
    with django_assert_max_num_queries(12):
        second = client.get(url, {"page": 2})
    with django_assert_max_num_queries(10):
        api = client.get(reverse("api-v1:art27_list", args=[personas.comune.slug, 2026]))

    assert page.content.decode().count('data-row="') == 50
    assert second.content.decode().count('data-row="') == 13
    assert api.json()["count"] == 63 and len(api.json()["items"]) == 63


def test_the_xlsx_keeps_any_text_as_text():
    """Rows written straight into the sheet's XML: markup characters, a leading "=" and
    spaces arrive as typed (never a formula), characters XML can't carry are dropped."""
    payment = art27.PaymentRow(datetime.date(2026, 3, 2), Decimal("1500.50"), "M <1> & 2")
    row = art27.Row(
        party_id=1,
        agreement_id=7,
        beneficiary="=SUM(A1:A2) & <Coop>",
        tax_code="01590830137",
        amount=Decimal("1234567.89"),
        legal_basis="  Art. 55  ",
        office="Ufficio\x07 sociale",
        official="Alice",
        selection_method="Avviso",
        project="Casa & lavoro",
        project_url="/convenzioni/7/pubblica/",
        act_date=datetime.date(2026, 2, 1),
        published_at=datetime.datetime(2026, 2, 3, 9, 0, tzinfo=datetime.UTC),
        payments=[payment],
    )
    out = art27.to_xlsx(
        [row], lambda path: "https://trama.example" + path, title="Elenco", notes=[("Anno", "2026")]
    )
    workbook = load_workbook(io.BytesIO(out.read()))
    sheet, payments, notes = workbook.worksheets
    _header, cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0] == "=SUM(A1:A2) & <Coop>" and sheet["A2"].data_type == "s"
    assert cells[2] == 1234567.89 and sheet["C2"].number_format == "#,##0.00"
    assert cells[3] == "  Art. 55  " and cells[4] == "Ufficio sociale"
    assert cells[8] == "https://trama.example/convenzioni/7/pubblica/"
    assert cells[9] == datetime.datetime(2026, 2, 1) and sheet["J2"].number_format == "dd/mm/yyyy"
    _head, paid = [list(r) for r in payments.iter_rows(values_only=True)]
    assert paid == [
        "=SUM(A1:A2) & <Coop>",
        "01590830137",
        "Casa & lavoro",
        datetime.datetime(2026, 3, 2),
        1500.5,
        "M <1> & 2",
    ]
    assert list(notes.iter_rows(values_only=True)) == [("Anno", "2026")]
    assert sheet.dimensions == "A1:N2" and payments.dimensions == "A1:F2"
