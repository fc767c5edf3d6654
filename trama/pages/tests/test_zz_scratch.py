import pytest
from trama.pages.tests.test_browser_journeys import *  # noqa
from trama.pages.tests.test_browser_journeys import browser, site, territories, new_page  # noqa

pytestmark = pytest.mark.browser


def test_scratch(new_page, territories):
    tom = make_user("tom@trama.test", first_name="Tom", last_name="Verdi")
    make_org("Consorzio Lario", by=tom, tax_code="05260180137")
    page = new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page.goto("/account/login/")
    page.locator("#id_login").fill("tom@trama.test")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Accedi").click()
    page.wait_for_url("**/area-personale/")
    page.goto("/enti/nuovo/")
    print(
        page.evaluate(
            """() => { const out=[]; for (const e of document.querySelectorAll('body *')) { const r=e.getBoundingClientRect(); if (r.right>376) out.push([e.tagName, e.className, e.id, Math.round(r.left), Math.round(r.right)]); } return out.slice(0,30); }"""
        )
    )
    page.screenshot(path="test-artifacts/scratch-375.png", full_page=False)
