from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


# Service refusals that mean "someone else got there first", not "your request is wrong".
CONFLICT_CODES = {"already_verified", "already_ranked"}


def install_handlers(api):
    """Every error the API returns is JSON: {"error": {"code", "message", "fields"}}."""

    def respond(request, status, code, message, fields=None):
        body = {"error": {"code": code, "message": str(message)}}
        if fields:
            body["error"]["fields"] = fields
        return api.create_response(request, body, status=status)

    @api.exception_handler(ApiError)
    def api_error(request, exc):
        return respond(request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return respond(request, 403, "forbidden", exc.args[0] if exc.args else _("Forbidden."))

    @api.exception_handler(ValidationError)
    def invalid(request, exc):
        """400 with the code of the first error (409 for a conflict), every field's errors."""
        fields = {}
        code = None
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                fields[field] = [
                    {"code": e.code or "invalid", "message": " ".join(e.messages)} for e in errors
                ]
                if code is None and errors:
                    code = errors[0].code
        else:  # one error has its code; a list of errors has none of its own
            code = getattr(exc, "code", None) or next(
                (e.code for e in exc.error_list if e.code), None
            )
        code = code or "invalid"
        status = 409 if code in CONFLICT_CODES else 400
        return respond(request, status, code, " ".join(exc.messages), fields)

    from ninja.errors import AuthenticationError, HttpError
    from ninja.errors import ValidationError as NinjaValidationError

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, 401, "unauthenticated", _("A valid API token is required."))

    @api.exception_handler(NinjaValidationError)
    def malformed(request, exc):
        fields = {}
        for error in exc.errors:
            where, *path = error.get("loc", []) or ["body"]
            if where == "body":
                # Every body is one schema; its Python parameter name means nothing to a
                # client, so fields are named as in the JSON sent, as the 400 errors do.
                path = path[1:]
            loc = ".".join(str(p) for p in path) or "body"
            fields.setdefault(loc, []).append(
                {"code": error.get("type", "invalid"), "message": error.get("msg", "")}
            )
        return respond(request, 422, "malformed_request", _("The request is malformed."), fields)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        if exc.status_code == 400 and exc.__cause__ is not None:
            # django-ninja's only 400: a body it could not parse (not JSON, wrong encoding).
            return respond(
                request,
                422,
                "malformed_request",
                _("The request body is not valid JSON."),
                {
                    "body": [
                        {
                            "code": "json_invalid",
                            "message": _("The request body is not valid JSON."),
                        }
                    ]
                },
            )
        code = {403: "forbidden", 429: "throttled"}.get(exc.status_code, "error")
        return respond(request, exc.status_code, code, exc.message)
