import copy
import json
import re
from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from .agreements import router as agreements_router
from .community import router as community_router
from .discussions import router as discussions_router
from .errors import STATUSES, install_handlers
from .events import router as events_router
from .ledger import router as ledger_router
from .ocds import router as ocds_router
from .organizations import me_router
from .organizations import router as organizations_router
from .partnerships import router as partnerships_router
from .practices import router as practices_router
from .procedures import router as procedures_router
from .proposals import router as proposals_router
from .reference import Reference
from .reports import router as reports_router
from .table import router as table_router
from .territories import router as territories_router
from .throttling import THROTTLES
from .transparency import router as transparency_router
from .webhooks import router as webhooks_router
from .whatsnew import router as whatsnew_router

# NUL, which PostgreSQL can't store in text, and lone surrogates, which are not Unicode.
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _bad_text(value, loc: tuple) -> list[dict]:
    """Where value (a parsed JSON document) holds a string that is not storable text."""
    if isinstance(value, str):
        bad = _BAD_TEXT.search(value) is not None
        return [_text_error(loc)] if bad else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if isinstance(key, str) and _BAD_TEXT.search(key):
                found.append(_text_error(loc))
            found += _bad_text(item, (*loc, key))
        return found
    if isinstance(value, list):
        return [error for i, item in enumerate(value) for error in _bad_text(item, (*loc, i))]
    return []


def _text_error(loc: tuple) -> dict:
    return {
        "loc": loc,
        "type": "invalid_text",
        "msg": _("Text can't contain NUL characters or unpaired surrogates."),
    }


class BodyParser(Parser):
    """JSON bodies and query strings, refused when they hold text nobody can store.

    JSON numbers with a fraction become the Decimal of their exact text, never a float: a
    float would turn 10.0000000000000001 into 10.0 before any check could see the extra
    decimals; euro amounts are taken as written.
    """

    def parse_body(self, request):
        data = json.loads(request.body, parse_float=Decimal)
        if not isinstance(data, dict):  # every body this API takes is an object
            raise NinjaValidationError(
                [{"loc": ("body",), "type": "not_an_object", "msg": _("Send a JSON object.")}]
            )
        # The body's parameter name is dropped from `fields` (errors.field_errors).
        errors = _bad_text(data, ("body", "payload"))
        if errors:
            raise NinjaValidationError(errors)
        return data

    def parse_querydict(self, data, list_fields, request):
        errors = [
            _text_error(("query", key))
            for key, values in data.lists()
            if _BAD_TEXT.search(key) or any(_BAD_TEXT.search(v) for v in values)
        ]
        if errors:
            raise NinjaValidationError(errors)
        return super().parse_querydict(data, list_fields, request)


class TramaAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The document, built once per process (it takes seconds: every operation's models
        are walked) for each path prefix and language; a copy each time, so nobody changes
        the kept one."""
        key = (path_prefix, tuple(sorted((path_params or {}).items())), get_language())
        if key not in self._schemas:
            self._schemas[key] = self._build_openapi_schema(
                path_prefix=path_prefix, path_params=path_params
            )
        return copy.deepcopy(self._schemas[key])

    _schemas: dict = {}

    def _build_openapi_schema(self, **kwargs):
        """The document, with each error status described and Retry-After on every 429."""
        schema = super().get_openapi_schema(**kwargs)
        for item in schema["paths"].values():
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    if int(status) in STATUSES:
                        response["description"] = STATUSES[int(status)]
                    if status == "429" or status == 429:
                        response["headers"] = {
                            "Retry-After": {
                                "description": "Seconds to wait before the next request.",
                                "schema": {"type": "integer", "minimum": 0},
                            }
                        }
        return schema


api = TramaAPI(
    title="Trama API",
    version="1",
    description=(
        "API pubblica di Trama. Letture anonime dei dati pubblici; le operazioni personali e "
        "le scritture richiedono un token personale (`Authorization: Bearer trm_…`) creato "
        'nel profilo. Errori: `{"error": {"code", "message", "fields"}}`. Gli importi sono '
        'stringhe con due decimali ("1250.00"), mai numeri in virgola mobile; in ingresso '
        'si scrivono in forma canonica, come stringa ("1500.50") o numero JSON (1500.50), '
        "mai in notazione italiana. Le richieste sono limitate per token e, senza token, "
        "per indirizzo IP: oltre il limite la risposta è 429 con `Retry-After`."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=Reference(),
    parser=BodyParser(),
    throttle=THROTTLES,
)
install_handlers(api)
api.add_router("/organizations", organizations_router)
api.add_router("/territories", territories_router)
api.add_router("/me", me_router)
api.add_router("", ledger_router)
api.add_router("", procedures_router)
api.add_router("", proposals_router)
api.add_router("", reports_router)
api.add_router("", table_router)
api.add_router("", agreements_router)
api.add_router("", partnerships_router)
api.add_router("", community_router)
api.add_router("", practices_router)
api.add_router("", events_router)
api.add_router("", discussions_router)
api.add_router("", whatsnew_router)
api.add_router("", webhooks_router)
api.add_router("", ocds_router)
api.add_router("", transparency_router)
