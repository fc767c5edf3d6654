"""The catalogue for harvesters (dati.gov.it) and anyone: Turtle or JSON-LD, no account."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from .build import graph

TURTLE = "text/turtle; charset=utf-8"
JSON_LD = "application/ld+json; charset=utf-8"


def _response(fmt: str) -> HttpResponse:
    g = graph()
    if fmt == "json-ld":
        return HttpResponse(g.serialize(format="json-ld", auto_compact=True), content_type=JSON_LD)
    return HttpResponse(g.serialize(format="turtle"), content_type=TURTLE)


@require_GET
def turtle(request):
    return _response("turtle")


@require_GET
def jsonld(request):
    return _response("json-ld")


@require_GET
@vary_on_headers("Accept")
def negotiated(request):
    """Turtle, or JSON-LD for a client that asks for JSON."""
    accept = request.headers.get("Accept", "")
    wants_json = "application/ld+json" in accept or "application/json" in accept
    return _response("json-ld" if wants_json and "text/turtle" not in accept else "turtle")
