"""A cached page that holds a form gives each visitor a CSRF token for their own cookie."""

import pytest
from django.http import HttpResponse
from django.template import engines
from django.test import Client
from django.urls import path

from trama.lib.cache import CSRF_MARK, cached_page

FORM = engines["django"].from_string(
    '<form method="post">{% csrf_token %}<button>Send</button></form>'
)


@cached_page("tests")
def form_page(request):
    return HttpResponse(FORM.render({}, request))


def posted(request):
    return HttpResponse("ok")


urlpatterns = [path("form/", form_page), path("post/", posted)]


def _token(response) -> str:
    content = response.content.decode()
    start = content.index('value="', content.index("csrfmiddlewaretoken")) + len('value="')
    return content[start : content.index('"', start)]


@pytest.mark.urls("trama.lib.tests.test_cache_csrf")
@pytest.mark.django_db
def test_each_visitor_of_a_cached_form_gets_a_token_that_works_with_their_cookie():
    first = Client(enforce_csrf_checks=True)
    first.get("/form/")
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get("/form/")
    token = _token(response)
    assert token != CSRF_MARK.decode() and token != _token(first.get("/form/"))
    assert visitor.post("/post/", {"csrfmiddlewaretoken": token}).status_code == 200
    # Another visitor's token fails with this visitor's cookie.
    assert (
        visitor.post("/post/", {"csrfmiddlewaretoken": _token(first.get("/form/"))}).status_code
        == 403
    )
