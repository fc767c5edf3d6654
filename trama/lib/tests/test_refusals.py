"""A service's refusal reaches the person where they look: on the field, above the form, or
in a message when there is no form."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from trama.lib.refusals import attempt


class TitleForm(forms.Form):
    title = forms.CharField()


def _request():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _refuse(exc):
    def action():
        raise exc

    return action


def test_a_refusal_naming_a_field_lands_on_it_and_the_rest_above_the_form():
    form = TitleForm({"title": "X"})
    assert form.is_valid()
    done = attempt(
        _request(),
        _refuse(ValidationError({"title": "Too short.", "kind": "Choose a kind."})),
        form=form,
    )
    assert not done
    assert form.errors["title"] == ["Too short."]
    assert form.non_field_errors() == ["Choose a kind."]


def test_without_a_form_a_refusal_is_a_message_and_success_too():
    request = _request()
    assert not attempt(request, _refuse(PermissionDenied("Only the RUP can do this.")))
    done = attempt(request, lambda: 42, success="Done.")
    assert done and done.result == 42
    assert [str(m) for m in get_messages(request)] == ["Only the RUP can do this.", "Done."]
