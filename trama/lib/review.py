"""A review step before an act that can't be undone (CONVENTIONS.md, Views and templates).

The act's URL answers GET with a review page: what will happen, what it touches, that it
can't be undone, and the act's form (a reason, a selection) with one confirm button. Only the
POST from that page acts. Each review page carries a one-time token kept in the session:
the first POST spends it, so a second click (or a resubmitted form) finds it spent and is
sent back to the page it came from instead of acting again. Two requests racing past the
token are still stopped by the service itself, which locks the row and checks the state.

    def proposal_submit(request, pk):
        access = access_proposal(request.user, pk)
        review = Review(request, title=..., back=proposal_url, confirm=_("Submit"))
        if request.method == "GET":
            return review.page(consequences=[...], details="procedures/_seal_review.html")
        if not review.spend():
            return review.already_done()
        ... run the act through lib.refusals.attempt ...
"""

import secrets
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .refusals import add_refusal, attempt

SESSION_KEY = "review_tokens"
TOKEN_FIELD = "review_token"
# Review pages open at once in other tabs keep their tokens; the oldest go first.
KEPT_TOKENS = 20


def issue_token(request) -> str:
    token = secrets.token_urlsafe(16)
    tokens = [*request.session.get(SESSION_KEY, []), token][-KEPT_TOKENS:]
    request.session[SESSION_KEY] = tokens
    return token


def spend_token(request) -> bool:
    """True once per issued token: the POST that carries it may act."""
    token = request.POST.get(TOKEN_FIELD, "")
    tokens = request.session.get(SESSION_KEY, [])
    if not token or token not in tokens:
        return False
    tokens.remove(token)
    request.session[SESSION_KEY] = tokens
    return True


def spent_token(request) -> bool:
    """The POST carries a review page's token that was already used (or never issued)."""
    token = request.POST.get(TOKEN_FIELD, "")
    return bool(token) and token not in request.session.get(SESSION_KEY, [])


@dataclass
class Review:
    """The review step of one act: its page, and whether a POST may act."""

    request: object
    title: str
    back: str  # the page the act belongs to: "Cancel" goes there, and so does a spent token
    confirm: str  # the confirm button's label, a verb: "Submit the proposal"
    danger: bool = False  # a red confirm button for acts that end or refuse something
    irreversible: bool = True
    extra: dict = field(default_factory=dict)

    def page(self, *, consequences=(), form=None, details="", context=None, status=200):
        """The review page: `consequences` as a list, `details` a template included below it."""
        return render(
            self.request,
            "includes/review_page.html",
            {
                "review": self,
                "consequences": list(consequences),
                "form": form,
                "details": details,
                "token": issue_token(self.request),
                "action": self.request.get_full_path(),
                **(context or {}),
            },
            status=status,
        )

    def spend(self) -> bool:
        return spend_token(self.request)

    def already_done(self):
        messages.info(
            self.request,
            _("This request had already been received: nothing was done a second time."),
        )
        return redirect(self.back)


def reviewed(
    request,
    review,
    form,
    action,
    *,
    consequences,
    success="",
    details="",
    context=None,
    then=None,
    refused_back=False,
):
    """An act behind its review page: GET shows what will happen with the
    act's form; the POST from that page acts once; a refusal shows the page again, as typed.

    `form` is bound to the POST (unbound on GET); `action(**cleaned_data)` runs the service.
    With `refused_back`, a refusal that names no field (the state moved on meanwhile: another
    officer acted first) goes back to `review.back` with its message instead: the review
    page would only offer the same act again.
    """

    def page(status=200):
        return review.page(
            consequences=consequences, form=form, details=details, context=context, status=status
        )

    if request.method != "POST":
        return page()
    if not form.is_valid():
        return page(400)
    if not review.spend():
        return review.already_done()
    if refused_back:
        try:
            result = action(**form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                add_refusal(request, exc, form)
                return page(400)
            add_refusal(request, exc)
            return redirect(review.back)
        if success:
            messages.success(request, success)
        return then(result) if then else redirect(review.back)
    done = attempt(request, lambda: action(**form.cleaned_data), form=form, success=success)
    if done:
        return then(done.result) if then else redirect(review.back)
    return page(400)
