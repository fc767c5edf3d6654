"""Co-production: reports, verification, payments, completion and termination (services)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from trama.agreements.models import Payment, Report
from trama.agreements.services import closing, payments, reminders, reports
from trama.agreements.services.reports import Beneficiaries
from trama.audit.services import chain_for, verify_chain
from trama.conftest import make_org
from trama.ledger.figures import Basis, Scope, compute_figures
from trama.ledger.measure import latest_verification
from trama.ledger.models import LedgerEntry, Level
from trama.ledger.rebuild import check_rollups
from trama.notifications.models import Kind, Notification

from .support_coproduction import signed_agreement

pytestmark = pytest.mark.django_db
D = Decimal
PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def co(personas):
    return signed_agreement(personas)


def _figures(co, basis=Basis.ACCEPTED):
    return compute_figures(Scope(Level.PROCEDURE, co.procedure.pk), basis=basis)


def _first_report(personas, co, *, lines=True):
    report = reports.open_report(co.agreement, co.first, by=personas.tom)
    reports.save_report(
        report,
        by=personas.tom,
        activities="Laboratori nei quartieri, 40 incontri.",
        public_summary="Quaranta incontri nei quartieri.",
        indicator_values={co.indicator.pk: "120"},
        beneficiaries=[
            Beneficiaries("CHILDREN", 80),
            Beneficiaries("OTHER", 2, "studenti dei corsi serali"),
        ],
    )
    if lines:
        reports.add_report_line(
            report,
            by=personas.tom,
            contributor=personas.consortium,
            source="OWN_RESOURCES",
            category="PROFESSIONAL",
            year=2018,
            quantity="200",
            unit="HOUR",
            unit_value="22,50",
            description="Educatori",
            evidence=SimpleUploadedFile("ore.pdf", PDF),
        )
        reports.add_report_line(
            report,
            by=personas.pat,
            contributor=personas.coop,
            source="OWN_RESOURCES",
            category="ORGANISATIONAL",
            year=2018,
            amount="1.500,00",
            description="Sala",
        )
    return report


def test_it_runs_a_report_from_draft_to_acceptance_with_hand_computed_figures(personas, co):
    report = _first_report(personas, co)
    # 200 h × 22,50 € = 4.500,00; the room 1.500,00.
    assert sorted(report.lines.values_list("amount", flat=True)) == [D("1500.00"), D("4500.00")]
    assert _figures(co).pending == D("0")

    reports.submit_report(report, by=personas.tom)

    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED
    entries = [line.entry for line in report.lines.all()]
    assert all(latest_verification(e.pk) == "PENDING" for e in entries)
    assert all(e.kind == "ACTUAL" and e.procedure_id == co.procedure.pk for e in entries)
    assert report.lines.get(contributor=personas.consortium).entry.evidence.count() == 1
    assert _figures(co).pending == D("6000.00")
    assert Notification.objects.filter(
        recipient=personas.alice, kind=Kind.REPORT_SUBMITTED
    ).exists()

    reports.verify_report(report, by=personas.alice, accept=True)

    report.refresh_from_db()
    assert report.state == Report.State.ACCEPTED
    figures = _figures(co)
    # Accepted actuals: 6.000,00 additional, no public money paid yet.
    assert figures.additional == D("6000.00") and figures.pending == D("0")
    # Pledged additional 12.000,00 (8.000 + 4.000): realisation 50 %.
    assert figures.realisation_rate == D("50.000000")
    assert Notification.objects.filter(recipient=personas.pat, kind=Kind.REPORT_ACCEPTED).exists()
    assert check_rollups().ok
    assert verify_chain(chain_for(co.procedure)).ok
    assert verify_chain(chain_for(co.program)).ok


def test_requested_changes_reject_the_named_lines_and_corrections_come_with_resubmission(
    personas, co
):
    report = _first_report(personas, co)
    reports.submit_report(report, by=personas.tom)
    room = report.lines.get(contributor=personas.coop)
    hours = report.lines.get(contributor=personas.consortium)

    reports.verify_report(
        report,
        by=personas.alice,
        accept=False,
        reason="Manca la ricevuta della sala.",
        lines={room.pk: "Importo non documentato"},
    )

    report.refresh_from_db()
    room.refresh_from_db()
    assert report.state == Report.State.CHANGES_REQUESTED
    assert room.change_reason == "Importo non documentato"
    assert latest_verification(room.entry_id) == "REJECTED"
    assert latest_verification(hours.entry_id) == "PENDING"
    told = set(
        Notification.objects.filter(kind=Kind.REPORT_CHANGES).values_list("recipient", flat=True)
    )
    assert {personas.tom.pk, personas.pat.pk} <= told
    # Told once, by the report's notice: not again by the ledger's own about the rejection.
    assert not Notification.objects.filter(kind=Kind.ENTRY_REJECTED).exists()

    reports.add_report_line(
        report,
        by=personas.pat,
        contributor=personas.coop,
        source="OWN_RESOURCES",
        category="ORGANISATIONAL",
        year=2018,
        amount="1200,00",
        description="Sala, con ricevuta",
    )
    reports.submit_report(report, by=personas.tom)
    reports.verify_report(report, by=personas.alice, accept=True)

    assert LedgerEntry.objects.filter(procedure=co.procedure, kind="ACTUAL").count() == 3
    figures = _figures(co)
    assert figures.additional == D("5700.00")  # 4.500 + 1.200; the rejected 1.500 stays out
    assert figures.rejected == D("1500.00")
    assert check_rollups().ok


def test_a_report_for_a_period_outside_the_agreement_or_submitted_twice_is_refused(personas, co):
    other = signed_agreement(personas, program=co.program, title="Altro")
    with pytest.raises(ValidationError) as refused:
        reports.open_report(co.agreement, other.first, by=personas.tom)
    assert "calendar" in str(refused.value) or "calendario" in str(refused.value)
    with pytest.raises(ValidationError):
        reports.open_report(co.agreement, 9, by=personas.tom)

    report = _first_report(personas, co)
    reports.submit_report(report, by=personas.tom)
    with pytest.raises(ValidationError) as twice:
        reports.submit_report(report, by=personas.tom)
    assert twice.value.code == "already_submitted"
    assert LedgerEntry.objects.filter(procedure=co.procedure, kind="ACTUAL").count() == 2


def test_actuals_by_a_body_not_party_to_the_agreement_are_refused(personas, co):
    outsider = make_org("Associazione Esterna", by=personas.oscar, tax_code="00166130138")
    report = _first_report(personas, co, lines=False)
    with pytest.raises(PermissionDenied):
        reports.add_report_line(
            report,
            by=personas.oscar,
            contributor=outsider,
            source="OWN_RESOURCES",
            category="ECONOMIC",
            year=2018,
            amount="100",
        )
    with pytest.raises(PermissionDenied):  # a party's line by someone not its member
        reports.add_report_line(
            report,
            by=personas.oscar,
            contributor=personas.coop,
            source="OWN_RESOURCES",
            category="ECONOMIC",
            year=2018,
            amount="100",
        )
    with pytest.raises(PermissionDenied):  # only the lead prepares the report
        reports.save_report(report, by=personas.pat, activities="x", public_summary="")
    assert not report.lines.exists()


def test_the_ledgers_rules_check_each_line(personas, co):
    report = _first_report(personas, co, lines=False)
    with pytest.raises(ValidationError) as refused:
        reports.add_report_line(
            report,
            by=personas.pat,
            contributor=personas.coop,
            source="PUBLIC_OWNER",
            category="ECONOMIC",
            year=2018,
            amount="100",
        )
    assert "source" in refused.value.error_dict
    with pytest.raises(ValidationError) as year:
        reports.add_report_line(
            report,
            by=personas.pat,
            contributor=personas.coop,
            source="OWN_RESOURCES",
            category="ECONOMIC",
            year=2019,
            amount="100",
        )
    assert year.value.error_dict["year"][0].code == "year_outside_period"


def test_beneficiary_groups_that_could_hold_personal_data_are_refused(personas, co):
    report = _first_report(personas, co, lines=False)
    for label in (
        "Mario Rossi",
        "RSSMRA80A01H501U",
        "mario@example.com",
        "tel. 0341 123456",
        "persone con disabilità",
        "famiglie in povertà",
        "utenti 12345",
    ):
        with pytest.raises(ValidationError) as refused:
            reports.save_report(
                report,
                by=personas.tom,
                activities="Attività",
                public_summary="",
                beneficiaries=[Beneficiaries("OTHER", 5, label)],
            )
        assert "beneficiaries" in refused.value.error_dict, label
    report.refresh_from_db()
    assert report.activities == "Laboratori nei quartieri, 40 incontri."  # nothing half-saved
    assert sorted(report.beneficiaries.values_list("count", flat=True)) == [2, 80]


def test_payments_follow_the_tranches_conditions_once_each(personas, co):
    with pytest.raises(ValidationError) as early:
        payments.record_payment(
            co.intermediate,
            by=personas.alice,
            paid_on=datetime.date(2019, 2, 1),
            amount="15000",
            order_number="M-2",
        )
    assert early.value.code == "condition_not_met"

    payment = payments.record_payment(
        co.advance,
        by=personas.alice,
        paid_on=datetime.date(2018, 1, 20),
        amount="10.000,00",
        order_number="M-1",
    )
    assert payment.entry.source == "PUBLIC_OWNER" and payment.entry.contributor == personas.comune
    assert latest_verification(payment.entry.pk) == "ACCEPTED"
    assert _figures(co).public == D("10000.00")
    assert Notification.objects.filter(recipient=personas.tom, kind=Kind.PAYMENT_RECORDED).exists()

    with pytest.raises(ValidationError) as twice:
        payments.record_payment(
            co.advance,
            by=personas.alice,
            paid_on=datetime.date(2018, 1, 21),
            amount="10000",
            order_number="M-1bis",
        )
    assert twice.value.code == "already_paid"

    report = _first_report(personas, co)
    reports.submit_report(report, by=personas.tom)
    reports.verify_report(report, by=personas.alice, accept=True)
    payments.record_payment(
        co.intermediate,
        by=personas.alice,
        paid_on=datetime.date(2019, 2, 10),
        amount="15000",
        order_number="M-2",
    )
    figures = _figures(co)
    assert figures.public == D("25000.00")
    # Leverage: 6.000 / 25.000 = 24 %.
    assert figures.leverage == D("24.000000")
    assert Payment.objects.count() == 2
    assert check_rollups().ok


def test_no_payment_before_the_contribution_is_published_under_art_27(personas, co):
    co.balance.due_on = datetime.date(2019, 6, 1)
    co.balance.save(update_fields=["due_on"])
    with pytest.raises(ValidationError) as refused:
        payments.record_payment(
            co.balance,
            by=personas.alice,
            paid_on=datetime.date(2019, 6, 2),
            amount="5000",
            order_number="M-3",
        )
    assert refused.value.code == "not_published"
    assert not Payment.objects.exists()
    assert not LedgerEntry.objects.filter(kind="ACTUAL").exists()

    co.partner.published_at = timezone.now()
    co.partner.save(update_fields=["published_at"])
    payments.record_payment(
        co.balance,
        by=personas.alice,
        paid_on=datetime.date(2019, 6, 2),
        amount="5000",
        order_number="M-3",
    )
    with pytest.raises(PermissionDenied):  # an officer who is not the RUP
        payments.record_payment(
            co.advance,
            by=personas.eve,
            paid_on=datetime.date(2018, 1, 20),
            amount="100",
            order_number="X",
        )


def test_completion_needs_the_final_report_accepted_and_keeps_the_figures(personas, co):
    first = _first_report(personas, co)
    reports.submit_report(first, by=personas.tom)
    reports.verify_report(first, by=personas.alice, accept=True)
    act = {"act_number": "DD 12/2020", "act_date": datetime.date(2020, 3, 1), "reasons": "Fine"}
    with pytest.raises(ValidationError) as early:
        closing.complete_agreement(co.agreement, by=personas.alice, **act)
    assert early.value.code == "final_report_missing"

    final = reports.open_report(co.agreement, co.final, by=personas.tom)
    reports.save_report(final, by=personas.tom, activities="Chiusura", public_summary="Fatto")
    reports.submit_report(final, by=personas.tom)
    reports.verify_report(final, by=personas.alice, accept=True)
    closing.complete_agreement(co.agreement, by=personas.alice, **act)

    co.procedure.refresh_from_db()
    co.agreement.refresh_from_db()
    assert co.procedure.state == "COMPLETED"
    assert co.agreement.completed_at is not None
    assert co.agreement.closing_act_number == "DD 12/2020"
    assert _figures(co).additional == D("6000.00")
    with pytest.raises(ValidationError):  # nothing after completion
        reports.open_report(co.agreement, co.first, by=personas.tom)
    assert verify_chain(chain_for(co.procedure)).ok


def test_termination_reverses_the_pledges_not_realised(personas, co):
    report = _first_report(personas, co)
    reports.submit_report(report, by=personas.tom)
    reports.verify_report(report, by=personas.alice, accept=True)
    payments.record_payment(
        co.advance,
        by=personas.alice,
        paid_on=datetime.date(2018, 1, 20),
        amount="10000",
        order_number="M-1",
    )
    assert _figures(co, Basis.PLEDGED).pledged == D("42000.00")

    closing.terminate_agreement(co.agreement, by=personas.alice, reasons="Servizio sospeso")

    co.procedure.refresh_from_db()
    assert co.procedure.state == "TERMINATED"
    pledged = _figures(co, Basis.PLEDGED)
    # What stays pledged is what was realised: public 10.000 (paid), Consorzio 4.500 of
    # 8.000, Cooperativa 1.500 of 4.000.
    assert pledged.public == D("10000.00")
    assert pledged.additional == D("6000.00")
    assert _figures(co).realisation_rate == D("100.000000")
    assert check_rollups().ok
    assert verify_chain(chain_for(co.procedure)).ok


def test_reminders_go_14_and_3_days_before_and_once_overdue(personas, co):
    def run(day):
        moment = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
        with time_machine.travel(moment, tick=False):
            return reminders.send_report_reminders()

    assert run(datetime.date(2019, 1, 10)) == 0  # 21 days before
    assert run(datetime.date(2019, 1, 18)) == 1  # 13 days before
    assert run(datetime.date(2019, 1, 19)) == 0  # already told
    assert run(datetime.date(2019, 1, 29)) == 1  # 2 days before
    assert run(datetime.date(2019, 2, 5)) == 1  # overdue
    assert run(datetime.date(2019, 2, 6)) == 0
    assert Notification.objects.filter(recipient=personas.pat, kind=Kind.REPORT_DUE).count() == 3


def test_the_task_lists_show_reports_due_to_verify_and_lines_to_correct(personas, co):
    from trama.pages.tasks import coproduction_tasks, standing_of, task_groups

    def kinds(user, now=None):
        groups = task_groups(standing_of(user, now))
        return {task.kind for group in groups for task in group.tasks}

    due = [t for t in coproduction_tasks(standing_of(personas.tom)) if t.kind == "report_due"]
    # Both periods are overdue today, once each, for the lead body (Tom is in both bodies).
    assert [t.organization for t in due] == [personas.consortium, personas.consortium]
    report = _first_report(personas, co)
    reports.submit_report(report, by=personas.tom)
    assert "report_to_verify" in kinds(personas.alice)
    assert "report_to_verify" not in kinds(personas.eve)  # the RUP's own
    # Its actuals are verified with the report, not offered again one by one.
    assert "verify" not in kinds(personas.alice)
    line = report.lines.get(contributor=personas.coop)
    reports.verify_report(report, by=personas.alice, accept=False, lines={line.pk: "Ricevuta"})
    assert "lines_to_correct" in kinds(personas.pat)
    assert "report_to_verify" not in kinds(personas.alice)
    # The lead's task says what is asked now: correct, then submit again.
    with translation.override("en"):
        asked = [
            t.action
            for t in coproduction_tasks(standing_of(personas.tom))
            if t.kind == "report_due" and t.url.endswith(f"/rendiconti/{report.period.number}/")
        ]
    assert asked == ["Correct and submit again"]


def test_the_scheduler_finds_the_reminders_job(personas, co):
    from crontask import scheduler

    from trama.agreements import tasks

    names = {job.name for job in scheduler.get_jobs()}
    assert any("report_reminders" in name for name in names)
    assert tasks.report_reminders.call() == {"reminded": 2}  # both periods: long overdue
