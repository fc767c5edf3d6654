"""Territories and partnerships in a real browser, with an axe scan of every page visited.

A visitor finds Lecco, reads its story step by step, compares it with Piemonte (which has
no data: said so, not zero) and shares the link; the consortium's administrator records the
social enterprise's members and shares, with a mistake first; the partnership's page shows
the private members' 51 %. Screenshots go to test-artifacts/.
"""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from trama.conftest import make_org, make_user
from trama.ledger import services as ledger
from trama.pages.tests import test_browser_journeys as journeys
from trama.pages.tests.test_browser_journeys import assert_accessible, screenshot, sign_in, visit
from trama.partnerships import services
from trama.procedures.services import record_historical_procedure
from trama.programs.services import create_program

pytestmark = pytest.mark.browser

browser, site, territories, new_page = (
    journeys.browser,
    journeys.site,
    journeys.territories,
    journeys.new_page,
)


@pytest.fixture
def lecco(territories):
    alice = make_user("alice@trama.test", first_name="Alice", last_name="Rossi")
    comune = make_org(
        "Comune di Lecco", by=alice, kind="PUBLIC_BODY", tax_code="00623530136", verified=True
    )
    tom = make_user("tom@trama.test", first_name="Tom", last_name="Verdi")
    consortium = make_org("Consorzio Lario", by=tom, tax_code="05260180137")
    coop = make_org("Cooperativa Arcobaleno", by=tom, tax_code="01590830137")
    entity = make_org(
        "Impresa sociale del Lario", by=tom, tax_code="03781250133", legal_form="SOCIAL_ENTERPRISE"
    )
    program = create_program(
        by=alice, owner=comune, title="Welfare comunitario", start_year=2016, end_year=2020
    )
    for title, year, bodies in (
        ("Primo avviso", 2016, [consortium]),
        ("Secondo avviso", 2018, [consortium, coop]),
    ):
        record_historical_procedure(
            by=alice, program=program, title=title, kind="CO_DESIGN",
            opened_on=datetime.date(year, 3, 1), participants=bodies,
        )  # fmt: skip
    partnership = services.record_contractual(
        by=alice, program=program, formed_on=datetime.date(2016, 9, 1), name="Alleanza di Lecco"
    )
    for year, public, own in ((2016, "100.000,00", "15.000,00"), (2018, "200.000,00", "45.000,00")):
        common = dict(by=alice, program=program, kind="ACTUAL", category="ECONOMIC", year=year)
        ledger.record_entry(contributor=comune, source="PUBLIC_OWNER", amount=public, **common)
        ledger.record_entry(contributor=consortium, source="OWN_RESOURCES", amount=own, **common)
    return {"alice": alice, "tom": tom, "entity": entity, "partnership": partnership}


def test_a_territory_told_compared_and_an_institution_recorded(new_page, lecco):
    page = new_page()
    visit(page, "/territori/")
    expect(page.get_by_role("heading", name="Territori", exact=True)).to_be_visible()
    # The map has its table: Lombardia with its leverage, Piemonte without data.
    expect(page.get_by_test_id("regions").locator("[data-region='03']")).to_contain_text("20,0")
    expect(page.get_by_test_id("regions").locator("[data-region='01']")).to_contain_text(
        "nessun dato"
    )
    assert_accessible(page)
    screenshot(page, "territories-01-map")

    page.get_by_label("Cerca una regione, una provincia, un ambito, un comune o un programma").fill(
        "Lecc"
    )
    page.get_by_role("button", name="Cerca").click()
    page.get_by_role("link", name="Lecco (LC) — Comune").click()
    expect(page).to_have_url(re.compile(r"/territori/municipality:097042/$"))
    steps = page.get_by_test_id("timeline").locator("li")
    expect(steps).to_have_count(4)
    expect(steps.nth(3)).to_contain_text("Secondo avviso")
    expect(steps.nth(3)).to_contain_text("rete: 2 enti")
    # 15.000 + 45.000 of additional resources on 100.000 + 200.000 of public money: 20 %.
    expect(steps.nth(3)).to_contain_text("20,0")
    assert_accessible(page)
    screenshot(page, "territories-02-timeline")

    page.get_by_role("link", name="Confronta con altri territori").click()
    page.get_by_label("Cerca una regione, una provincia, un ambito, un comune o un programma").fill(
        "Piem"
    )
    page.get_by_role("button", name="Cerca").click()
    page.get_by_role("link", name="Aggiungi Piemonte — Regione").click()
    table = page.get_by_test_id("comparison")
    expect(table).to_contain_text("300.000,00")
    expect(table.locator("tr", has_text="Risorse pubbliche (€)").first).to_contain_text("0,00")
    expect(table.locator("tr", has_text="Leva").first).to_contain_text("nessun dato")
    share = page.locator("#share-url").input_value()
    assert "t=municipality%3A097042" in share and "t=region%3A01" in share
    assert_accessible(page)
    screenshot(page, "territories-03-compare")
    phone = new_page(viewport={"width": 375, "height": 800})
    shared = urlsplit(share)
    visit(phone, f"{shared.path}?{shared.query}")
    expect(phone.get_by_test_id("comparison")).to_be_visible()
    screenshot(phone, "territories-04-compare-phone")

    # The consortium's administrator records the entity's members and shares.
    tom = new_page()
    sign_in(tom, "tom@trama.test")
    visit(tom, "/enti/impresa-sociale-del-lario/quote/")
    tom.get_by_label("Tipo di atto").select_option("CONSTITUTION")
    tom.get_by_label("Data dell'atto").fill("2018-12-14")
    holdings = tom.get_by_test_id("holding")
    for n, (member, share) in enumerate((("00623530136", "49,00"), ("05260180137", "41,00"))):
        holdings.nth(n).locator("input[name$='-member']").fill(member)
        holdings.nth(n).locator("input[name$='-share']").fill(share)
    tom.get_by_role("button", name="Registra l'atto").click()
    expect(tom.get_by_role("alert").first).to_contain_text("90,00")
    # The form is kept as typed: one share to mend, one member to add.
    holdings.nth(1).locator("input[name$='-share']").fill("25,50")
    holdings.nth(2).locator("input[name$='-member']").fill("01590830137")
    holdings.nth(2).locator("input[name$='-share']").fill("25,50")
    tom.get_by_role("button", name="Registra l'atto").click()
    expect(tom.get_by_test_id("acts")).to_contain_text("Costituzione")
    assert_accessible(tom)
    screenshot(tom, "territories-05-shares")

    institution = services.record_institutional(
        by=lecco["alice"],
        owner=lecco["partnership"].owner,
        entity=lecco["entity"],
        grew_from=lecco["partnership"],
    )
    visit(page, institution.get_absolute_url())
    expect(page.get_by_test_id("private-total")).to_contain_text("51,00")
    expect(page.get_by_test_id("grew-from")).to_contain_text("Alleanza di Lecco")
    assert_accessible(page)
    screenshot(page, "territories-06-institution")
    page.get_by_role("link", name="Alleanza di Lecco").click()
    expect(page.get_by_test_id("became")).to_contain_text("Impresa sociale del Lario")
    expect(page.get_by_test_id("members")).to_contain_text("Cooperativa Arcobaleno")
    assert_accessible(page)
