"""A co-design call from its writing to the published ranking, in a real browser, with an
axe scan of every page visited: Alice (RUP) writes and publishes the call; Tom's consortium
and Una's association each write and submit a competing proposal in the pages; after the
deadline the commission (Eve) declares, Alice admits, Eve scores, Alice approves the
ranking, and the public sees it. Screenshots go to test-artifacts/."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from trama.audit.models import AuditEvent
from trama.conftest import make_org, make_user
from trama.pages.tests import test_browser_journeys as journeys
from trama.pages.tests.test_browser_journeys import assert_accessible, screenshot, sign_in, visit
from trama.procedures.models import Procedure
from trama.procedures.tests.test_browser_proposals import open_form
from trama.programs.services import create_program

pytestmark = pytest.mark.browser

browser, site, territories, new_page = (
    journeys.browser,
    journeys.site,
    journeys.territories,
    journeys.new_page,
)


@pytest.fixture
def people(territories, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    alice = make_user("alice@trama.test", first_name="Alice", last_name="Rossi")
    comune = make_org(
        "Comune di Lecco", by=alice, kind="PUBLIC_BODY", tax_code="00623530136", verified=True
    )
    make_user("eve@trama.test", first_name="Eve", last_name="Bianchi")  # the evaluator
    tom = make_user("tom@trama.test", first_name="Tom", last_name="Verdi")
    consortium = make_org("Consorzio Lario", by=tom, tax_code="05260180137", runts_number="12345")
    una = make_user("una@trama.test", first_name="Una", last_name="Ferri")
    aps = make_org("APS Ponte", by=una, tax_code="92012340136", runts_number="34567")
    year = timezone.localdate().year
    program = create_program(
        by=alice, owner=comune, title="Abitare solidale", start_year=year, end_year=year + 2
    )
    return {"program": program, "consortium": consortium, "aps": aps, "una": una, "year": year}


def write_and_submit(page, call, lead, title, form, year, *, hours):
    """A lead's administrator writes a proposal in the pages and submits it."""
    visit(page, f"/avvisi/{call.pk}/")
    page.locator("#id_lead").select_option(str(lead.pk))
    page.locator("#id_title").fill(title)
    page.get_by_role("button", name="Avvia una proposta").click()
    expect(page).to_have_url(re.compile(r"/proposte/\d+/$"))
    assert_accessible(page)
    for textarea in page.locator("textarea[name^=section-]").all():
        textarea.fill(f"{title}: alloggi temporanei e accompagnamento educativo.")
    expect(page.locator("#autosave-status")).to_contain_text("Salvato alle")
    total = f"{int(hours) * 24},00"
    page.locator("#id_total_budget_total").fill(total)
    page.get_by_role("button", name="Salva il totale").click()
    expect(page.get_by_text("Totale del piano economico salvato.")).to_be_visible()
    open_form(page, "files")
    page.locator("#id_files_files").set_input_files(str(form))
    page.get_by_role("button", name="Allega i documenti").click()
    expect(page.get_by_test_id("document")).to_have_count(1)
    open_form(page, "line")
    page.locator("#id_line_contributor").select_option(str(lead.pk))
    page.locator("#id_line_source").select_option("OWN_RESOURCES")
    page.locator("#id_line_category").select_option("PROFESSIONAL")
    page.locator("#id_line_year").fill(str(year))
    page.locator("#id_line_description").fill("Ore di educatore")
    page.locator("#id_line_quantity").fill(hours)
    page.locator("#id_line_unit_value").fill("24")
    page.get_by_role("button", name="Aggiungi la risorsa").click()
    expect(page.get_by_text("Risorsa aggiunta al piano economico.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"procedures-02-draft-{lead.slug}")
    page.get_by_role("link", name="Controlla e presenta").click()
    page.get_by_test_id("review-confirm").click()
    expect(page.locator('[data-testid="receipt"]')).to_contain_text(f"{call.pk}-0000")
    assert_accessible(page)


def test_from_the_call_to_the_published_ranking(new_page, people, tmp_path, time_machine):
    program, year = people["program"], people["year"]
    deadline = (timezone.localtime() + datetime.timedelta(days=3)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )

    # Alice writes the call, checks the draft and publishes it.
    alice = new_page()
    sign_in(alice, "alice@trama.test")
    visit(alice, f"/programmi/{program.slug}/")
    alice.locator('[data-action="call"]').click()
    expect(alice).to_have_url(re.compile("/avvisi/nuovo/$"))
    assert_accessible(alice)
    alice.locator("#id_kind").select_option("CO_DESIGN")
    alice.locator("#id_title").fill("Servizi per l'abitare")
    alice.locator("#id_description").fill("Accompagnamento all'abitare per nuclei fragili.")
    # A deadline too close to publish: the draft is saved, the publication then refused.
    too_close = timezone.localtime() + datetime.timedelta(hours=2)
    alice.locator("#id_deadline").fill(too_close.strftime("%Y-%m-%dT%H:%M"))
    alice.locator("#id_min_score").fill("50")
    alice.locator("#id_criteria-0-title").fill("Qualità del progetto")
    alice.locator("#id_criteria-0-max_points").fill("60")
    alice.locator("#id_criteria-1-title").fill("Risorse aggiuntive")
    alice.locator("#id_criteria-1-max_points").fill("40")
    # A third criterion, added and typed without losing the others (htmx), then removed.
    alice.get_by_role("button", name="Aggiungi un criterio").click()
    alice.locator("#id_criteria-2-title").fill("Da togliere")
    alice.locator("#id_criteria-2-max_points").fill("5")
    expect(alice.locator("#id_criteria-0-title")).to_have_value("Qualità del progetto")
    alice.locator('label[for="id_criteria-2-DELETE"]').click()
    alice.locator("#id_budget-0-amount").fill("150.000")
    screenshot(alice, "procedures-01-call-form")
    alice.get_by_role("button", name="Salva la bozza").dblclick()  # an impatient double click
    expect(alice).to_have_url(re.compile(r"/avvisi/\d+/$"))
    expect(alice.locator("[data-state]").first).to_have_attribute("data-state", "DRAFT")
    assert Procedure.objects.filter(title="Servizi per l'abitare").count() == 1
    assert_accessible(alice)
    # Publishing is refused: the draft's form comes back, the reason beside the deadline.
    alice.get_by_role("link", name="Pubblica l'avviso…").click()
    expect(alice).to_have_url(re.compile(r"/modifica/\?publish=1$"))
    expect(alice.locator("#id_deadline_error")).to_contain_text("almeno un giorno dopo")
    expect(alice.locator("#id_criteria-1-title")).to_have_value("Risorse aggiuntive")
    assert_accessible(alice)
    screenshot(alice, "procedures-01b-publication-refused")
    alice.locator("#id_deadline").click()
    alice.locator("#id_deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    # Leaving with the change unsaved asks first; staying keeps what was typed.
    asked = []
    alice.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    alice.get_by_role("link", name=program.title).click(no_wait_after=True)
    alice.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    expect(alice.locator("#id_deadline")).to_have_value(deadline.strftime("%Y-%m-%dT%H:%M"))
    alice.get_by_role("button", name="Salva e rivedi la pubblicazione").click()
    expect(alice.get_by_test_id("review-consequences")).to_contain_text("diventa pubblico")
    assert_accessible(alice)
    screenshot(alice, "procedures-01c-publication-review")
    alice.get_by_test_id("review-confirm").dblclick()
    expect(alice.locator("[data-state]").first).to_have_attribute("data-state", "PUBLISHED")
    assert not asked[1:]  # sending the form asked nothing
    call = Procedure.objects.get(title="Servizi per l'abitare")
    assert AuditEvent.objects.filter(action="procedure.published").count() == 1
    call_url = f"/avvisi/{call.pk}/"

    # The public finds it among the open calls.
    visitor = new_page()
    visit(visitor, "/avvisi/")
    visitor.get_by_role("link", name="Servizi per l'abitare").click()
    expect(visitor).to_have_url(re.compile(call_url + "$"))
    assert_accessible(visitor)

    # Two partnerships compete, each writing and submitting its proposal in the pages.
    form = tmp_path / "domanda.pdf"
    form.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    una = new_page()
    sign_in(una, "una@trama.test")
    write_and_submit(una, call, people["aps"], "Ponte", form, year, hours="50")
    tom = new_page()
    sign_in(tom, "tom@trama.test")
    write_and_submit(tom, call, people["consortium"], "Casa comune", form, year, hours="100")
    screenshot(tom, "procedures-03-receipt")

    # After the deadline: the commission, the declarations, admission, scores, ranking.
    time_machine.move_to(deadline + datetime.timedelta(minutes=5), tick=True)
    visit(alice, f"/avvisi/{call.pk}/valutazione/")
    alice.locator("#id_email").fill("eve@trama.test")
    alice.get_by_role("button", name="Nomina").click()
    alice.get_by_role("link", name="Apri la valutazione…").click()
    alice.get_by_test_id("review-confirm").click()
    expect(alice.locator("[data-state]").first).to_have_attribute("data-state", "EVALUATION")
    alice.get_by_role("link", name="Rendi la dichiarazione…").click()
    expect(alice.get_by_test_id("declaration-bodies")).to_contain_text("APS Ponte")
    alice.locator('label[for="id_conflict_0"]').click()
    alice.get_by_role("button", name="Sottoscrivi la dichiarazione").click()
    assert_accessible(alice)
    for _proposal in range(2):  # each admission reloads the desk with one fewer to decide
        alice.locator("textarea[name=reason]").first.fill("Requisiti presenti")
        alice.get_by_role("button", name="Ammetti").first.click()
        expect(alice.get_by_text("Decisione registrata.")).to_be_visible()
    expect(alice.get_by_role("button", name="Ammetti")).to_have_count(0)
    screenshot(alice, "procedures-04-desk")

    eve = new_page()
    sign_in(eve, "eve@trama.test")
    visit(eve, f"/avvisi/{call.pk}/valutazione/")
    eve.get_by_role("link", name="Rendi la dichiarazione…").click()
    eve.locator('label[for="id_conflict_0"]').click()
    eve.get_by_role("button", name="Sottoscrivi la dichiarazione").click()
    assert_accessible(eve)
    for form in eve.locator("form[action$='/punteggi/']").all():
        points = form.locator("input[name^=points-]").all()
        points[0].fill("55")
        points[1].fill("30")
        for rationale in form.locator("textarea").all():
            rationale.fill("Proposta coerente con l'avviso.")
        form.get_by_role("button", name="Salva i punteggi").click()
        expect(eve.get_by_text("Punteggi salvati.")).to_be_visible()

    visit(alice, f"/avvisi/{call.pk}/valutazione/")
    alice.get_by_role("link", name="Rivedi e pubblica la graduatoria…").click()
    review = alice.get_by_test_id("ranking-review")
    expect(review.locator("tbody tr")).to_have_count(2)
    expect(review).to_contain_text("Consorzio Lario")
    expect(review).to_contain_text("Selezionata")
    assert_accessible(alice)
    screenshot(alice, "procedures-04b-ranking-review")
    alice.get_by_role("button", name="Approva e pubblica la graduatoria").click()
    ranking = alice.locator('[data-testid="ranking"]')
    expect(ranking).to_contain_text("Consorzio Lario")
    expect(ranking).to_contain_text("APS Ponte")
    visit(visitor, call_url)
    expect(visitor.locator('[data-testid="ranking"] tbody tr')).to_have_count(2)
    screenshot(visitor, "procedures-05-ranking")
    # On a phone, the call page still reads.
    phone = new_page(viewport={"width": 375, "height": 800})
    visit(phone, call_url)
    screenshot(phone, "procedures-06-call-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the call page is {width}px wide on a 375px screen"
