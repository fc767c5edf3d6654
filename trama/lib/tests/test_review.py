"""A review page's confirm button acts once: the second click of a double click, or the
same form sent again, is sent back without acting."""

import re

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from trama.lib.review import Review


def _request(method="get", data=None, session=None):
    factory = RequestFactory()
    request = factory.get("/act/") if method == "get" else factory.post("/act/", data or {})
    request.session = session if session is not None else SessionStore()
    request._messages = FallbackStorage(request)
    request.user = None
    return request


@pytest.mark.django_db
def test_it_acts_once_per_review_page():
    session = SessionStore()
    review_page = Review(_request(session=session), title="Presenta", back="/x/", confirm="Sì")
    html = review_page.page(consequences=["Sarà sigillata."]).content.decode()
    assert "Sarà sigillata." in html
    assert "non si può annullare" in html
    token = re.search(r'name="review_token" value="([^"]+)"', html).group(1)

    first = Review(_request("post", {"review_token": token}, session), "t", "/x/", "c")
    assert first.spend()
    second_request = _request("post", {"review_token": token}, session)
    second = Review(second_request, "t", "/x/", "c")
    assert not second.spend()
    response = second.already_done()
    assert response.status_code == 302 and response["Location"] == "/x/"
    assert [str(m) for m in get_messages(second_request)]


def test_a_post_without_a_review_page_does_not_act():
    assert not Review(_request("post", {"review_token": "made-up"}), "t", "/", "c").spend()
    assert not Review(_request("post", {}), "t", "/", "c").spend()
