"""The community of practice in a real browser, with an axe scan of every page visited.

On the demo (the Lecco program, its practice sheet, the community's members and discussion
categories) and a Turin-like meeting set in the future: a person joins the community,
registers to the open morning, is refused the restricted workshop, reads the Lecco practice
sheet and finds the figures of the program's dashboard, asks a question that a moderator
approves, another member answers, and accepts the answer. The assertions read the Italian
the users get. Screenshots go to test-artifacts/.
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from trama.community.events import services as events
from trama.conftest import make_user
from trama.demo import load
from trama.organizations.models import Organization
from trama.pages.tests import test_browser_journeys as journeys
from trama.pages.tests.test_browser_journeys import (
    assert_accessible,
    last_mail_to,
    link_in,
    screenshot,
    sign_in,
    visit,
)

pytestmark = pytest.mark.browser

browser, site, territories, new_page = (
    journeys.browser,
    journeys.site,
    journeys.territories,
    journeys.new_page,
)

ROME = ZoneInfo("Europe/Rome")
PHONE_WIDTH = 390
MODERATOR = "rup@demo.trama.it"
MEETING = "Comunità di pratiche sulla co-progettazione — nuovo incontro di Torino"


def _at(day, hour, minute):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ROME)


@pytest.fixture
def demo(territories, monkeypatch):
    """The demo (the Lecco program and its practice sheet, the community's members, topics and
    discussions) without its calls, agreement and partnerships, which this journey does not
    visit and which take most of its loading time (the agreement's PDF); and a Turin-like
    meeting a month ahead, since the demo's own Turin meeting of 17 December 2018 is over: an
    open morning with 80 places and a workshop restricted to the Lecco consortium."""
    for loader in (
        "load_open_call",
        "load_waiting_work",
        "load_call_in_evaluation",
        "load_agreement_in_progress",
        "load_lecco_partnerships",
    ):
        monkeypatch.setattr(load, loader, lambda *args, **kwargs: None)
    load.load_demo()
    comune = Organization.objects.get(name="Comune di Lecco")
    giulia = comune.memberships.get(user__email=MODERATOR).user
    day = timezone.localdate() + datetime.timedelta(days=30)
    meeting = events.create_event(
        by=giulia,
        title=MEETING,
        description="Una mattina aperta a tutti e un pomeriggio riservato alla comunità.",
        place="Torino",
        organizer=comune,
        # The afternoon first: the page orders the sessions by their start, not as entered.
        sessions=[
            {
                "title": "Laboratorio della comunità di pratiche",
                "starts_at": _at(day, 14, 30),
                "ends_at": _at(day, 17, 30),
                "access": "RESTRICTED",
                "online_url": "https://meet.example.org/laboratorio",
            },
            {
                "title": "Seminario aperto",
                "starts_at": _at(day, 9, 30),
                "ends_at": _at(day, 13, 0),
                "capacity": 80,
            },
        ],
    )
    events.invite(
        meeting.sessions.get(access="RESTRICTED"),
        by=giulia,
        organization=Organization.objects.get(name="Consorzio Lario Cooperative Sociali"),
    )
    make_user("nadia@trama.test", first_name="Nadia", last_name="Neri")
    return meeting


def sign_in_demo(page, email):
    """Sign in as one of the demo's people (their password is the demo's)."""
    visit(page, "/account/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(load.DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Accedi").click()
    expect(page.locator("#account-menu")).to_be_visible()


def shown_figures(page, rows, label, value):
    """{label: value} of the figures a page shows, read from its text (the label's own text,
    without what its children add), spaces normalised."""
    pairs = page.locator(rows).evaluate_all(
        """(rows, [label, value]) => rows.map(row => [
            row.querySelector(label).firstChild.textContent,
            row.querySelector(value).textContent])""",
        [label, value],
    )
    return {" ".join(k.split()): " ".join(v.split()) for k, v in pairs}


def assert_fits(page, width):
    """Laid out `width` px wide, the page does not scroll sideways (WCAG 1.4.10, reflow)."""
    page.set_viewport_size({"width": width, "height": 844})
    page.wait_for_load_state()
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide on a {width} px screen"


def test_a_newcomer_joins_registers_reads_a_practice_and_gets_an_answer(new_page, demo):
    nadia = new_page()
    sign_in(nadia, "nadia@trama.test")

    # She joins the community.
    visit(nadia, "/comunita/aderisci/")
    nadia.locator("#id_display_name").fill("Nadia Neri")
    nadia.locator("label[for=id_consent]").click()
    nadia.get_by_role("main").get_by_role("button", name="Aderisci alla comunità").click()
    expect(nadia.get_by_role("alert").first).to_have_text(
        "Ti diamo il benvenuto nella comunità di pratiche."
    )
    assert_accessible(nadia)
    screenshot(nadia, "community-01-joined")

    # The Turin-like meeting: the day once, then its sessions in order.
    visit(nadia, "/comunita/eventi/")
    nadia.get_by_role("link", name=MEETING).click()
    expect(nadia.get_by_role("heading", level=1)).to_have_text(MEETING)
    assert_accessible(nadia)
    day = nadia.get_by_test_id("session-day")
    expect(day).to_have_count(1)
    expect(day).to_contain_text(str(demo.starts_at.astimezone(ROME).year))
    sessions = nadia.get_by_test_id("session")
    expect(sessions).to_have_count(2)
    morning, workshop = sessions.nth(0), sessions.nth(1)
    expect(morning.get_by_role("heading")).to_contain_text("Seminario aperto")
    expect(morning).to_contain_text("09:30–13:00")
    expect(morning).to_contain_text("0 posti occupati su 80")
    expect(workshop.get_by_role("heading")).to_contain_text(
        "Laboratorio della comunità di pratiche"
    )
    expect(workshop).to_contain_text("14:30–17:30")

    # She registers to the open morning...
    morning.get_by_role("button", name="Iscriviti").click()
    expect(nadia.get_by_role("alert").first).to_have_text(
        "Iscrizione confermata. Ti stiamo inviando un'e-mail di conferma."
    )
    expect(morning).to_contain_text("Iscrizione confermata.")
    expect(morning).to_contain_text("1 posto occupato su 80")
    expect(morning.get_by_role("button", name="Annulla la mia iscrizione")).to_be_visible()
    assert last_mail_to("nadia@trama.test").subject.endswith(f"Iscrizione confermata: “{MEETING}”")
    # ... while the workshop says it is for the invited, with nothing that reads as an offer.
    expect(workshop).to_contain_text(
        "Questa sessione è riservata ai membri e agli enti invitati dagli organizzatori."
    )
    expect(workshop.get_by_role("button")).to_have_count(0)
    expect(workshop).not_to_contain_text("iscritti")
    expect(workshop).not_to_contain_text("posti")
    assert_accessible(nadia)
    screenshot(nadia, "community-02-event")
    # The event page fits a 390 px phone.
    assert_fits(nadia, PHONE_WIDTH)
    screenshot(nadia, "community-03-event-390px")
    nadia.set_viewport_size({"width": 1280, "height": 900})

    # A registration sent anyway (a stale page, a crafted form) is refused, in Italian.
    workshop_id = demo.sessions.get(access="RESTRICTED").pk
    morning.locator("form").evaluate(
        "(form, action) => { form.action = action; form.submit(); }",
        reverse("events:register", args=[workshop_id]),
    )
    expect(nadia.get_by_role("alert").first).to_contain_text(
        "Questa sessione è riservata ai membri e agli enti invitati dagli organizzatori"
    )
    expect(workshop.get_by_role("button")).to_have_count(0)
    assert_accessible(nadia)

    # The Lecco practice sheet shows the figures of the program's dashboard, read live.
    visit(nadia, "/comunita/pratiche/")
    nadia.get_by_role("link", name=re.compile("Welfare comunitario nell'Ambito di Lecco")).click()
    expect(nadia.get_by_role("heading", level=1)).to_contain_text("tre avvisi di co-progettazione")
    expect(nadia.get_by_role("link", name="Cronologia (1 versione)")).to_be_visible()
    assert_accessible(nadia)
    screenshot(nadia, "community-04-practice")
    sheet = shown_figures(nadia, "[data-testid=live-figures] tr", "th", "td")
    nadia.get_by_role("main").get_by_role("link", name="Welfare comunitario").first.click()
    expect(nadia).to_have_url(re.compile("/programmi/welfare-comunitario-ambito-di-lecco/$"))
    assert_accessible(nadia)
    screenshot(nadia, "community-05-program")
    dashboard = shown_figures(nadia, "[data-figures] .figure-card", "dt", "dd.figure-number")
    shared = {label: value for label, value in sheet.items() if label in dashboard}
    assert set(shared) >= {
        "Risorse pubbliche",
        "Risorse aggiuntive",
        "Leva sulle risorse pubbliche",
        "Altri fondi pubblici",
    }, (sheet, dashboard)
    assert shared == {label: dashboard[label] for label in shared}
    assert shared["Risorse aggiuntive"] == "9.000.000,00 €"

    # She asks the volunteering category a question; as a new member, it waits for review.
    visit(nadia, "/comunita/discussioni/")
    nadia.get_by_role("link", name="Valorizzare il volontariato").first.click()
    nadia.get_by_role("link", name="Nuova discussione").click()
    assert_accessible(nadia)
    nadia.locator("#id_title").fill("Le ore dei volontari valgono anche nei piccoli comuni?")
    nadia.locator("#id_text").fill(
        "Nel nostro comune i volontari sono pochi: ha senso registrare le loro ore come "
        "risorse aggiuntive?"
    )
    nadia.locator("label[for=id_is_question]").click()
    nadia.get_by_role("main").get_by_role("button", name="Pubblica").click()
    expect(nadia.get_by_role("alert").first).to_have_text(
        "Grazie: la tua discussione comparirà quando un moderatore l'avrà approvata."
    )
    expect(nadia.get_by_role("heading", level=1)).to_contain_text("Domanda")
    expect(nadia.get_by_role("main")).to_contain_text("In attesa di revisione")
    question = nadia.url
    assert_accessible(nadia)
    screenshot(nadia, "community-06-question-held")

    # The moderator, told by e-mail, approves it from the moderation queue.
    giulia = new_page()
    sign_in_demo(giulia, MODERATOR)
    visit(giulia, link_in(last_mail_to(MODERATOR)))
    expect(giulia.get_by_role("heading", level=1)).to_have_text("Coda di moderazione")
    held = giulia.get_by_test_id("held").filter(has_text="Le ore dei volontari valgono")
    held.get_by_role("button", name="Approva").click()
    expect(giulia.get_by_role("alert").first).to_have_text("Messaggio approvato.")
    expect(held).to_have_count(0)
    assert_accessible(giulia)

    # Another member answers.
    chiara = new_page()
    sign_in_demo(chiara, "ets@demo.trama.it")
    visit(chiara, question)
    chiara.locator("#id_text").fill(
        "Sì: anche poche ore contano. Registratele con il costo di sostituzione e un registro "
        "delle presenze firmato."
    )
    chiara.get_by_role("button", name="Invia la risposta").click()
    answer = chiara.get_by_test_id("post").filter(has_text="anche poche ore contano")
    expect(answer).to_be_visible()
    expect(answer.get_by_role("link", name="Segnala")).to_be_visible()
    assert_accessible(chiara)

    # The asker accepts it: the answer and the thread say so.
    visit(nadia, question)
    expect(nadia.get_by_role("main")).not_to_contain_text("In attesa di revisione")
    answer = nadia.get_by_test_id("post").filter(has_text="anche poche ore contano")
    answer.get_by_role("button", name="Accetta come risposta").click()
    expect(nadia.get_by_role("alert").first).to_have_text("Risposta accettata.")
    expect(answer).to_contain_text("Risposta accettata")
    expect(answer.get_by_role("button", name="Accetta come risposta")).to_have_count(0)
    expect(nadia.get_by_role("heading", level=1)).to_contain_text("Risolta")
    assert_accessible(nadia)
    screenshot(nadia, "community-07-answered")
