"""From the published ranking to the completed agreement, in a real browser, with an axe scan
of every page visited and the figures checked against hand-computed numbers at each step.

Alice (RUP, Comune di Lecco) opens the co-design table; Tom (administrator of the consortium,
the lead, and of the cooperative, its partner) works at it with her: a meeting with minutes
approved, the shared project in three versions compared, adopted by Alice's act; the table's
budget plan; the agreement drafted, issued and signed by every party with a CAdES copy made
here with a self-signed certificate carrying the representative's tax code (a copy of
another document is refused first); two reports, the first accepted in the pages; the
advance paid; the closing act. The agreement's parts (representatives, calendar, indicator,
tranches) and the second report's content are entered through the same services the pages
call, to keep the journey short: their pages have their own tests. The clock's act (the
agreement starts on its date) is the scheduler's service.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from trama.agreements.models import Agreement, Party, Tranche
from trama.agreements.services import agreement as drafting
from trama.agreements.services import reports, signing
from trama.audit.services import chain_for, verify_chain
from trama.conftest import Personas
from trama.ledger.rebuild import check_rollups
from trama.lib.tests.signing import make_p7m, make_pdf, signer_identity
from trama.pages.tests import test_browser_journeys as journeys
from trama.pages.tests.test_browser_journeys import assert_accessible, screenshot, sign_in, visit
from trama.procedures.models import Procedure
from trama.procedures.tests.table_support import past, ranked_call
from trama.programs.services import create_program

pytestmark = pytest.mark.browser

browser, site, territories, new_page = (
    journeys.browser,
    journeys.site,
    journeys.territories,
    journeys.new_page,
)

REPRESENTATIVES = {
    "Comune di Lecco": ("Mauro Gattinoni", "GTTMRA70A01E507X"),
    "Consorzio Lario": ("Laura Conti", "CNTLRA75B41E507Y"),
    "Cooperativa Arcobaleno": ("Paolo Sala", "SLAPLA80C01E507Z"),
}


def submit(page, action: str):
    """Press the submit button of the form posting to `action`."""
    page.locator(f'form[action="{action}"] button[type="submit"]').first.click()


def field(page, action: str, name: str):
    return page.locator(f'form[action="{action}"] [name="{name}"]')


def confirm_review(page):
    assert_accessible(page)
    page.get_by_test_id("review-confirm").click()


def figure_on(page):
    """figure(name): the dashboard's key figure of that name (its number and notes)."""
    return lambda name: page.locator(f'[data-figure="{name}"]')


def rollups_match():
    assert check_rollups().ok, "the roll-ups differ from a rebuild"


@pytest.fixture
def people(territories, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    personas = Personas()
    year = timezone.localdate().year
    program = create_program(
        by=personas.alice,
        owner=personas.comune,
        title="Abitare sociale",
        start_year=year - 1,
        end_year=year + 1,
    )
    return personas, program


def test_from_the_ranking_to_the_completed_agreement(new_page, people, tmp_path):
    personas, program = people
    call, selected, _others = ranked_call(personas, program)
    consortium, coop, comune = personas.consortium, personas.coop, personas.comune

    # --- the co-design table ------------------------------------------------------------
    alice = new_page()
    sign_in(alice, "alice@trama.test")
    visit(alice, f"/avvisi/{call.pk}/")
    alice.get_by_test_id("open-table").click()
    confirm_review(alice)
    table_url = reverse("procedures:table", args=[call.pk])
    expect(alice).to_have_url(re.compile(f"{table_url}$"))
    assert Procedure.objects.get(pk=call.pk).state == Procedure.State.TABLE
    assert_accessible(alice)

    # Two meetings, the first one held two hours ago.
    add_meeting = reverse("procedures:table_meeting_add", args=[call.pk])
    for title, when in (
        ("Avvio del tavolo", past()),
        ("Piano economico", timezone.localtime() + datetime.timedelta(days=7)),
    ):
        field(alice, add_meeting, "title").fill(title)
        field(alice, add_meeting, "held_at").fill(
            timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")
        )
        field(alice, add_meeting, "place").fill("Sala consiliare")
        field(alice, add_meeting, "agenda").fill("1. Obiettivi\n2. Risorse")
        submit(alice, add_meeting)
        expect(alice.locator("h1")).to_contain_text(title)
        visit(alice, table_url)
        expect(alice.get_by_test_id("meetings")).to_contain_text(title)
    meeting = call.meetings.get(title="Avvio del tavolo")
    minutes_url = reverse("procedures:table_minutes", args=[call.pk, meeting.pk])
    visit(alice, reverse("procedures:table_meeting", args=[call.pk, meeting.pk]))
    field(alice, minutes_url, "minutes").fill("Si condividono gli obiettivi del progetto.")
    field(alice, minutes_url, f"people_{consortium.pk}").fill("Tom Verdi")
    submit(alice, minutes_url)
    expect(alice.get_by_test_id("minutes")).to_contain_text("Si condividono gli obiettivi")
    assert_accessible(alice)

    tom = new_page()
    sign_in(tom, "tom@trama.test")
    review_url = reverse("procedures:table_minutes_review", args=[call.pk, meeting.pk])
    visit(tom, reverse("procedures:table_meeting", args=[call.pk, meeting.pk]))
    tom.locator(f'form[action="{review_url}"] input[type="radio"][value="APPROVED"]').check(
        force=True
    )
    submit(tom, review_url)
    expect(tom.get_by_test_id("minutes-statuses")).to_contain_text("Tom Verdi")
    screenshot(tom, "agreement-01-minutes-approved")

    # Three versions of the shared project: Tom's, Alice's, and a stale save refused.
    edit_url = reverse("procedures:table_project_edit", args=[call.pk])
    visit(tom, edit_url)
    visit(alice, edit_url)  # Alice starts from the same version as Tom
    text = tom.locator(f'form[action="{edit_url}"] textarea[name="text"]')
    text.fill(text.input_value() + "\n\n## Governance\n\nUna cabina di regia mensile.\n")
    field(tom, edit_url, "summary").fill("Aggiunta la governance")
    submit(tom, edit_url)
    expect(tom).to_have_url(re.compile(reverse("procedures:table_project", args=[call.pk])))
    field(alice, edit_url, "summary").fill("Una modifica su una versione superata")
    submit(alice, edit_url)
    expect(alice.get_by_test_id("conflict")).to_be_visible()
    assert call.project_versions.count() == 2
    assert_accessible(alice)
    visit(alice, edit_url)
    text = alice.locator(f'form[action="{edit_url}"] textarea[name="text"]')
    text.fill(text.input_value().replace("mensile", "bimestrale"))
    field(alice, edit_url, "summary").fill("Cabina di regia ogni due mesi")
    submit(alice, edit_url)
    assert call.project_versions.count() == 3
    visit(alice, reverse("procedures:table_project_diff", args=[call.pk]) + "?a=1&b=3")
    expect(alice.locator("main")).to_contain_text("bimestrale")
    screenshot(alice, "agreement-02-project-diff")

    # Alice adopts version 3 by her act.
    adopt_url = reverse("procedures:table_adopt", args=[call.pk])
    visit(alice, adopt_url)
    alice.locator('[name="version"]').select_option("3")
    alice.locator('[name="act_number"]').fill("DD 211/2026")
    alice.locator('[name="act_date"]').fill(timezone.localdate().isoformat())
    alice.locator('[name="reasons"]').fill("Il progetto recepisce gli esiti del tavolo.")
    act = tmp_path / "determina.pdf"
    act.write_bytes(make_pdf("Determina di adozione"))
    alice.locator('[name="file"]').set_input_files(str(act))
    confirm_review(alice)
    expect(alice.get_by_test_id("adoption")).to_be_visible()

    # --- the table's budget plan: 100.000 public, 20.000 + 10.000 from the partners --------
    year = timezone.localdate().year
    plan_url = reverse("agreements:plan", args=[call.pk])
    add_url = reverse("agreements:plan_add", args=[call.pk])
    for page, contributor, source, category, amount in (
        (alice, comune, "PUBLIC_OWNER", "ECONOMIC", "100.000,00"),
        (tom, consortium, "OWN_RESOURCES", "PROFESSIONAL", "20.000,00"),
        (tom, coop, "OWN_RESOURCES", "ORGANISATIONAL", "10.000"),
    ):
        visit(page, plan_url)
        field(page, add_url, "contributor").select_option(str(contributor.pk))
        field(page, add_url, "source").select_option(source)
        field(page, add_url, "category").select_option(category)
        field(page, add_url, "year").fill(str(year))
        field(page, add_url, "description").fill("Risorse del piano")
        field(page, add_url, "amount").fill(amount)
        submit(page, add_url)
        expect(page.get_by_test_id("plan-lines").last).to_contain_text(amount.split(",")[0])
    # Leverage: 30.000 ÷ 100.000.
    visit(alice, plan_url)
    expect(alice.locator('[data-figure="leverage"] .figure-number')).to_have_text("30,0\u00a0%")
    assert_accessible(tom)
    screenshot(tom, "agreement-03-plan")

    # --- the agreement ---------------------------------------------------------------------
    starts_on = timezone.localdate() - datetime.timedelta(days=60)
    new_url = reverse("agreements:new", args=[call.pk])
    visit(alice, new_url)
    form = alice.locator("main form").first
    form.locator('[name="object"]').fill("Servizi per l'abitare condivisi.")
    form.locator('[name="starts_on"]').fill(starts_on.isoformat())
    form.locator('[name="ends_on"]').fill((starts_on + datetime.timedelta(days=364)).isoformat())
    form.locator('button[type="submit"]').click()
    agreement = Agreement.objects.get(procedure=call)
    expect(alice).to_have_url(re.compile(reverse("agreements:agreement", args=[agreement.pk])))
    assert_accessible(alice)
    # Its parts, through the services the agreement page's forms call.
    for party in agreement.parties.select_related("organization"):
        name, tax_code = REPRESENTATIVES[party.organization.name]
        fields = {"representative_name": name, "representative_tax_code": tax_code}
        if party.role == Party.Role.LEAD:
            fields |= {
                "legal_basis": "Art. 55 D.Lgs. 117/2017",
                "office": "Politiche sociali",
                "official": "Anna Valsecchi",
                "selection_method": "Avviso di co-progettazione",
            }
        drafting.update_party(party, by=personas.alice, **fields)
    first = drafting.add_period(
        agreement,
        by=personas.alice,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=29),
        due_on=starts_on + datetime.timedelta(days=45),
    )
    final = drafting.add_period(
        agreement,
        by=personas.alice,
        starts_on=starts_on + datetime.timedelta(days=30),
        ends_on=starts_on + datetime.timedelta(days=364),
        due_on=starts_on + datetime.timedelta(days=400),
        is_final=True,
    )
    drafting.add_tranche(
        agreement,
        by=personas.alice,
        kind=Tranche.Kind.ADVANCE,
        payee=consortium,
        amount=Decimal("40000"),
        due_on=starts_on,
    )
    drafting.add_tranche(
        agreement,
        by=personas.alice,
        kind=Tranche.Kind.BALANCE,
        payee=consortium,
        amount=Decimal("60000"),
        after_period=final,
    )
    visit(alice, reverse("agreements:issue", args=[agreement.pk]))
    confirm_review(alice)
    version = agreement.versions.get()
    expect(alice.get_by_test_id("signatures")).to_be_visible()
    screenshot(alice, "agreement-04-issued")

    # Signatures: a copy of another document is refused, then every party signs.
    pdf = version.pdf.open("rb").read()
    sign_url = reverse("agreements:sign", args=[agreement.pk])

    def upload(page, party_org, content, name):
        signed = tmp_path / name
        key, cert = signer_identity(*REPRESENTATIVES[party_org.name])
        signed.write_bytes(make_p7m(content, key, cert))
        visit(page, reverse("agreements:agreement", args=[agreement.pk]))
        party = agreement.parties.get(organization=party_org)
        form = page.locator(f'form[action="{sign_url}"]')
        party_select = form.locator('[name="party"]')
        if party_select.count() and party_select.evaluate("e => e.tagName") == "SELECT":
            party_select.select_option(str(party.pk))
        form.locator('[name="file"]').set_input_files(str(signed))
        submit(page, sign_url)

    upload(tom, consortium, make_pdf("Un altro documento"), "altro.pdf.p7m")
    expect(tom.locator("main")).to_contain_text("non è la convenzione generata da Trama")
    assert not version.signed_copies.exists()
    assert_accessible(tom)
    upload(tom, consortium, pdf, "consorzio.pdf.p7m")
    upload(tom, coop, pdf, "cooperativa.pdf.p7m")
    upload(alice, comune, pdf, "comune.pdf.p7m")
    call.refresh_from_db()
    assert call.state == Procedure.State.AGREED
    rollups_match()
    # Who signed stays on the agreement's page once it is in force.
    visit(tom, reverse("agreements:agreement", args=[agreement.pk]))
    expect(tom.get_by_test_id("signatures")).to_contain_text("Laura Conti (CNTLRA75B41E507Y)")
    # The scheduler starts it on its date.
    assert signing.start_due_agreements() == 1
    dashboard_url = reverse("agreements:dashboard", args=[agreement.pk])
    visit(alice, dashboard_url)
    # Pledged: 100.000 public, 30.000 additional (the ranking's 1.000 was reversed): 30 %.
    figure = figure_on(alice)
    expect(figure("public")).to_contain_text("100.000,00")
    expect(figure("additional")).to_contain_text("30.000,00")
    expect(figure("leverage")).to_contain_text("30,0\u00a0%")
    screenshot(alice, "agreement-05-dashboard-signed")

    # --- co-production: report 1 in the pages ----------------------------------------------
    open_url = reverse("agreements:report_open", args=[agreement.pk, 1])
    visit(tom, reverse("agreements:report", args=[agreement.pk, 1]))
    submit(tom, open_url)
    save_url = reverse("agreements:report_save", args=[agreement.pk, 1])
    field(tom, save_url, "activities").fill("Accolti i primi nuclei negli alloggi.")
    field(tom, save_url, "public_summary").fill("Primi nuclei accolti.")
    submit(tom, save_url)
    line_url = reverse("agreements:report_line", args=[agreement.pk, 1])
    field(tom, line_url, "contributor").select_option(str(consortium.pk))
    field(tom, line_url, "source").select_option("OWN_RESOURCES")
    field(tom, line_url, "category").select_option("PROFESSIONAL")
    field(tom, line_url, "description").fill("Ore degli educatori")
    field(tom, line_url, "amount").fill("15.000,00")
    submit(tom, line_url)
    expect(tom.locator("main")).to_contain_text("15.000,00")
    assert_accessible(tom)
    visit(tom, reverse("agreements:report_submit", args=[agreement.pk, 1]))
    confirm_review(tom)
    verify_url = reverse("agreements:report_verify", args=[agreement.pk, 1])
    visit(alice, verify_url)
    alice.locator('input[name="decision"][value="accept"]').check(force=True)
    confirm_review(alice)
    assert agreement.reports.get(period=first).state == "ACCEPTED"
    rollups_match()
    visit(alice, dashboard_url)
    # Realisation: 15.000 accepted ÷ 30.000 pledged additional = 50 %.
    expect(figure("additional-accepted")).to_contain_text("15.000,00")
    expect(figure("realisation")).to_contain_text("50,0\u00a0%")

    # The advance, once its contribution is published (art. 27), paid in the pages.
    signing.mark_published(agreement.parties.get(role=Party.Role.LEAD), by=personas.alice)
    advance = agreement.tranches.get(kind=Tranche.Kind.ADVANCE)
    pay_url = reverse("agreements:payment_record", args=[agreement.pk, advance.pk])
    visit(alice, pay_url)
    alice.locator('[name="paid_on"]').fill(starts_on.isoformat())
    alice.locator('[name="amount"]').fill("40.000,00")
    alice.locator('[name="order_number"]').fill("Mandato 118/2026")
    confirm_review(alice)
    visit(alice, reverse("agreements:payments", args=[agreement.pk]))
    expect(alice.locator("main")).to_contain_text("Mandato 118/2026")

    # The final report through the services, accepted; then the closing act in the pages.
    report = reports.open_report(agreement, final, by=personas.tom)
    reports.save_report(
        report, by=personas.tom, activities="Progetto concluso.", public_summary="Concluso."
    )
    reports.add_report_line(
        report,
        by=personas.tom,
        contributor=coop,
        source="OWN_RESOURCES",
        category="ORGANISATIONAL",
        year=final.ends_on.year,
        description="Spazi",
        amount=Decimal("12000"),
    )
    reports.submit_report(report, by=personas.tom)
    reports.verify_report(report, by=personas.alice, accept=True)
    visit(alice, reverse("agreements:complete", args=[agreement.pk]))
    alice.locator('[name="act_number"]').fill("DD 5/2027")
    alice.locator('[name="act_date"]').fill(timezone.localdate().isoformat())
    alice.locator('[name="reasons"]').fill("Attività concluse e rendicontate.")
    confirm_review(alice)
    call.refresh_from_db()
    assert call.state == Procedure.State.COMPLETED
    rollups_match()
    visit(alice, dashboard_url)
    # Realisation: 27.000 ÷ 30.000 = 90 %; 40.000 of the public contribution paid.
    expect(figure("realisation")).to_contain_text("90,0\u00a0%")
    expect(figure("public-paid")).to_contain_text("40.000,00")

    # Anyone reads the public page; the audit chain holds.
    anonymous = new_page()
    visit(anonymous, reverse("agreements:public", args=[agreement.pk]))
    expect(anonymous.locator("main")).to_contain_text("Consorzio Lario")
    expect(anonymous.locator("main")).not_to_contain_text("Accolti i primi nuclei")
    screenshot(anonymous, "agreement-06-public")
    assert verify_chain(chain_for(call)).ok
