"""Every error the API returns, its JSON shape and the statuses each operation declares."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from trama.lib.refusals import refusal_code, refusal_status


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


class FieldErrorOut(Schema):
    code: str
    message: str


class ErrorDetailOut(Schema):
    code: str
    message: str
    fields: dict[str, list[FieldErrorOut]] | None = None


class ErrorOut(Schema):
    """{"error": {"code", "message", "fields"}}: `code` is stable, `message` is for people."""

    error: ErrorDetailOut


# What each status means in this API (the description of every declared error response).
STATUSES = {
    400: "Refused by a rule: `code` names it (e.g. `not_positive`, `deadline_passed`).",
    401: "No valid API token (`unauthenticated`).",
    403: "The token or its owner may not do this (`token_read_only`, `forbidden`).",
    404: "Not found, or not visible to this token (`not_found`).",
    409: "The state moved first: someone else decided, or the entry was reversed "
    "(`already_verified`, `already_confirmed`, `already_reversed`, `already_ranked`, "
    "`already_answered`; at the evaluation desk `already_appointed`, `already_declared`, "
    "`already_registered`; at the co-design table `already_open`, `already_approved`, "
    "`already_adopted`, `already_drafted`, and `stale_base` when another version of the "
    "shared project (or of a practice sheet) was saved since the one edited).",
    422: "The request does not match the document (`malformed_request`; `fields` says where).",
    429: "Too many requests (`throttled`); `Retry-After` says how many seconds to wait.",
}


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error responses an operation declares; every operation may be throttled (429)."""
    return {status: ErrorOut for status in sorted({*statuses, 429})}


def _pydantic_message(error: dict) -> str:
    """The message of a schema error in the request's language, by its type; pydantic's own
    English text for the rare types not named here."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not part of the request.")
    if kind == "string_pattern_mismatch":
        return _("This value does not have the expected form.")
    if kind == "string_too_long":
        return _("At most %(n)s characters.") % {"n": ctx.get("max_length", "")}
    if kind == "string_too_short":
        return _("At least %(n)s characters.") % {"n": ctx.get("min_length", "")}
    if kind in ("string_type", "string_unicode"):
        return _("Write a text.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Write a whole number.")
    if kind in ("bool_type", "bool_parsing"):
        return _("Write true or false.")
    if kind.startswith("decimal") or kind in ("float_type", "float_parsing"):
        return _("Write a number with a decimal point (1500.50).")
    if kind.startswith("datetime"):
        return _("Write a date and time in ISO 8601 (2026-06-30T12:00:00+02:00).")
    if kind.startswith("date"):
        return _("Write a date as YYYY-MM-DD.")
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(values)s.") % {"values": ctx.get("expected", "")}
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return _("This number is out of range.")
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        return _("This value has the wrong type.")
    return str(error.get("msg", ""))


def field_errors(errors: list[dict]) -> dict:
    """Pydantic-style errors as {field: [{"code", "message"}]}, fields named as in the JSON."""
    fields = {}
    for error in errors:
        where, *path = error.get("loc", []) or ["body"]
        if where == "body":
            # Every body is one schema; its Python parameter name means nothing to a
            # client, so fields are named as in the JSON sent, as the 400 errors do.
            path = path[1:]
        loc = ".".join(str(p) for p in path) or "body"
        fields.setdefault(loc, []).append(
            {"code": error.get("type", "invalid"), "message": _pydantic_message(error)}
        )
    return fields


def install_handlers(api):
    """Every error the API returns is JSON: {"error": {"code", "message", "fields"}}."""

    def respond(request, status, code, message, fields=None):
        body = {"error": {"code": code, "message": str(message)}}
        if fields:
            body["error"]["fields"] = fields
        return api.create_response(request, body, status=status)

    def malformed_response(request, fields):
        return respond(request, 422, "malformed_request", _("The request is malformed."), fields)

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
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                fields[field] = [
                    {"code": e.code or "invalid", "message": " ".join(e.messages)} for e in errors
                ]
        code = refusal_code(exc) or "invalid"
        return respond(request, refusal_status(exc), code, " ".join(exc.messages), fields)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, 401, "unauthenticated", _("A valid API token is required."))

    @api.exception_handler(NinjaValidationError)
    def malformed(request, exc):
        return malformed_response(request, field_errors(exc.errors))

    @api.exception_handler(Throttled)
    def throttled(request, exc):
        # django-ninja adds the Retry-After header to this response.
        return respond(
            request, 429, "throttled", _("Too many requests: wait a moment and try again.")
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        if exc.status_code == 400 and exc.__cause__ is not None:
            # django-ninja's only 400: a body it could not parse (trama.api.api.BodyParser).
            cause = exc.__cause__
            if isinstance(cause, NinjaValidationError):
                return malformed_response(request, field_errors(cause.errors))
            message = _("The request body is not valid JSON.")
            return malformed_response(
                request, {"body": [{"code": "json_invalid", "message": message}]}
            )
        code = {403: "forbidden"}.get(exc.status_code, "error")
        return respond(request, exc.status_code, code, exc.message)


def refused(field: str, code: str, message: str) -> ApiError:
    """A 400 refusal of one field of the request, named with its stable code."""
    return ApiError(400, code, message, {field: [{"code": code, "message": message}]})


def organization_named(slug: str, field: str):
    """The organisation with this short name, or 400 `unknown_organization` on `field`
    (saying which name was not found)."""
    from trama.organizations.models import Organization

    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise refused(
            field,
            "unknown_organization",
            _("No organisation has the short name “%(slug)s”.") % {"slug": slug},
        )
    return organization
