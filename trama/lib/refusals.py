"""One way to tell a person that a service refused: on the form, in a message, or an htmx 400.

Services refuse with ``ValidationError`` (what was asked is wrong; a dict of errors names the
fields) or ``PermissionDenied`` (who asked may not). Pages run their act through
:func:`attempt`: a refusal lands on the form it came from (each message on the field it
names, the others above the form) or, without a form, in an error message; then
:func:`form_page` answers a failed form with the page again, the form as typed, status 400
(htmx gets only the fragment named by ``partial``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render

# Refusals that mean "someone else got there first" (the state moved under the request), not
# "what you sent is wrong": pages and the API answer them with 409 Conflict instead of 400.
CONFLICT_CODES = frozenset(
    {
        "already_verified",
        "already_ranked",
        "already_reversed",
        "already_confirmed",
        "already_answered",
        # The co-design table (procedures.services.table).
        "already_open",
        "already_approved",
        "already_adopted",
        "stale_base",
        # The evaluation desk (procedures.services.evaluation).
        "already_appointed",
        "already_declared",
        "already_registered",
    }
)


def refusal_code(exc: ValidationError) -> str | None:
    """The stable code of a refusal: its own, or its first error's (a field's, for a dict)."""
    if hasattr(exc, "error_dict"):
        return next((e.code for errors in exc.error_dict.values() for e in errors if e.code), None)
    return getattr(exc, "code", None) or next((e.code for e in exc.error_list if e.code), None)


def refusal_status(exc: ValidationError | PermissionDenied) -> int:
    """403 for who may not act, 409 for a state clash, 400 for anything else refused."""
    if isinstance(exc, PermissionDenied):
        return 403
    return 409 if refusal_code(exc) in CONFLICT_CODES else 400


@dataclass(frozen=True)
class Attempt:
    """What came of one act: whether the service acted, and what it returned."""

    ok: bool
    result: Any = None

    def __bool__(self) -> bool:
        return self.ok


def refusal_messages(exc: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc)]


def add_refusal(request, exc: ValidationError | PermissionDenied, form=None) -> None:
    """Put a refusal where the person reads it: on `form` if given, else as messages."""
    if form is None:
        for message in refusal_messages(exc):
            messages.error(request, message)
    elif isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in refusal_messages(exc):
            form.add_error(None, message)


def attempt(request, action: Callable[[], Any], *, form=None, success: str = "") -> Attempt:
    """Run `action()`; its refusal goes on `form` (or in messages), its success in `success`."""
    try:
        result = action()
    except (ValidationError, PermissionDenied) as exc:
        add_refusal(request, exc, form)
        return Attempt(False)
    if success:
        messages.success(request, success)
    return Attempt(True, result)


def form_page(request, template: str, context: dict, *, failed=True, partial: str = ""):
    """The page (or, for htmx, its `partial`) again with the forms as typed; 400 if failed."""
    if partial and getattr(request, "htmx", False):
        template = f"{template}#{partial}"
    return render(request, template, context, status=400 if failed else 200)
