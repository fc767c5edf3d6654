"""Running one service act for a page: the one place that turns refusals into messages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError


def run_act(request, action, success: str):
    """Call `action()`; its refusal becomes error messages, its success `success`.

    Returns what the service returned, or None when it refused. Pages then redirect to
    where the user was, and the messages tell what happened.
    """
    try:
        result = action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return None
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return None
    messages.success(request, success)
    return result
