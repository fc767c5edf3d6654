"""The ledger's main journey in a real browser, with an axe scan of every page it visits.

A Third-Sector administrator records an in-kind pledge (hours at a reference rate) and an
actual; the public body's officer accepts the actual from the verification queue (ticked,
then one review page) and rejects another (its own review, a reason required);
the program's additional resources and leverage change; the accepted entries are exported
as XLSX with the filters of the list. The dashboard must fit a 375 px phone screen. It uses
the browser, fixtures and helpers of the organisation journeys; screenshots go to
test-artifacts/.
"""

import datetime
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from trama.conftest import make_org, make_user
from trama.ledger import services
from trama.ledger.models import LedgerEntry, ReferenceRate
from trama.pages.tests import test_browser_journeys as journeys
from trama.pages.tests.test_browser_journeys import assert_accessible, screenshot, sign_in, visit
from trama.programs.services import create_program

pytestmark = pytest.mark.browser
NBSP = "\xa0"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"

# The journeys' browser and live-server fixtures, shared rather than copied.
browser, site, territories, new_page = (
    journeys.browser,
    journeys.site,
    journeys.territories,
    journeys.new_page,
)


@pytest.fixture
def lecco(territories, settings, tmp_path):
    """The Comune di Lecco's 2016–2020 program with 10,000 € of its own money, and a coop."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    alice = make_user("alice@trama.test", first_name="Alice", last_name="Rossi")
    comune = make_org(
        "Comune di Lecco",
        by=alice,
        kind="PUBLIC_BODY",
        tax_code="00623530136",
        verified=True,
    )
    tom = make_user("tom@trama.test", first_name="Tom", last_name="Verdi")
    coop = make_org(
        "Cooperativa Arcobaleno",
        by=tom,
        tax_code="01590830137",
        municipality="Calolziocorte (LC)",
    )
    program = create_program(
        by=alice, owner=comune, title="Welfare comunitario", start_year=2016, end_year=2020
    )
    services.record_entry(
        by=alice,
        program=program,
        kind="ACTUAL",
        category="ECONOMIC",
        source="PUBLIC_OWNER",
        contributor=comune,
        year=2017,
        amount="10000.00",
    )
    rate = ReferenceRate.objects.create(
        name="Educatore professionale (CCNL cooperative sociali, D2)",
        unit="HOUR",
        value="22.50",
        valid_from=datetime.date(2016, 1, 1),
        source_note="Tabelle ministeriali costo del lavoro cooperative sociali",
    )
    # An actual of the coop that the officer will find without evidence and reject.
    unproven = services.record_entry(
        by=tom,
        program=program,
        kind="ACTUAL",
        category="ORGANISATIONAL",
        source="OWN_RESOURCES",
        contributor=coop,
        year=2016,
        amount="300.00",
    )
    return {"program": program, "coop": coop, "rate": rate, "unproven": unproven}


def figure(page, name):
    return page.locator(f'[data-figure="{name}"] .figure-number')


def choose(page, name, value):
    """Click a radio button's label, as a person does (Bootstrap Italia draws it there)."""
    radio = page.locator(f'input[name="{name}"][value="{value}"]')
    page.locator(f'label[for="{radio.get_attribute("id")}"]').click()
    expect(radio).to_be_checked()


def fill_entry(page, *, kind, category, contributor, valuation):
    choose(page, "kind", kind)
    page.locator("#id_category").select_option(category)
    page.locator("#id_source").select_option("OWN_RESOURCES")
    page.locator("#id_contributor").select_option(str(contributor.pk))
    page.locator("#id_year").select_option("2017")
    choose(page, "valuation", valuation)


def test_a_partner_records_the_officer_verifies_and_the_figures_move(new_page, lecco):
    program, coop, rate = lecco["program"], lecco["coop"], lecco["rate"]
    dashboard = f"/programmi/{program.slug}/"

    # Tom, for the coop: an in-kind pledge of 120 hours at the educators' rate.
    tom = new_page()
    sign_in(tom, "tom@trama.test")
    visit(tom, dashboard)
    expect(figure(tom, "additional")).to_have_text(f"0,00{NBSP}€")
    tom.locator('[data-action="record"]').click()
    expect(tom).to_have_url(re.compile("/risorse/nuova/$"))
    assert_accessible(tom)
    fill_entry(tom, kind="PLEDGE", category="PROFESSIONAL", contributor=coop, valuation="IN_KIND")
    # Only the fields that apply are shown.
    expect(tom.locator("#id_amount")).to_be_hidden()
    expect(tom.locator("#id_funder")).to_be_hidden()
    tom.locator("#id_quantity").fill("120")
    tom.locator("#id_rate").select_option(str(rate.pk))
    assert_accessible(tom)
    screenshot(tom, "ledger-01-entry-form-in-kind")
    tom.locator("#entry-form button[type=submit]").click()
    expect(tom).to_have_url(re.compile(r"/risorse/\d+/$"))
    expect(tom.locator("[data-amount]")).to_have_attribute("data-amount", "2700.00")
    expect(tom.locator("[data-valuation]")).to_contain_text(f"22,50{NBSP}€")
    assert_accessible(tom)

    # An actual of 1,500 €, typed the Italian way, first with a mistake.
    visit(tom, f"{dashboard}risorse/nuova/")
    fill_entry(tom, kind="ACTUAL", category="ECONOMIC", contributor=coop, valuation="MONEY")
    tom.locator("#id_amount").fill("1500,005")
    tom.locator("#entry-form button[type=submit]").click()
    expect(tom.locator("#id_amount_error")).to_be_visible()
    assert_accessible(tom)
    screenshot(tom, "ledger-02-entry-form-error")
    tom.locator("#id_amount").fill("1500,00")
    tom.locator("#id_evidence").set_input_files(
        files=[{"name": "fattura-2017.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    tom.locator("#entry-form button[type=submit]").click()
    expect(tom.locator('h1 [data-state="PENDING"]')).to_be_visible()
    assert_accessible(tom)
    actual = LedgerEntry.objects.get(kind="ACTUAL", contributor=coop, year=2017)
    assert actual.amount == 1500

    # Alice, for the Comune: the actual waits in her queue; she accepts it in place.
    alice = new_page()
    sign_in(alice, "alice@trama.test")
    queue = f"{dashboard}da-verificare/"
    visit(alice, queue)
    row = alice.locator(f"#queue-row-{actual.pk}")
    expect(row).to_contain_text(f"1.500,00{NBSP}€")
    screenshot(alice, "ledger-03-queue")
    # On a phone each row is a card: the queue does not scroll sideways.
    desktop = alice.viewport_size
    alice.set_viewport_size({"width": 375, "height": 812})
    assert alice.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(alice, "ledger-03-queue-375px")
    alice.set_viewport_size(desktop)
    # The officer may open the evidence before deciding.
    row.get_by_role("link", name=f"#{actual.pk}", exact=True).click()
    evidence = alice.locator("[data-evidence] a")
    expect(evidence).to_have_text("fattura-2017.pdf")
    assert_accessible(alice)
    with alice.expect_download() as download:
        evidence.click()
    assert Path(download.value.path()).read_bytes() == PDF
    # She ticks it and accepts it after one review page that lists it and its total.
    visit(alice, queue)
    row.locator('input[name="entries"]').check()
    alice.locator('[data-action="bulk-accept"]').click()
    expect(alice.locator('[data-total="actual"]')).to_have_text(f"1.500,00{NBSP}€")
    assert_accessible(alice)
    screenshot(alice, "ledger-04-bulk-review")
    alice.locator('[data-testid="review-confirm"]').click()
    expect(alice).to_have_url(re.compile("/da-verificare/$"))
    expect(row).to_have_count(0)
    # A rejection opens its own review; without a reason it stays there and says why.
    unproven = alice.locator(f"#queue-row-{lecco['unproven'].pk}")
    unproven.locator('[data-action="reject"]').click()
    alice.locator('[data-testid="review-confirm"]').click()
    expect(alice.locator('textarea[name="reason"]')).to_have_attribute("aria-invalid", "true")
    assert_accessible(alice)
    alice.locator('textarea[name="reason"]').fill("Nessun giustificativo")
    alice.locator('[data-testid="review-confirm"]').click()
    expect(alice).to_have_url(re.compile("/da-verificare/$"))
    expect(unproven).to_have_count(0)
    screenshot(alice, "ledger-04-queue-decided")

    # The dashboard now counts it: 1,500 € on 10,000 € of public money is 15 %.
    visit(alice, dashboard)
    expect(figure(alice, "additional")).to_have_text(f"1.500,00{NBSP}€")
    expect(figure(alice, "leverage")).to_have_text(f"15,0{NBSP}%")
    screenshot(alice, "ledger-05-dashboard")
    choose(alice, "basis", "pledged")
    alice.locator("form.basis-form button[type=submit]").click()
    expect(figure(alice, "additional")).to_have_text(f"2.700,00{NBSP}€")
    assert_accessible(alice)

    # From the figure to its entries, and those entries as a spreadsheet.
    visit(alice, dashboard)
    figure(alice, "additional").get_by_role("link").click()
    expect(alice).to_have_url(
        re.compile(r"/risorse/\?kind=ACTUAL&measure=accepted&source=ADDITIONAL$")
    )
    assert_accessible(alice)
    expect(alice.locator("tr[data-entry]")).to_have_count(1)
    export = alice.locator('[data-export="xlsx"]')
    expect(export).to_have_attribute(
        "href",
        re.compile(r"/risorse/esporta\.xlsx\?kind=ACTUAL&measure=accepted&source=ADDITIONAL$"),
    )
    with alice.expect_download() as download:
        export.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = io.BytesIO(Path(download.value.path()).read_bytes())
    sheet = load_workbook(workbook, read_only=True).active
    ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] is not None]
    assert ids == [actual.pk]

    # The other public pages of the ledger pass the same scan.
    for path in ("/programmi/", "/programmi/nuovo/", f"/enti/{program.owner.slug}/risorse/"):
        visit(alice, path)

    # On a phone the dashboard reflows instead of scrolling sideways (WCAG 1.4.10).
    alice.set_viewport_size({"width": 375, "height": 812})
    visit(alice, dashboard)
    assert alice.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(alice, "ledger-06-dashboard-375px")
