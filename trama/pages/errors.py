from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

_API_ERRORS = {
    400: ("bad_request", gettext_noop("The request is malformed or too large.")),
    403: ("forbidden", gettext_noop("Forbidden.")),
    404: ("not_found", gettext_noop("Not found.")),
    500: (
        "server_error",
        gettext_noop("Something went wrong on our side. Please try again later."),
    ),
}


def _error(request, status, exception=None):
    if request.path.startswith("/api/"):
        # Clients of the API always get its JSON error shape, even for unknown URLs.
        code, message = _API_ERRORS[status]
        return JsonResponse({"error": {"code": code, "message": _(message)}}, status=status)
    message = ""
    if status == 403 and exception is not None and exception.args:
        message = str(exception.args[0])
    context = {"status": status, "message": message}
    return render(request, "errors/error.html", context, status=status)


def bad_request(request, exception=None):
    return _error(request, 400)


def permission_denied(request, exception=None):
    return _error(request, 403, exception)


def page_not_found(request, exception=None):
    return _error(request, 404)


def server_error(request):
    return _error(request, 500)
