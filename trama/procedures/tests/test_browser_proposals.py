"""A lead body's administrator writes a proposal in a real browser, with an axe scan of every
page visited: nothing typed or uploaded is lost on an error elsewhere, the text saves itself,
partners are found by name and removed, a partner body without an administrator is told what
to do, and the submission goes through a review that shows what is sealed and acts once.
Screenshots go to test-artifacts/ (desktop and 375 px)."""

import datetime
import hashlib
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from trama.conftest import make_org, make_user
from trama.organizations.models import Membership
from trama.pages.tests import test_browser_journeys as journeys
from trama.pages.tests.test_browser_journeys import assert_accessible, screenshot, sign_in, visit
from trama.procedures import services
from trama.procedures.models import Proposal, Receipt
from trama.programs.services import create_program

pytestmark = pytest.mark.browser

browser, site, territories, new_page = (
    journeys.browser,
    journeys.site,
    journeys.territories,
    journeys.new_page,
)

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def people(territories, settings, tmp_path):
    """Alice's call is open; Tom administers the consortium; the coop (verified) has only a
    member, Pat, and no administrator."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    alice = make_user("alice@trama.test", first_name="Alice", last_name="Rossi")
    comune = make_org(
        "Comune di Lecco", by=alice, kind="PUBLIC_BODY", tax_code="00623530136", verified=True
    )
    tom = make_user("tom@trama.test", first_name="Tom", last_name="Verdi")
    consortium = make_org("Consorzio Lario", by=tom, tax_code="05260180137", runts_number="12345")
    pat = make_user("pat@trama.test", first_name="Pat", last_name="Neri")
    coop = make_org(
        "Cooperativa Arcobaleno",
        by=pat,
        tax_code="01590830137",
        runts_number="23456",
        verified=True,
    )
    Membership.objects.filter(organization=coop, user=pat).update(role=Membership.Role.MEMBER)
    year = timezone.localdate().year
    program = create_program(
        by=alice, owner=comune, title="Abitare solidale", start_year=year, end_year=year + 1
    )
    deadline = (timezone.localtime() + datetime.timedelta(days=3)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    call = services.create_call(
        by=alice,
        program=program,
        title="Servizi per l'abitare",
        description="Accompagnamento all'abitare.",
        deadline=deadline,
    )
    services.set_criteria(
        call,
        by=alice,
        criteria=[{"title": "Qualità", "max_points": "60"}, {"title": "Rete", "max_points": "40"}],
    )
    call = services.publish_call(call, by=alice)
    return {"call": call, "consortium": consortium, "coop": coop, "year": year}


def open_form(page, which):
    """Open one of the draft page's secondary forms (line, files, partner): a link where it
    is closed, which htmx turns into the form in place."""
    link = page.locator(f"p#{which}-form > a")
    if link.count():
        link.click()
    form = page.locator(f"div#{which}-form")
    expect(form.locator("form").first).to_be_visible()
    # htmx binds the new form's own triggers (the search as you type) when it settles, a
    # moment after the form shows; a user can't type that fast, a test can.
    expect(form).not_to_have_class(re.compile(r"\bhtmx-added\b"))


def add_line(page, lead, year, description, amount):
    open_form(page, "line")
    page.locator("#id_line_contributor").select_option(str(lead.pk))
    page.locator("#id_line_year").fill(str(year))
    page.locator("#id_line_description").fill(description)
    page.locator("#id_line_amount").fill(amount)
    page.get_by_role("button", name="Aggiungi la risorsa").click()


def test_a_draft_keeps_every_piece_of_work_and_is_submitted_once(new_page, people, tmp_path):
    call, lead, coop, year = people["call"], people["consortium"], people["coop"], people["year"]
    form = tmp_path / "domanda firmata.pdf"
    form.write_bytes(PDF)

    tom = new_page()
    sign_in(tom, "tom@trama.test")
    visit(tom, f"/avvisi/{call.pk}/")
    tom.locator("#id_title").fill("Casa comune")
    tom.get_by_role("button", name="Avvia una proposta").click()
    expect(tom).to_have_url(re.compile(r"/proposte/\d+/$"))
    proposal = Proposal.objects.get(lead=lead)
    url = f"/proposte/{proposal.pk}/"
    # The deadline and the time left, on the page itself.
    expect(tom.get_by_test_id("deadline")).to_contain_text(re.compile(r"tempo rimasto: \d\sgiorni"))
    # A brand-new draft doesn't start with a way to throw it away: that is at the very end.
    withdraw = tom.get_by_role("link", name="Ritira la bozza…")
    review = tom.get_by_role("link", name="Controlla e presenta")
    assert withdraw.bounding_box()["y"] > review.bounding_box()["y"]

    # The text saves itself while typed.
    sections = tom.locator("textarea[name^=section-]")
    sections.nth(0).fill("Alloggi temporanei e accompagnamento educativo.")
    sections.nth(1).fill("Rete di vicinato con le parrocchie.")
    expect(tom.locator("#autosave-status")).to_contain_text(re.compile(r"Salvato alle \d\d:\d\d"))

    # The document is kept on the draft, shown with its name and size.
    open_form(tom, "files")
    tom.locator("#id_files_files").set_input_files(str(form))
    tom.get_by_role("button", name="Allega i documenti").click()
    expect(tom.get_by_test_id("document")).to_contain_text("domanda firmata.pdf")
    expect(tom.get_by_test_id("document")).to_contain_text("48")

    # An invalid total: its reason beside the field, and nothing else is lost.
    tom.locator("#id_total_budget_total").fill("1.200,505")
    tom.get_by_role("button", name="Salva il totale").click()
    expect(tom.locator("#id_total_budget_total_error")).to_contain_text("decimali")
    expect(tom.locator("#id_total_budget_total")).to_have_value("1.200,505")
    expect(sections.nth(0)).to_have_value("Alloggi temporanei e accompagnamento educativo.")
    screenshot(tom, "proposals-01-invalid-total")
    visit(tom, url)  # and really kept: on a fresh load too
    expect(sections.nth(1)).to_have_value("Rete di vicinato con le parrocchie.")
    expect(tom.get_by_test_id("document")).to_have_count(1)

    # Typing, then adding a resource at once: the text stays on the page and is saved.
    sections.nth(1).fill("Rete di vicinato con le parrocchie e la Caritas.")
    add_line(tom, lead, year, "Ore di educatore", "1.000")
    expect(tom.get_by_test_id("plan-line")).to_have_count(1)
    expect(sections.nth(1)).to_have_value("Rete di vicinato con le parrocchie e la Caritas.")
    expect(tom.locator("#autosave-status")).to_contain_text("Salvato alle")
    # A line added by mistake is removed, after a small confirmation.
    add_line(tom, lead, year, "Per errore", "5")
    expect(tom.get_by_test_id("plan-line")).to_have_count(2)
    tom.get_by_test_id("plan-line").nth(1).get_by_text("Togli…").click()
    tom.get_by_role("button", name="Sì, togli questa voce (5,00 €)").click()
    expect(tom.get_by_test_id("plan-line")).to_have_count(1)

    # A partner found by name, picked among the results.
    open_form(tom, "partner")
    tom.locator("#id_partner_q").fill("arcobal")
    expect(tom.locator("#partner-results")).to_contain_text("Cooperativa Arcobaleno")
    tom.get_by_role("button", name="Aggiungi al partenariato").click()
    # The lead is told the truth: nobody can confirm for the coop yet.
    expect(tom.get_by_role("alert").first).to_contain_text("non ha amministratori su Trama")
    expect(tom.get_by_test_id("no-admin")).to_be_visible()
    assert_accessible(tom)
    screenshot(tom, "proposals-02-draft")
    phone = new_page(
        viewport={"width": 375, "height": 800}, storage_state=tom.context.storage_state()
    )
    visit(phone, url)
    screenshot(phone, "proposals-03-draft-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the draft is {width}px wide on a 375px screen"

    # Pat, a member of the coop, sees why there is no button and what to do.
    pat = new_page()
    sign_in(pat, "pat@trama.test")
    visit(pat, url)
    explanation = pat.get_by_test_id("no-admin")
    expect(explanation).to_contain_text("Solo chi amministra Cooperativa Arcobaleno")
    expect(
        explanation.get_by_role("link", name="Chiedi il ruolo di amministratore")
    ).to_have_attribute("href", f"/enti/{coop.slug}/richiedi-accesso/")
    screenshot(pat, "proposals-04-partner-without-admin")

    # The lead removes the coop, which can't confirm, before submitting.
    tom.get_by_text("Togli Cooperativa Arcobaleno…").click()
    tom.get_by_role("button", name="Sì, togli Cooperativa Arcobaleno").click()
    expect(tom.get_by_test_id("partner")).to_have_count(1)

    # Complete the draft, then the review: what is sealed, with the file's hash.
    tom.locator("#id_total_budget_total").fill("1.000")
    tom.get_by_role("button", name="Salva il totale").click()
    expect(tom.locator("#checklist")).to_contain_text("C'è tutto il necessario")
    tom.get_by_role("link", name="Controlla e presenta").click()
    expect(tom).to_have_url(re.compile(r"/presenta/$"))
    assert_accessible(tom)
    expect(tom.get_by_test_id("sealed-files")).to_contain_text(hashlib.sha256(PDF).hexdigest())
    expect(tom.get_by_role("main")).to_contain_text("non si può annullare")
    screenshot(tom, "proposals-05-submit-review")
    # A double click submits once: one receipt.
    tom.get_by_test_id("review-confirm").dblclick()
    expect(tom.get_by_test_id("receipt")).to_contain_text(f"{call.pk}-00001")
    assert Receipt.objects.filter(proposal__procedure=call).count() == 1
    assert_accessible(tom)
