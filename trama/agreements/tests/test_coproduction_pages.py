"""Co-production pages for each persona: reports, drafts, verification, payments, closing."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from trama.agreements.models import Payment, Report, ReportingPeriod
from trama.agreements.services import reports
from trama.procedures.tests.reviewing import confirm

from .support_coproduction import signed_agreement

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def co(personas):
    return signed_agreement(personas)


def _url(name, co, *args):
    return reverse(f"agreements:{name}", args=[co.agreement.pk, *args])


def _submitted(personas, co):
    report = reports.open_report(co.agreement, co.first, by=personas.tom)
    reports.save_report(
        report,
        by=personas.tom,
        activities="Laboratori riservati",
        public_summary="Quaranta incontri",
    )
    reports.add_report_line(
        report,
        by=personas.pat,
        contributor=personas.coop,
        source="OWN_RESOURCES",
        category="ORGANISATIONAL",
        year=2018,
        amount="1500",
    )
    return reports.submit_report(report, by=personas.tom)


def test_the_lead_and_a_partner_prepare_the_report_on_its_page(personas, co, client_for):
    lead = client_for(personas.tom)
    lead.post(_url("report_open", co, 1))
    page = lead.get(_url("report", co, 1))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Only aggregated counts" in html or "Solo conteggi" in html or "conteggi" in html
    assert 'name="activities"' in html

    refused = lead.post(
        _url("report_save", co, 1),
        {
            "activities": "Laboratori",
            "public_summary": "Sintesi",
            "group_0": "OTHER",
            "label_0": "mario@example.com",
            "count_0": "4",
        },
    )
    assert refused.status_code == 400
    assert "Laboratori" in refused.content.decode()  # kept as typed
    saved = lead.post(
        _url("report_save", co, 1),
        {
            "activities": "Laboratori",
            "public_summary": "Sintesi",
            f"indicator_{co.indicator.pk}": "1.200",
            "group_0": "CHILDREN",
            "count_0": "80",
        },
    )
    assert saved.status_code == 302
    report = Report.objects.get(period=co.first)
    assert report.indicator_values.get().value == D("1200")

    partner = client_for(personas.pat)
    page = partner.get(_url("report", co, 1)).content.decode()
    assert 'name="activities"' not in page  # only the lead edits the report
    added = partner.post(
        _url("report_line", co, 1),
        {
            "category": "ORGANISATIONAL",
            "source": "OWN_RESOURCES",
            "contributor": personas.coop.pk,
            "year": "2018",
            "valuation": "MONEY",
            "amount": "1.500,50",
            "evidence": SimpleUploadedFile("sala.pdf", b"%PDF-1.7\n%%EOF\n"),
        },
    )
    assert added.status_code == 302
    assert report.lines.get().amount == D("1500.50")

    lead = client_for(personas.tom)
    submitted = confirm(lead, _url("report_submit", co, 1))
    assert submitted.status_code == 302
    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED
    line = report.lines.get()
    assert line.entry is not None
    evidence = _url("report_line_evidence", co, 1, line.pk)
    assert client_for(personas.pat).get(evidence).status_code == 200
    assert client_for(personas.eve).get(evidence).status_code == 200
    assert client_for(personas.fiona).get(evidence).status_code == 403
    figures = client_for(personas.eve).get(_url("reports", co)).content.decode()
    assert "1.500,50" in figures  # awaiting verification


def test_a_body_not_party_cannot_add_resources(personas, co, client_for):
    reports.open_report(co.agreement, co.first, by=personas.tom)
    response = client_for(personas.oscar).post(
        _url("report_line", co, 1),
        {"category": "ECONOMIC", "source": "OWN_RESOURCES", "year": "2018", "amount": "10"},
    )
    assert response.status_code == 403


def test_report_contents_are_for_the_parties_and_the_public_body(personas, co, client_for):
    _submitted(personas, co)
    for who, reads in (
        ("alice", True),
        ("eve", True),
        ("tom", True),
        ("pat", True),
        ("fiona", False),
        ("oscar", False),
        (None, False),
    ):
        client = client_for(getattr(personas, who) if who else None)
        response = client.get(_url("report", co, 1))
        assert response.status_code == (200 if reads else 404), who
        if reads:
            assert "Laboratori riservati" in response.content.decode(), who
        assert client.get(_url("reports", co)).status_code == 200, who
        assert client.get(_url("payments", co)).status_code == (200 if reads else 404), who


def test_an_accepted_reports_public_summary_is_for_everyone(personas, co, client_for):
    report = _submitted(personas, co)
    reports.verify_report(report, by=personas.alice, accept=True)
    html = client_for(None).get(_url("report", co, 1)).content.decode()
    assert "Quaranta incontri" in html
    assert "Laboratori riservati" not in html
    assert "1.500" not in html


def test_the_rup_verifies_with_changes_named_per_line(personas, co, client_for):
    report = _submitted(personas, co)
    line = report.lines.get()
    assert client_for(personas.eve).get(_url("report_verify", co, 1)).status_code == 403
    rup = client_for(personas.alice)
    assert "Verify the report" in rup.get(_url("report", co, 1)).content.decode() or (
        "Verifica il rendiconto" in rup.get(_url("report", co, 1)).content.decode()
    )
    done = confirm(
        rup,
        _url("report_verify", co, 1),
        {"decision": "changes", "reason": "", f"line_{line.pk}": "Manca la ricevuta"},
    )
    assert done.status_code == 302
    report.refresh_from_db()
    assert report.state == Report.State.CHANGES_REQUESTED
    page = client_for(personas.pat).get(_url("report", co, 1)).content.decode()
    assert "Manca la ricevuta" in page


def test_payments_page_shows_tranches_and_the_rup_records_one(personas, co, client_for):
    rup = client_for(personas.alice)
    html = rup.get(_url("payments", co)).content.decode()
    assert 'data-tranche-state="due"' in html and 'data-tranche-state="waiting"' in html
    done = confirm(
        rup,
        _url("payment_record", co, co.advance.pk),
        {"paid_on": "2018-01-20", "amount": "10.000,00", "order_number": "M-1"},
    )
    assert done.status_code == 302
    assert Payment.objects.get().amount == D("10000.00")
    again = confirm(
        rup,
        _url("payment_record", co, co.advance.pk),
        {"paid_on": "2018-01-20", "amount": "10.000,00", "order_number": "M-1"},
    )
    assert again.status_code == 400
    assert Payment.objects.count() == 1
    assert (
        client_for(personas.tom).get(_url("payment_record", co, co.advance.pk)).status_code == 403
    )


def test_closing_and_termination_pages_are_the_rups(personas, co, client_for):
    assert client_for(personas.tom).get(_url("terminate", co)).status_code == 403
    rup = client_for(personas.alice)
    assert rup.get(_url("complete", co)).status_code == 200
    refused = confirm(
        rup,
        _url("complete", co),
        {"act_number": "1", "act_date": "2020-01-01", "reasons": "Fine"},
    )
    assert refused.status_code == 400  # the final report is not accepted
    done = confirm(rup, _url("terminate", co), {"reasons": "Servizio sospeso"})
    assert done.status_code == 302
    co.procedure.refresh_from_db()
    assert co.procedure.state == "TERMINATED"
    # Nothing was realised: every pledge is reversed, and the figures stay readable.
    html = client_for(personas.tom).get(_url("reports", co)).content.decode()
    assert 'data-figure="pledged-public">0,00' in html


def test_the_reports_list_reads_a_bounded_number_of_queries(
    personas, co, client_for, django_assert_max_num_queries
):
    for number in range(3, 33):
        period = ReportingPeriod.objects.create(
            agreement=co.agreement,
            number=number,
            starts_on=datetime.date(2019, 1, 1),
            ends_on=datetime.date(2019, 12, 31),
            due_on=datetime.date(2020, 1, 31),
        )
        Report.objects.create(agreement=co.agreement, period=period)
    client = client_for(personas.tom)
    with django_assert_max_num_queries(15):
        response = client.get(_url("reports", co))
    assert response.status_code == 200
    assert response.content.decode().count("data-period=") == 32


def test_the_procedures_page_links_to_the_reports(personas, co, client_for):
    html = client_for(None).get(co.procedure.get_absolute_url()).content.decode()
    assert _url("reports", co) in html


def test_a_party_corrects_its_draft_line_but_not_a_submitted_one(personas, co, client_for):
    report = reports.open_report(co.agreement, co.first, by=personas.tom)
    line = reports.add_report_line(
        report,
        by=personas.pat,
        contributor=personas.coop,
        source="OWN_RESOURCES",
        category="PROFESSIONAL",
        year=2018,
        quantity="10",
        unit="HOUR",
        unit_value="20",
    )
    partner = client_for(personas.pat)
    form = partner.get(_url("report", co, 1) + f"?riga={line.pk}").content.decode()
    assert _url("report_line_edit", co, 1, line.pk) in form
    assert 'value="10"' in form  # the line's quantity, ready to correct
    data = {
        "category": "PROFESSIONAL",
        "source": "OWN_RESOURCES",
        "contributor": personas.coop.pk,
        "year": "2018",
        "valuation": "IN_KIND",
        "quantity": "12",
        "unit": "HOUR",
        "unit_value": "20,00",
    }
    assert partner.post(_url("report_line_edit", co, 1, line.pk), data).status_code == 302
    line.refresh_from_db()
    assert line.amount == D("240.00")

    reports.save_report(report, by=personas.tom, activities="Attività", public_summary="")
    reports.submit_report(report, by=personas.tom)
    refused = client_for(personas.pat).post(_url("report_line_edit", co, 1, line.pk), data)
    assert refused.status_code == 400
    line.refresh_from_db()
    assert line.amount == D("240.00") and line.entry.amount == D("240.00")
