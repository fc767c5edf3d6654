"""The main journeys in a real browser, with an axe scan (WCAG 2.1 A and AA) of every page.

Playwright drives the system Chromium against pytest-django's live server, as an Italian
browser would. Form controls are found by id or role, so rewording a label does not break a
journey; wording is asserted where it is what the user checks (the page they land on, the
tax-code error, the language switch). Italian wording needs the compiled catalogues, which
`make unit` builds (`make translations`). Screenshots go to test-artifacts/.
"""

import os
import re
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.core import mail
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

from trama.conftest import PASSWORD, make_org, make_user
from trama.organizations.models import Membership, Organization
from trama.organizations.services import invite_member
from trama.territories.models import Municipality
from trama.territories.services import load_territories

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"
AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING_IMPACTS = {"serious", "critical"}
PHONE = {"width": 375, "height": 812}


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses
    # ORM calls while a loop runs; the tests touch the database only between browser steps.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(live_server, settings):
    """The live server's address; links in e-mails point to it."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def territories(transactional_db):
    # The live server answers from another connection, so these tests commit and pytest-django
    # TRUNCATEs every table after each of them, municipalities included: only the first
    # transactional test of a session still sees those loaded by django_db_setup.
    # serialized_rollback does not help: Django serialises the test database right after
    # migrating it, before django_db_setup loads the territories, and rebuilding ~8,000 rows
    # through the serialisers is slower than the bulk loader. So the tests that need a
    # municipality reload them when missing (~1 s); the others do not pay for it.
    if not Municipality.objects.exists():
        load_territories()


@pytest.fixture
def new_page(browser, site):
    """new_page() opens a fresh browser profile (its own cookies) on the live server."""
    contexts = []

    def open_page(**options):
        # An Italian browser, as most of Trama's users have.
        options = {"locale": "it-IT", "viewport": {"width": 1280, "height": 900}, **options}
        context = browser.new_context(base_url=site, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


# --- helpers ------------------------------------------------------------------------------


def assert_accessible(page):
    """Fail on any serious or critical WCAG 2.1 A/AA violation axe finds on the page, or if
    the page scrolls sideways on a 375 px phone screen (WCAG 1.4.10, reflow)."""
    assert_fits_a_phone(page)
    results = AXE.run(page, options=AXE_OPTIONS)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(
            f"    - {' '.join(map(str, node['target']))}: {_summary(node)}" for node in v["nodes"]
        )
        for v in blocking
    )
    assert not blocking, f"Accessibility violations on {page.url}:\n{report}"


def assert_fits_a_phone(page):
    """The page, laid out 375 px wide, is no wider than the screen; then back as it was."""
    viewport = page.viewport_size
    if viewport["width"] != PHONE["width"]:
        page.set_viewport_size(PHONE)
    width = _page_width(page)
    if viewport["width"] != PHONE["width"]:
        page.set_viewport_size(viewport)
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 375 px screen"


def _page_width(page):
    """The laid-out width of the document, once a navigation a click started has landed (read
    mid-navigation, the document is briefly missing)."""
    for _attempt in range(50):
        page.wait_for_load_state()
        try:
            width = page.evaluate(
                "document.documentElement && document.documentElement.scrollWidth"
            )
        except PlaywrightError:  # the execution context went away with the old document
            width = None
        if width is not None:
            return width
        page.wait_for_timeout(100)
    raise AssertionError(f"{page.url} never finished loading")


def _summary(node):
    return " ".join((node.get("failureSummary") or "").split())[:300]


def visit(page, path):
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} answered {response and response.status}"
    assert_accessible(page)


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def last_mail_to(address):
    """The newest e-mail sent to the address (the live server sends it in its own thread)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for message in reversed(mail.outbox):
            if address in message.to:
                return message
        time.sleep(0.05)
    raise AssertionError(f"No e-mail to {address}; outbox: {[m.to for m in mail.outbox]}")


def link_in(message):
    match = re.search(r"https?://\S+", message.body)
    assert match, f"No link in the e-mail:\n{message.body}"
    return match.group(0)


def sign_up_and_verify(page, email, name=("Nadia", "Neri")):
    """Fill allauth's sign-up form, then confirm the address from the e-mail's link."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrazione")
    page.locator("#id_first_name").fill(name[0])
    page.locator("#id_last_name").fill(name[1])
    page.locator("#id_email").fill(email)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Registrazione").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifica il tuo indirizzo email")
    assert_accessible(page)

    message = last_mail_to(email)
    visit(page, link_in(message))
    expect(page.get_by_role("heading", level=1)).to_have_text("Conferma l'indirizzo email")
    expect(page.get_by_role("main")).to_contain_text(email)
    page.get_by_role("button", name="Conferma").click()


def sign_in(page, email):
    visit(page, "/account/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Accedi").click()
    expect(page.locator("#account-menu")).to_be_visible()
    assert_accessible(page)


def account_menu(page):
    return page.locator("#account-menu")


# --- journeys -----------------------------------------------------------------------------


def test_it_signs_up_with_email_and_lands_signed_in(new_page):
    # Even a browser asking for English gets Italian until the person picks English.
    page = new_page(locale="en-US")
    visit(page, "/")
    expect(page.locator("html")).to_have_attribute("lang", "it")
    page.locator("header").get_by_role("link", name="Registrati").click()
    expect(page).to_have_url(re.compile("/account/signup/$"))
    assert_accessible(page)
    screenshot(page, "01-signup")

    sign_up_and_verify(page, "nadia@trama.test")

    expect(page).to_have_url(re.compile("/area-personale/$"))
    expect(account_menu(page)).to_have_text("Nadia Neri")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nadia Neri")
    assert_accessible(page)
    screenshot(page, "02-dashboard-after-signup")


def test_it_registers_an_organisation_after_correcting_its_tax_code(new_page, territories):
    make_user("tom@trama.test", first_name="Tom", last_name="Verdi")
    page = new_page()
    sign_in(page, "tom@trama.test")
    visit(page, "/enti/nuovo/")

    form = page.get_by_role("main").locator("form")
    page.locator("#id_name").fill("Consorzio Lario")
    page.locator("#id_kind").select_option("THIRD_SECTOR")
    page.locator("#id_legal_form").select_option("CONSORTIUM")
    page.locator("#id_tax_code").fill("05260180138")  # wrong check digit
    page.locator("#id_municipality").fill("Lecco (LC)")
    page.locator("#id_pec").fill("consorzio@pec.trama.test")
    form.locator("button[type=submit]").click()

    tax_code = page.locator("#id_tax_code")
    expect(tax_code).to_have_attribute("aria-invalid", "true")
    # The error is in Italian and read out with the field, not only shown next to it.
    expect(tax_code).to_have_accessible_description(
        re.compile("05260180138 non è un codice fiscale valido")
    )
    expect(page.locator("#id_name")).to_have_value("Consorzio Lario")
    expect(page.locator("#id_kind")).to_have_value("THIRD_SECTOR")
    expect(page.locator("#id_legal_form")).to_have_value("CONSORTIUM")
    expect(page.locator("#id_municipality")).to_have_value("Lecco (LC)")
    expect(page.locator("#id_pec")).to_have_value("consorzio@pec.trama.test")
    assert_accessible(page)
    screenshot(page, "03-organisation-form-error")

    tax_code.fill("05260180137")
    form.locator("button[type=submit]").click()

    org = Organization.objects.get(tax_code="05260180137")
    expect(page).to_have_url(re.compile(f"/enti/{org.slug}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Consorzio Lario")
    main = page.get_by_role("main")
    expect(main).to_contain_text("05260180137")
    expect(main).to_contain_text("Lecco (LC), Lombardia")
    assert_accessible(page)
    assert Membership.objects.get(organization=org).user.email == "tom@trama.test"


def test_it_invites_a_colleague_who_signs_up_and_joins(new_page, territories):
    tom = make_user("tom@trama.test", first_name="Tom", last_name="Verdi")
    org = make_org("Cooperativa Arcobaleno", by=tom, tax_code="01590830137")
    admin = new_page()
    sign_in(admin, "tom@trama.test")
    visit(admin, f"/enti/{org.slug}/membri/")

    admin.locator("#id_email").fill("lucia@trama.test")
    admin.locator("#id_role").select_option("MEMBER")
    admin.locator("#id_email").press("Enter")
    expect(admin.get_by_role("alert").first).to_contain_text("lucia@trama.test")
    pending = admin.get_by_role("main").get_by_role("listitem").filter(has_text="lucia@trama.test")
    expect(pending).to_have_count(1)
    assert_accessible(admin)
    screenshot(admin, "04-members-invitation-sent")

    invitation_link = link_in(last_mail_to("lucia@trama.test"))

    lucia = new_page()
    visit(lucia, invitation_link)
    expect(lucia.get_by_role("main")).to_contain_text("Cooperativa Arcobaleno")
    lucia.get_by_role("main").locator("a[href^='/account/signup/']").click()
    assert_accessible(lucia)
    sign_up_and_verify(lucia, "lucia@trama.test", name=("Lucia", "Bruno"))

    expect(lucia).to_have_url(invitation_link)
    assert_accessible(lucia)
    lucia.get_by_role("main").locator("form button[type=submit]").click()
    expect(lucia).to_have_url(re.compile(f"/enti/{org.slug}/$"))
    expect(lucia.get_by_role("alert").first).to_contain_text("Cooperativa Arcobaleno")
    assert_accessible(lucia)

    visit(admin, f"/enti/{org.slug}/membri/")
    members = admin.get_by_role("table")
    lucia_row = members.get_by_role("row").filter(has_text="lucia@trama.test")
    expect(lucia_row).to_have_count(1)
    expect(lucia_row.get_by_role("cell").first).to_have_text("Lucia Bruno")
    expect(pending).to_have_count(0)
    assert_accessible(admin)


def test_it_switches_language_and_back(new_page):
    page = new_page()
    visit(page, "/account/login/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Accedi")

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile("/account/login/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(heading).to_have_text("Sign In")
    expect(page.locator("header").get_by_role("link", name="Sign up")).to_be_visible()
    expect(page.get_by_label("Remember Me")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "05-login-english")

    page.get_by_role("link", name="Italiano").click()
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(heading).to_have_text("Accedi")
    expect(page.locator("header").get_by_role("link", name="Registrati")).to_be_visible()
    assert_accessible(page)


def test_it_switches_the_active_organisation_also_on_a_phone(new_page, territories):
    tom = make_user("tom@trama.test", first_name="Tom", last_name="Verdi")
    consortium = make_org("Consorzio Lario", by=tom, tax_code="05260180137")
    coop = make_org(
        "Cooperativa Arcobaleno",
        by=tom,
        tax_code="01590830137",
        municipality="Calolziocorte (LC)",
    )
    # An invitation waits for Tom: his personal area lists it, with its button (axe-scanned).
    una = make_user("una@trama.test")
    aps = make_org("APS Ponte", by=una, tax_code="92012340136")
    invite_member(aps, by=una, email="tom@trama.test")
    page = new_page()
    sign_in(page, "tom@trama.test")
    visit(page, "/area-personale/")
    expect(page.locator("li.task[data-kind='invitation']")).to_contain_text("APS Ponte")
    switch = page.locator("header").get_by_role("combobox")
    active = switch.locator("option:checked")
    other = coop if active.inner_text() == consortium.name else consortium

    switch.select_option(str(other.pk))
    page.locator("header form.org-switch button[type=submit]").click()
    expect(page).to_have_url(re.compile("/area-personale/$"))
    expect(page.get_by_role("alert").first).to_contain_text(other.name)
    expect(active).to_have_text(other.name)
    card = page.locator(".org-list li").filter(has_text=other.name)
    expect(card.locator("strong")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "06-dashboard-after-switch")

    # The choice sticks, and the crowded header still fits a 375 px phone screen without
    # scrolling sideways (WCAG 1.4.10, reflow).
    page.set_viewport_size({"width": 375, "height": 812})
    for path in ("/enti/", "/enti/nuovo/", "/area-personale/"):
        visit(page, path)
        expect(active).to_have_text(other.name)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    screenshot(page, "07-organisation-form-375px")


def test_it_explains_the_api_to_developers_in_both_languages(new_page):
    page = new_page()
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    visit(page, "/")
    page.get_by_role("navigation", name="Menu principale").get_by_role("link", name="API").click()
    expect(page).to_have_url(re.compile("/sviluppatori/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sviluppatori")
    expect(page.get_by_role("main")).to_contain_text("Sola lettura")
    assert_accessible(page)
    # Bootstrap Italia's typefaces come from Trama's own static files.
    loaded = page.evaluate(
        "document.fonts.ready.then(() => [...document.fonts]"
        ".filter(f => f.status === 'loaded').map(f => f.family))"
    )
    assert "Titillium Web" in loaded
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith('"Titillium Web"')

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Developers")
    expect(page.get_by_role("main")).to_contain_text("Read only")
    assert_accessible(page)
    screenshot(page, "08-developers-english")

    page.get_by_role("main").get_by_role("link", name="API reference").click()
    expect(page).to_have_url(re.compile("/api/v1/docs$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("API reference")
    expect(page.locator("header")).to_be_visible()
    assert_accessible(page)
    assert failed == []
