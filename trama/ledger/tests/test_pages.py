"""The ledger's pages for each persona: who sees and does what, bad input, bounded queries.

alice administers the verified Comune di Lecco, which owns the program, and eve is a member
there; tom administers the consortium and the coop, where pat is a member; fiona
administers the foundation; oscar belongs to nothing. Wording is not asserted (the Italian
catalogue comes later): pages are checked through numbers, links, statuses and data-*
markers.
"""

import datetime
import hashlib
import io
import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from stdnum import luhn

from trama.audit.models import AuditEvent
from trama.conftest import make_org
from trama.ledger import services
from trama.ledger.figures import Scope, compute_figures
from trama.ledger.models import (
    Evidence,
    FunderConfirmation,
    LedgerEntry,
    LedgerTotal,
    Level,
    ReferenceRate,
    Verification,
)
from trama.organizations.models import Organization
from trama.programs.models import Program
from trama.programs.services import create_program

pytestmark = pytest.mark.django_db
D = Decimal
ANONYMOUS = None

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
CSV = "anno;importo\n2017;1500,00 €\n".encode("cp1252")  # Excel on Windows
# The start of a DER-encoded CAdES envelope: SEQUENCE, then the signedData OID.
P7M = bytes.fromhex("308006092a864886f70d010702a0803080020101") + b"\x00" * 32


def _xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["anno", "importo"])
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"


def url(name, program, *args):
    return reverse(f"ledger:{name}", args=[program.slug, *args])


def body(response) -> str:
    return unescape(response.content.decode())


def record(program, by, contributor, source="OWN_RESOURCES", amount="100.00", **extra):
    return services.record_entry(
        by=by,
        program=program,
        kind=extra.pop("kind", "ACTUAL"),
        category=extra.pop("category", "ECONOMIC"),
        source=source,
        contributor=contributor,
        year=extra.pop("year", 2017),
        amount=amount,
        **extra,
    )


def nothing_saved():
    return (
        not LedgerEntry.objects.exists()
        and not Evidence.objects.exists()
        and not LedgerTotal.objects.exists()
    )


@pytest.fixture
def populated(personas, program, educator_rate):
    """The hand-computed example of test_figures: P = 1000, A = 875 accepted (87.5 %)."""
    p = personas
    record(program, p.alice, p.comune, "PUBLIC_OWNER", "1000.00")
    own = record(program, p.tom, p.consortium, "OWN_RESOURCES", "150.00")
    hours = services.record_entry(
        by=p.tom,
        program=program,
        kind="ACTUAL",
        category="PROFESSIONAL",
        source="OWN_RESOURCES",
        contributor=p.coop,
        year=2018,
        quantity="10",
        rate=educator_rate,
    )
    grant = record(
        program,
        p.tom,
        p.coop,
        "FOUNDATION_GRANT",
        "500.00",
        funder=p.foundation,
        grant_reference="Bando Welfare 2017",
    )
    for entry in (own, hours, grant):
        services.verify_entry(entry, by=p.alice, accept=True)
    pending = record(program, p.tom, p.consortium, "OWN_RESOURCES", "70.00")
    pledge = record(program, p.tom, p.consortium, "OWN_RESOURCES", "2000.00", kind="PLEDGE")
    return {"own": own, "hours": hours, "grant": grant, "pending": pending, "pledge": pledge}


def tax_code(i: int) -> str:
    base = f"0{i + 200000:06d}013"
    return base + luhn.calc_check_digit(base)


def numbered_orgs(count, by, prefix="Associazione"):
    return [make_org(f"{prefix} {i:02d}", by=by, tax_code=tax_code(i)) for i in range(count)]


# --- dashboards -----------------------------------------------------------------------------


def test_an_empty_program_shows_no_data_not_zero_percent(program, client):
    response = client.get(program.get_absolute_url())
    assert response.status_code == 200
    page = body(response)
    assert 'data-figures="empty"' in page
    assert 'data-figure="leverage"' not in page and "0,0 %" not in page


def test_the_dashboard_shows_the_leverage_on_accepted_actuals(personas, program, populated, client):
    page = body(client.get(program.get_absolute_url()))
    figure = re.search(r'data-figure="leverage".*?</div>', page, re.S).group(0)
    assert "87,5\xa0%" in figure
    assert "×\xa01,88" in re.search(r'data-figure="multiplier".*?</div>', page, re.S).group(0)
    assert "1.000,00\xa0€" in re.search(r'data-figure="public".*?</div>', page, re.S).group(0)
    assert "875,00\xa0€" in re.search(r'data-figure="additional".*?</div>', page, re.S).group(0)
    states = re.search(r'data-table="states".*?</table>', page, re.S).group(0)
    assert "70,00\xa0€" in states  # pending
    assert "2.000,00\xa0€" in states  # pledged
    # Each figure leads to its entries.
    entries = url("entries", program)
    assert f"{entries}?kind=ACTUAL&amp;measure=accepted&amp;source=FOUNDATION_GRANT" in (
        response_text := client.get(program.get_absolute_url()).content.decode()
    )
    assert f"{entries}?kind=ACTUAL&amp;measure=accepted&amp;year=2018" in response_text
    assert (
        f"{entries}?kind=ACTUAL&amp;measure=accepted&amp;source=ADDITIONAL&amp;contributor={personas.coop.pk}"
        in response_text
    )
    assert f"{entries}?kind=ACTUAL&amp;measure=pending" in response_text
    # Charts come with their tables.
    for table in ("years", "sources", "categories", "contributors"):
        assert f'data-table="{table}"' in page
    assert page.count("<caption") >= 5


def test_the_pledge_basis_is_labelled_and_never_mixed(personas, program, populated, client):
    page = body(client.get(program.get_absolute_url(), {"basis": "pledged"}))
    assert 'data-figures="PLEDGED"' in page
    additional = re.search(r'data-figure="additional".*?</div>', page, re.S).group(0)
    assert "2.000,00\xa0€" in additional
    # No public money was pledged: the leverage cannot be computed, it is not 0 %.
    leverage = re.search(r'data-figure="leverage".*?</div>', page, re.S).group(0)
    assert "%" not in leverage.split("</dt>")[1].split("</dd>")[0]
    assert (
        "kind=PLEDGE&amp;source=OWN_RESOURCES"
        in client.get(program.get_absolute_url(), {"basis": "pledged"}).content.decode()
    )


def test_the_year_range_narrows_the_figures_and_their_links(personas, program, populated, client):
    response = client.get(program.get_absolute_url(), {"year_from": 2018, "year_to": 2018})
    page = body(response)
    assert "225,00\xa0€" in re.search(r'data-figure="additional".*?</div>', page, re.S).group(0)
    assert 'data-year="2017"' not in page
    assert "year_from=2018&amp;year_to=2018" in response.content.decode()


def test_malformed_or_inverted_years_are_refused_with_a_message(program, populated, client):
    for years in ({"year_from": "abc"}, {"year_from": 2019, "year_to": 2017}):
        response = client.get(program.get_absolute_url(), years)
        page = body(response)
        # Refused, said beside the form, and no figures for other years than the ones asked.
        assert response.status_code == 400, years
        assert 'data-refused="years"' in page and 'aria-invalid="true"' in page
        assert "data-figures=" not in page
    inverted = body(client.get(program.get_absolute_url(), {"year_from": 2019, "year_to": 2017}))
    assert "2017" in inverted.split('data-refused="years"')[1].split("</div>")[0]
    org = reverse("ledger:organization", args=[program.owner.slug])
    refused = client.get(org, {"year_from": 2019, "year_to": 2017})
    assert refused.status_code == 400 and "data-figures=" not in body(refused)


def test_every_drill_down_adds_up_to_its_figure(personas, program, populated, client):
    """Follow each source's link: the entries listed add up to the figure, reversals too."""
    services.reverse_entry(populated["own"], by=personas.tom, reason="Registrato due volte")
    figures = compute_figures(Scope(Level.PROGRAM, program.pk))
    page = client.get(program.get_absolute_url()).content.decode()
    sources = re.search(r'data-table="sources".*?</table>', page, re.S).group(0)
    links = re.findall(r'data-source="(\w+)".*?href="([^"]+)"', sources, re.S)
    assert {source for source, _link in links} == set(figures.by_source)
    for source, link in links:
        listed = body(client.get(unescape(link)))
        total = re.search(r'data-total="([-\d.]+)"', listed).group(1)
        assert D(total) == figures.by_source[source], source


def test_the_dashboard_keeps_its_queries_bounded_with_many_contributors(
    personas, program, client, django_assert_max_num_queries
):
    record(program, personas.alice, personas.comune, "PUBLIC_OWNER", "100000.00")
    for i, org in enumerate(numbered_orgs(25, personas.oscar)):
        record(program, personas.alice, org, "OWN_RESOURCES", f"{100 + i}.00", year=2016 + i % 5)
    with django_assert_max_num_queries(12):
        response = client.get(program.get_absolute_url())
    page = body(response)
    assert page.count('data-contributor="') == 21  # the top 20 and the others
    assert 'data-contributor="others"' in page


def test_the_organisation_pages_show_what_it_brought_and_its_programs(
    personas, program, populated, client
):
    coop = body(client.get(reverse("ledger:organization", args=[personas.coop.slug])))
    assert "725,00\xa0€" in re.search(r'data-figure="additional".*?</div>', coop, re.S).group(0)
    assert f'data-program="{program.slug}"' in coop
    assert f"contributor={personas.coop.pk}" in coop
    comune = body(client.get(reverse("ledger:organization", args=[personas.comune.slug])))
    assert program.get_absolute_url() in comune
    assert "87,5\xa0%" in comune
    assert client.get(reverse("ledger:organization", args=["nessuno"])).status_code == 404


# --- entry list -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"kind": "PLEDGE"}, {"pledge"}),
        ({"source": "FOUNDATION_GRANT"}, {"grant"}),
        ({"category": "PROFESSIONAL"}, {"hours"}),
        ({"year": "2018"}, {"hours"}),
        ({"state": "pending"}, {"pending"}),
        ({"state": "accepted", "source": "ADDITIONAL"}, {"own", "hours", "grant"}),
        ({"contributor": "coop"}, {"hours", "grant"}),
    ],
)
def test_the_entry_list_filters(personas, program, populated, client, filters, expected):
    if filters.get("contributor"):
        filters["contributor"] = getattr(personas, filters["contributor"]).pk
    response = client.get(url("entries", program), filters)
    assert response.status_code == 200
    listed = {int(pk) for pk in re.findall(r'<tr data-entry="(\d+)"', response.content.decode())}
    assert listed == {populated[name].pk for name in expected}


def test_the_export_links_carry_the_filters(program, populated, client):
    page = client.get(url("entries", program), {"source": "OWN_RESOURCES", "year": "2017"})
    text = page.content.decode()
    for fmt in ("csv", "xlsx"):
        export = reverse("ledger:entries_export", args=[program.slug, fmt])
        assert f'href="{export}?source=OWN_RESOURCES&amp;year=2017"' in text


def test_a_state_shows_rejections_and_disputes(personas, program, populated, client):
    services.verify_entry(populated["pending"], by=personas.alice, accept=False, reason="No")
    services.confirm_grant(populated["grant"], by=personas.fiona, confirmed=False, reason="No")
    rejected = client.get(url("entries", program), {"state": "rejected"}).content.decode()
    assert re.findall(r'<tr data-entry="(\d+)"', rejected) == [str(populated["pending"].pk)]
    disputed = client.get(url("entries", program), {"state": "disputed"}).content.decode()
    assert re.findall(r'<tr data-entry="(\d+)"', disputed) == [str(populated["grant"].pk)]
    assert 'data-state="DISPUTED"' in disputed


def test_the_entry_list_pages_by_fifty_with_bounded_queries(
    personas, program, client, django_assert_max_num_queries
):
    for i in range(60):
        record(program, personas.tom, personas.coop, amount=f"{i + 1}.00")
    with django_assert_max_num_queries(10):
        first = client.get(url("entries", program), {"kind": "ACTUAL"})
    with django_assert_max_num_queries(10):
        second = client.get(url("entries", program), {"kind": "ACTUAL", "page": 2})
    assert first.content.decode().count("<tr data-entry=") == 50
    assert second.content.decode().count("<tr data-entry=") == 10
    assert "kind=ACTUAL&amp;page=2" in first.content.decode()


def test_malformed_filters_are_ignored_not_fatal(program, populated, client):
    response = client.get(url("entries", program), {"year": "dieci", "kind": "PLEDGE", "page": "x"})
    assert response.status_code == 200
    listed = re.findall(r'<tr data-entry="(\d+)"', response.content.decode())
    assert listed == [str(populated["pledge"].pk)]


# --- recording ------------------------------------------------------------------------------


def entry_data(**overrides):
    data = {
        "kind": "ACTUAL",
        "category": "ECONOMIC",
        "source": "OWN_RESOURCES",
        "year": "2017",
        "valuation": "MONEY",
        "amount": "1500,00",
        "description": "Coordinamento della rete",
    }
    return {**data, **overrides}


def contributor_options(page: str) -> set[int]:
    select = re.search(r'<select name="contributor".*?</select>', page, re.S).group(0)
    return {int(pk) for pk in re.findall(r'value="(\d+)"', select)}


@pytest.mark.parametrize("who, status", [(None, 302), ("oscar", 403)])
def test_only_members_of_an_organisation_record(personas, program, client_for, who, status):
    client = client_for(getattr(personas, who) if who else None)
    assert client.get(url("entry_create", program)).status_code == status
    response = client.post(url("entry_create", program), entry_data(contributor=personas.coop.pk))
    assert response.status_code == status
    assert nothing_saved()


def test_a_partner_records_for_its_own_bodies_and_the_owner_for_anyone(
    personas, program, client_for
):
    p = personas
    tom = body(client_for(p.tom).get(url("entry_create", program)))
    assert contributor_options(tom) == {p.consortium.pk, p.coop.pk}
    pat = body(client_for(p.pat).get(url("entry_create", program)))
    assert contributor_options(pat) == {p.coop.pk}
    eve = body(client_for(p.eve).get(url("entry_create", program)))
    assert {p.comune.pk, p.coop.pk, p.consortium.pk, p.foundation.pk} <= contributor_options(eve)


def test_tom_records_an_actual_that_waits_for_verification(personas, program, client_for):
    client = client_for(personas.tom)
    response = client.post(url("entry_create", program), entry_data(contributor=personas.coop.pk))
    entry = LedgerEntry.objects.get()
    assert response["Location"] == url("entry", program, entry.pk)
    assert entry.amount == D("1500.00") and entry.contributor == personas.coop
    assert entry.verifications.get().status == Verification.Status.PENDING
    assert 'data-state="PENDING"' in body(client.get(response["Location"]))


def test_an_in_kind_pledge_is_valued_with_the_reference_rate(
    personas, program, educator_rate, client_for
):
    response = client_for(personas.tom).post(
        url("entry_create", program),
        entry_data(
            kind="PLEDGE",
            category="PROFESSIONAL",
            contributor=personas.coop.pk,
            valuation="IN_KIND",
            amount="999",  # ignored: the value is quantity × rate
            quantity="120",
            rate=educator_rate.pk,
        ),
    )
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert entry.amount == D("2700.00") and entry.unit == "HOUR"
    assert entry.unit_value == D("22.50") and entry.rate == educator_rate
    assert "Educatore" in entry.valuation_note


def test_tom_cannot_record_for_the_comune(personas, program, client_for):
    response = client_for(personas.tom).post(
        url("entry_create", program),
        entry_data(contributor=personas.comune.pk, source="PUBLIC_OWNER"),
    )
    assert response.status_code == 400
    assert nothing_saved()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "10,005"}, "amount"),
        ({"amount": ""}, "amount"),
        ({"source": "FOUNDATION_GRANT", "grant_reference": "Bando 2017"}, "funder"),
        ({"valuation": "IN_KIND", "unit": "HOUR", "unit_value": "20"}, "quantity"),
        ({"valuation": "IN_KIND", "quantity": "10", "unit": "HOUR"}, "unit_value"),
        ({"year": "2030"}, "year"),
        ({"source": "PUBLIC_OWNER"}, "source"),
    ],
)
def test_bad_input_is_refused_with_400_and_nothing_saved(
    personas, program, client_for, overrides, field
):
    response = client_for(personas.tom).post(
        url("entry_create", program), entry_data(contributor=personas.coop.pk, **overrides)
    )
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert nothing_saved()


def test_a_rate_not_valid_in_the_year_is_refused(personas, program, client_for):
    rate = ReferenceRate.objects.create(
        name="OSS",
        unit="HOUR",
        value="19.00",
        valid_from=datetime.date(2019, 1, 1),
        source_note="CCNL",
    )
    response = client_for(personas.tom).post(
        url("entry_create", program),
        entry_data(contributor=personas.coop.pk, valuation="IN_KIND", quantity="5", rate=rate.pk),
    )
    assert response.status_code == 400
    assert 'id="id_rate_error"' in response.content.decode()
    assert nothing_saved()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    "name, content",
    [
        ("ricevuta.pdf", PNG),  # a PNG that claims to be a PDF
        ("foto.png", PDF),
        ("foto.jpg", PNG),
        ("tabella.xlsx", b"PK\x03\x04" + b"\x00" * 40),  # a zip, not a workbook
        ("tabella.csv", PNG),
        ("firmato.p7m", PDF),
        ("programma.exe", b"MZ\x90\x00"),
        ("vuoto.pdf", b""),
    ],
)
def test_evidence_that_is_not_what_it_claims_is_refused(
    personas, program, client_for, name, content
):
    response = client_for(personas.tom).post(
        url("entry_create", program),
        entry_data(contributor=personas.coop.pk, evidence=upload(name, content)),
    )
    assert response.status_code == 400
    assert 'id="id_evidence_error"' in response.content.decode()
    assert nothing_saved()


def test_evidence_over_ten_megabytes_is_refused(personas, program, client_for):
    big = PDF + b"0" * (10 * 1024 * 1024)
    response = client_for(personas.tom).post(
        url("entry_create", program),
        entry_data(contributor=personas.coop.pk, evidence=upload("grande.pdf", big)),
    )
    assert response.status_code == 400
    assert nothing_saved()


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("Ricevuta marzo.PDF", PDF, "application/pdf"),
        ("foto.png", PNG, "image/png"),
        ("foto.jpeg", JPEG, "image/jpeg"),
        ("ore.xlsx", None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("ore.csv", CSV, "text/csv"),
        ("convenzione.pdf.p7m", P7M, "application/pkcs7-mime"),
    ],
)
def test_evidence_is_stored_with_its_hash(
    personas, program, client_for, name, content, content_type
):
    content = content if content is not None else _xlsx()
    response = client_for(personas.tom).post(
        url("entry_create", program),
        entry_data(contributor=personas.coop.pk, evidence=upload(name, content)),
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.name == name and evidence.content_type == content_type
    assert evidence.size == len(content)
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert name not in evidence.file.name  # stored under a random name
    assert evidence.uploaded_by == personas.tom


def test_entry_and_evidence_are_saved_together_or_not_at_all(
    personas, program, client_for, monkeypatch
):
    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Evidence, "save", broken)
    with pytest.raises(OSError):
        client_for(personas.tom).post(
            url("entry_create", program),
            entry_data(contributor=personas.coop.pk, evidence=upload("r.pdf", PDF)),
        )
    assert not LedgerEntry.objects.exists() and not LedgerTotal.objects.exists()


# --- entry detail and evidence --------------------------------------------------------------


@pytest.fixture
def with_evidence(personas, program, client_for):
    client_for(personas.tom).post(
        url("entry_create", program),
        entry_data(
            contributor=personas.coop.pk,
            source="FOUNDATION_GRANT",
            funder=personas.foundation.pk,
            grant_reference="Bando 2017 n. 12",
            evidence=upload("decreto.pdf", PDF),
        ),
    )
    return Evidence.objects.select_related("entry").get()


@pytest.mark.parametrize(
    "who, sees",
    [
        (None, False),
        ("oscar", False),
        ("eve", True),
        ("alice", True),
        ("tom", True),
        ("pat", True),
        ("fiona", True),
    ],
)
def test_evidence_is_seen_only_by_contributor_owner_and_funder(
    personas, program, with_evidence, client_for, who, sees
):
    client = client_for(getattr(personas, who) if who else None)
    entry = with_evidence.entry
    detail = client.get(url("entry", program, entry.pk))
    assert detail.status_code == 200
    assert "Bando 2017 n. 12" in body(detail)
    download = url("evidence", program, entry.pk, with_evidence.pk)
    assert (download in body(detail)) is sees
    response = client.get(download)
    assert response.status_code == (200 if sees else 404)
    if sees:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/pdf"


def test_evidence_of_another_entry_is_not_served(personas, program, with_evidence, client_for):
    other = record(program, personas.tom, personas.coop)
    response = client_for(personas.tom).get(url("evidence", program, other.pk, with_evidence.pk))
    assert response.status_code == 404


def test_an_entry_of_another_program_is_not_found(personas, program, populated, client):
    other = create_program(
        by=personas.alice, owner=personas.comune, title="Altro", start_year=2016, end_year=2020
    )
    assert client.get(url("entry", other, populated["own"].pk)).status_code == 404


@pytest.mark.parametrize(
    "who, actions",
    [
        (None, set()),
        ("oscar", set()),
        ("pat", {"reverse"}),
        ("alice", {"accept", "reject", "reverse"}),
        ("fiona", {"confirm", "dispute"}),
    ],
)
def test_the_detail_offers_each_persona_only_its_acts(personas, program, client_for, who, actions):
    grant = record(
        program, personas.tom, personas.coop, "FOUNDATION_GRANT", funder=personas.foundation
    )
    page = client_for(getattr(personas, who) if who else None).get(url("entry", program, grant.pk))
    offered = set(re.findall(r'data-action="(\w+)"', page.content.decode()))
    assert offered == actions


def test_the_detail_shows_the_valuation_and_the_history(personas, program, populated, client):
    services.confirm_grant(populated["grant"], by=personas.fiona, confirmed=False, reason="No")
    hours = body(client.get(url("entry", program, populated["hours"].pk)))
    assert "10 " in hours and "22,50\xa0€" in hours and "Educatore" in hours
    assert 'data-status="PENDING"' in hours and 'data-status="ACCEPTED"' in hours
    grant = body(client.get(url("entry", program, populated["grant"].pk)))
    assert 'data-status="DISPUTED"' in grant and 'data-state="DISPUTED"' in grant


# --- reversing, verifying, confirming: each behind a review step ------------------------


def review(client, act_url, **query):
    """The review page of an act (GET): what it shows, and its one-time token."""
    page = client.get(act_url, query)
    html = body(page)
    token = re.search(r'name="review_token" value="([^"]+)"', html)
    return page, html, token.group(1) if token else None


def act(client, act_url, data=None, **query):
    """Open the review page and press its confirm button, as a person does."""
    _page, _html, token = review(client, act_url, **query)
    target = act_url + ("?" + urlencode(query, doseq=True) if query else "")
    return client.post(target, {"review_token": token, **(data or {})})


def test_tom_reverses_an_entry_with_a_reason(personas, program, populated, client_for):
    client = client_for(personas.tom)
    entry = populated["own"]
    response = act(client, url("entry_reverse", program, entry.pk), {"reason": "Doppione"})
    reversal = LedgerEntry.objects.get(reverses=entry)
    assert response["Location"] == url("entry", program, reversal.pk)
    assert reversal.reason == "Doppione" and reversal.recorded_by == personas.tom
    original = body(client.get(url("entry", program, entry.pk)))
    assert f'data-reversed-by="{reversal.pk}"' in original
    assert 'data-action="reverse"' not in original
    assert f'data-reverses="{entry.pk}"' in body(client.get(response["Location"]))
    again = act(client, url("entry_reverse", program, entry.pk), {"reason": "Ancora"})
    assert again.status_code == 302 and LedgerEntry.objects.filter(reverses=entry).count() == 1


def test_a_reversal_needs_a_reason_and_keeps_the_page(personas, program, populated, client_for):
    entry = populated["own"]
    client = client_for(personas.tom)
    response = act(client, url("entry_reverse", program, entry.pk), {"reason": "  "})
    assert response.status_code == 400 and 'name="review_token"' in body(response)
    assert not LedgerEntry.objects.filter(reverses=entry).exists()


@pytest.mark.parametrize("who, status", [(None, 302), ("oscar", 403), ("fiona", 403)])
def test_others_cannot_reverse(personas, program, populated, client_for, who, status):
    entry = populated["own"]
    client = client_for(getattr(personas, who) if who else None)
    assert client.get(url("entry_reverse", program, entry.pk)).status_code == status
    response = client.post(url("entry_reverse", program, entry.pk), {"reason": "x"})
    assert response.status_code == status
    assert not LedgerEntry.objects.filter(reverses=entry).exists()


@pytest.mark.parametrize(
    "who, status", [(None, 302), ("oscar", 403), ("tom", 403), ("pat", 403), ("fiona", 403)]
)
def test_only_the_owner_verifies(personas, program, populated, client_for, who, status):
    entry = populated["pending"]
    client = client_for(getattr(personas, who) if who else None)
    assert client.get(url("entry_verify", program, entry.pk)).status_code == status
    response = client.post(url("entry_verify", program, entry.pk), {"decision": "accept"})
    assert response.status_code == status
    assert entry.verifications.count() == 1


# (act url name, query, data, who, what the act changes)
SINGLE_ACTS = {
    "accept": ("entry_verify", {"decision": "accept"}, {}, "eve"),
    "reject": ("entry_verify", {"decision": "reject"}, {"reason": "Manca la fattura"}, "alice"),
    "confirm": ("entry_confirm", {"decision": "confirm"}, {}, "fiona"),
    "dispute": ("entry_confirm", {"decision": "dispute"}, {"reason": "Importo diverso"}, "fiona"),
    "reverse": ("entry_reverse", {}, {"reason": "Doppione"}, "tom"),
}


def _events(entry):
    return (
        entry.verifications.count(),
        entry.confirmations.count(),
        LedgerEntry.objects.filter(reverses=entry).count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("name", SINGLE_ACTS)
def test_each_act_shows_a_review_then_acts_once(personas, program, populated, client_for, name):
    view, query, data, who = SINGLE_ACTS[name]
    entry = populated["grant"] if view == "entry_confirm" else populated["pending"]
    client = client_for(getattr(personas, who))
    act_url = url(view, program, entry.pk)
    before = _events(entry)
    page, html, token = review(client, act_url, **query)
    # The review changes nothing: it says what will happen and that it can't be undone.
    assert page.status_code == 200 and token
    assert 'data-testid="review-consequences"' in html and "non si può annullare" in html
    assert f'data-review-entry="{entry.pk}"' in html
    assert _events(entry) == before
    # Cancel comes before the confirm button; a destructive act has a red one.
    assert html.index("Torna indietro senza procedere") < html.index('data-testid="review-confirm"')
    assert ("btn-danger" in html) == (name in {"reject", "dispute", "reverse"})
    target = f"{act_url}?{urlencode(query)}" if query else act_url
    first = client.post(target, {"review_token": token, **data})
    assert first.status_code == 302
    after = _events(entry)
    assert after != before and after[3] == before[3] + 1  # one act, one audit event
    # The second click of a double click (the same token) does nothing.
    second = client.post(target, {"review_token": token, **data})
    assert second.status_code == 302 and _events(entry) == after


def test_eve_accepts_and_the_figures_change(personas, program, populated, client_for):
    client = client_for(personas.eve)
    entry = populated["pending"]
    response = act(client, url("entry_verify", program, entry.pk), decision="accept")
    assert response["Location"] == url("entry", program, entry.pk)
    assert entry.verifications.order_by("-pk").first().status == "ACCEPTED"
    assert compute_figures(Scope(Level.PROGRAM, program.pk)).additional == D("945.00")


def test_a_rejection_without_a_reason_is_refused(personas, program, populated, client_for):
    client = client_for(personas.alice)
    entry = populated["pending"]
    response = act(client, url("entry_verify", program, entry.pk), decision="reject")
    assert response.status_code == 400 and 'aria-invalid="true"' in body(response)
    assert entry.verifications.count() == 1


def test_a_second_verification_is_told_it_came_late(personas, program, populated, client_for):
    entry = populated["pending"]
    client = client_for(personas.eve)
    queue = url("queue", program)
    act_url = url("entry_verify", program, entry.pk)
    _page, _html, token = review(client, act_url, decision="accept", next=queue)
    # alice decides first, while eve reads the review page.
    services.verify_entry(entry, by=personas.alice, accept=False, reason="Manca la fattura")
    late = client.post(
        f"{act_url}?{urlencode({'decision': 'accept', 'next': queue})}",
        {"review_token": token},
        follow=True,
    )
    assert late.redirect_chain == [(queue, 302)]
    assert 'class="alert alert-danger"' in late.content.decode()
    assert list(entry.verifications.values_list("status", flat=True)) == ["PENDING", "REJECTED"]


def test_the_funder_confirms_and_disputes(personas, program, populated, client_for):
    client = client_for(personas.fiona)
    grant = populated["grant"]
    refused = act(client, url("entry_confirm", program, grant.pk), decision="dispute")
    assert refused.status_code == 400 and not grant.confirmations.exists()
    act(client, url("entry_confirm", program, grant.pk), {"reason": "No"}, decision="dispute")
    assert compute_figures(Scope(Level.PROGRAM, program.pk)).disputed == D("500.00")
    again = act(
        client, url("entry_confirm", program, grant.pk), {"reason": "Ancora"}, decision="dispute"
    )
    assert again.status_code == 302 and grant.confirmations.count() == 1
    confirmed = act(client, url("entry_confirm", program, grant.pk), decision="confirm")
    assert confirmed["Location"] == url("entry", program, grant.pk)
    assert grant.confirmations.order_by("-pk").first().status == FunderConfirmation.Status.CONFIRMED


@pytest.mark.parametrize("who, status", [(None, 302), ("oscar", 403), ("tom", 403), ("alice", 403)])
def test_only_the_funder_confirms(personas, program, populated, client_for, who, status):
    grant = populated["grant"]
    client = client_for(getattr(personas, who) if who else None)
    assert client.get(url("entry_confirm", program, grant.pk)).status_code == status
    response = client.post(url("entry_confirm", program, grant.pk), {"decision": "confirm"})
    assert response.status_code == status
    assert not grant.confirmations.exists()


# --- queues ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [
        (None, 302),
        ("oscar", 403),
        ("tom", 403),
        ("pat", 403),
        ("fiona", 403),
        ("alice", 200),
        ("eve", 200),
    ],
)
def test_the_verification_queue_is_for_the_owner(
    personas, program, populated, client_for, who, status
):
    response = client_for(getattr(personas, who) if who else None).get(url("queue", program))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("account_login"))
    if status == 200:
        rows = re.findall(r'<tr id="queue-row-(\d+)"', response.content.decode())
        assert rows == [str(populated["pending"].pk)]


def test_an_unverified_owner_has_no_queue(personas, client_for):
    Organization.objects.filter(pk=personas.comune.pk).update(verified_at=None)
    program = Program.objects.create(
        owner=personas.comune, title="P", slug="p", start_year=2016, end_year=2020
    )
    assert client_for(personas.alice).get(url("queue", program)).status_code == 403


def test_the_queue_lists_oldest_first_in_pages_with_bounded_queries(
    personas, program, client_for, django_assert_max_num_queries
):
    entries = [
        record(program, personas.tom, personas.coop, amount=f"{i + 1}.00") for i in range(55)
    ]
    accepted = record(program, personas.tom, personas.coop)
    services.verify_entry(accepted, by=personas.alice, accept=True)
    reversed_ = record(program, personas.tom, personas.coop)
    services.reverse_entry(reversed_, by=personas.tom, reason="Doppione")
    client = client_for(personas.alice)
    with django_assert_max_num_queries(10):
        first = client.get(url("queue", program))
    rows = [int(pk) for pk in re.findall(r'<tr id="queue-row-(\d+)"', first.content.decode())]
    assert rows == [entry.pk for entry in entries[:50]]
    second = client.get(url("queue", program), {"page": 2})
    rows = [int(pk) for pk in re.findall(r'<tr id="queue-row-(\d+)"', second.content.decode())]
    assert rows == [entry.pk for entry in entries[50:]]


def test_the_queue_links_each_row_to_its_review_and_back(personas, program, populated, client_for):
    client = client_for(personas.alice)
    page = body(client.get(url("queue", program)))
    link = re.search(r'data-action="accept" href="([^"]+)"', page).group(1)
    path, query = link.split("?")
    assert parse_qs(query) == {"decision": ["accept"], "next": [url("queue", program)]}
    response = act(client, path, decision="accept", next=url("queue", program))
    assert response["Location"] == url("queue", program)
    assert 'id="queue-row-' not in client.get(url("queue", program)).content.decode()


def test_the_funder_queue_lists_unconfirmed_and_disputed_grants(
    personas, program, populated, client_for
):
    p = personas
    other_funder = make_org("Fondazione Cariplo", by=p.sam, kind="FUNDER", tax_code=tax_code(7))
    record(program, p.tom, p.coop, "FOUNDATION_GRANT", funder=other_funder)
    pledged = record(program, p.tom, p.coop, "FOUNDATION_GRANT", kind="PLEDGE", funder=p.foundation)
    client = client_for(p.fiona)
    rows = re.findall(
        r'<tr id="grant-row-(\d+)"', client.get(reverse("ledger:funder_queue")).content.decode()
    )
    assert rows == [str(populated["grant"].pk), str(pledged.pk)]
    services.confirm_grant(pledged, by=p.fiona, confirmed=True)
    services.confirm_grant(populated["grant"], by=p.fiona, confirmed=False, reason="No")
    rows = re.findall(
        r'<tr id="grant-row-(\d+)"', client.get(reverse("ledger:funder_queue")).content.decode()
    )
    assert rows == [str(populated["grant"].pk)]
    # Someone with no funder sees an empty page; anonymous visitors sign in first.
    empty = client_for(p.oscar).get(reverse("ledger:funder_queue"))
    assert empty.status_code == 200 and "grant-row-" not in empty.content.decode()
    assert client_for(None).get(reverse("ledger:funder_queue")).status_code == 302
