"""Which procedures are published, their releases in pages, release and record packages.

A page is a run of procedures (by id), each with all its releases that fall in the date
range asked for; the API and the bulk files both read procedures through `releases_of`.
"""

import copy
import datetime
import json
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation

from trama.agreements.models import Agreement, AgreementVersion, Payment, Report
from trama.procedures.models import Notice, Procedure

from . import releases as build

VERSION = "1.1"
# The budget-breakdown extension, named by the URL of its extension.json as OCDS asks.
BUDGET_BREAKDOWN = (
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_budget_breakdown_extension/master/extension.json"
)
LICENSE = "https://creativecommons.org/licenses/by/4.0/"


def published():
    """The procedures the public can see: calls once published, and those from history."""
    return Procedure.objects.listed()


def acting_between(procedures, start: datetime.date | None, end: datetime.date | None):
    """Procedures with at least one act (release) dated in [start, end] (Rome dates)."""
    if start is None and end is None:
        return procedures
    since = build.moment(start) if start else None
    until = build.moment(end + datetime.timedelta(days=1)) if end else None

    def span(field):
        q = Q()
        if since is not None:
            q &= Q(**{f"{field}__gte": since})
        if until is not None:
            q &= Q(**{f"{field}__lt": until})
        return q

    def historical_span():
        q = Q(origin=Procedure.Origin.HISTORICAL, published_at__isnull=True)
        if start is not None:
            q &= Q(opened_on__gte=start)
        if end is not None:
            q &= Q(opened_on__lte=end)
        return q

    procedure = OuterRef("pk")
    agreement = OuterRef("agreement")
    return procedures.filter(
        span("published_at")
        | historical_span()
        | span("ranked_at")
        | Exists(Notice.objects.filter(span("published_at"), procedure=procedure))
        | Exists(
            Agreement.objects.filter(span("signed_at") | span("completed_at"), procedure=procedure)
        )
        | Exists(AgreementVersion.objects.filter(span("in_force_at"), agreement=agreement))
        | Exists(Payment.objects.filter(span("recorded_at"), tranche__agreement=agreement))
        | Exists(Report.objects.filter(span("decided_at"), agreement=agreement))
    )


def releases_of(procedures, start=None, end=None) -> list[tuple[Procedure, list[dict]]]:
    """Each procedure (a page of them: evaluated here) with its releases in the range."""
    procedures = list(build.for_releases(procedures))
    ids = [p.pk for p in procedures]
    pledges = build.pledges_by_procedure(ids)
    orgs = build.contributors(ids)
    funders = build.funders_by_procedure(ids)
    found = []
    # Releases read the same whatever the language of the request (Italian, as published).
    with translation.override("it"):
        for procedure in procedures:
            made = build.procedure_releases(
                procedure,
                pledges=pledges.get(procedure.pk, ()),
                orgs=orgs,
                funders=funders.get(procedure.pk, {}),
            )
            found.append((procedure, [r for r in made if _within(r, start, end)]))
    return found


def _within(release, start, end) -> bool:
    day = datetime.date.fromisoformat(release["date"][:10])
    return (start is None or day >= start) and (end is None or day <= end)


def publisher() -> dict:
    return {"name": settings.SITE_NAME, "uri": settings.SITE_URL}


def _package(uri: str, key: str, items: list) -> dict:
    # Only OCDS 1.1 fields: the API pages with the `Link` header, not the pagination
    # extension's `links`, so every page validates as it is.
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": [BUDGET_BREAKDOWN],
        "publishedDate": build.when(timezone.now()),
        "publisher": publisher(),
        "license": LICENSE,
        "publicationPolicy": f"{settings.SITE_URL}/api/v1/docs",
        key: items,
    }


def release_package(releases: list[dict], *, uri: str) -> dict:
    return _package(uri, "releases", releases)


def record_package(records: list[dict], *, uri: str) -> dict:
    return _package(uri, "records", records)


def record(releases: list[dict]) -> dict:
    """A procedure's record: its releases and the compiled release (OCDS merge rules)."""
    compiled = {}
    for release in releases:
        _merge(compiled, {k: v for k, v in release.items() if k not in ("id", "date", "tag")})
    last = releases[-1]
    compiled.update({"id": f"{last['ocid']}-compiled", "date": last["date"], "tag": ["compiled"]})
    ordered = {key: compiled[key] for key in ("ocid", "id", "date", "tag")}
    ordered.update({k: v for k, v in compiled.items() if k not in ordered})
    return {"ocid": last["ocid"], "releases": releases, "compiledRelease": ordered}


def _merge(target: dict, source: dict) -> dict:
    """Objects merge field by field; arrays of objects with `id` merge item by `id`; any
    other value (and array) replaces the earlier one."""
    for key, value in source.items():
        if isinstance(value, dict):
            target[key] = _merge(target[key] if isinstance(target.get(key), dict) else {}, value)
        elif _identified(value):
            earlier = target.get(key) if _identified(target.get(key)) else []
            by_id = {item["id"]: item for item in earlier}
            for item in value:
                if item["id"] in by_id:
                    _merge(by_id[item["id"]], item)
                else:
                    by_id[item["id"]] = _merge({}, item)
            target[key] = list(by_id.values())
        else:
            target[key] = copy.deepcopy(value)
    return target


def _identified(value) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(i, dict) and "id" in i for i in value)
    )


def _number(value):
    # Amounts carry two decimals and at most 14 digits: the float's shortest repr is the
    # same decimal text, so JSON gets the exact figure as a number, as OCDS asks.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(data, **kwargs) -> str:
    return json.dumps(data, default=_number, ensure_ascii=False, **kwargs)
