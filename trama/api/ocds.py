"""OCDS 1.1 release and record packages (trama.opendata.ocds): per procedure, per body, per
date range. Public data only: a call once published, never a sealed proposal.

A page holds up to `limit` procedures (by id) with their releases in the date range; the
`Link` header (RFC 8288, rel "next" and "prev") points to the neighbouring pages. The package
itself holds only OCDS 1.1 fields, so every page validates as it is (the pagination
extension's `links` would be a field the standard doesn't know).
"""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from trama.opendata.ocds import packages
from trama.organizations.models import Organization
from trama.programs.models import MAX_YEAR, MIN_YEAR

from .auth import OptionalTokenAuth
from .bounds import MAX_OFFSET, Id, Slug
from .errors import ApiError, errors

router = Router(tags=["ocds"])
PUBLIC = {"auth": OptionalTokenAuth(), "openapi_extra": OptionalTokenAuth.OPENAPI}
PAGE, MAX_PAGE = 20, 100
EARLIEST, LATEST = datetime.date(MIN_YEAR, 1, 1), datetime.date(MAX_YEAR, 12, 31)


class PublisherOut(Schema):
    name: str
    uri: str | None = None


class PackageOut(Schema):
    uri: str
    version: str
    extensions: list[str]
    publishedDate: str
    publisher: PublisherOut
    license: str
    publicationPolicy: str


class ReleasePackageOut(PackageOut):
    """An OCDS 1.1 release package (https://standard.open-contracting.org/1.1/)."""

    releases: list[dict[str, Any]]


class RecordPackageOut(PackageOut):
    """An OCDS 1.1 record package: one record per procedure, with its compiled release."""

    records: list[dict[str, Any]]


class PackageFilters(Schema):
    body: Slug | None = Field(None, description="The owning public body's short name.")
    date_from: datetime.date | None = Field(None, description="Releases dated from this day.")
    date_to: datetime.date | None = Field(None, description="Releases dated up to this day.")
    limit: int = Field(PAGE, ge=1, le=MAX_PAGE, description="Procedures per page.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Procedures to skip.")


def _json(request, data: dict, links: dict | None = None) -> HttpResponse:
    response = HttpResponse(packages.dumps(data), content_type="application/json")
    if links:
        response["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return response


def _published(call_id: int):
    return get_object_or_404(packages.published(), pk=call_id)


def _check_range(filters: PackageFilters) -> None:
    for day in (filters.date_from, filters.date_to):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ApiError(
                400,
                "bad_date_range",
                _("Dates must fall between %(first)s and %(last)s.")
                % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
            )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ApiError(400, "bad_date_range", _("date_from comes after date_to."))


def _page(request, filters: PackageFilters):
    """The page's procedures with their releases, and the links to the pages beside it."""
    _check_range(filters)
    procedures = packages.published()
    if filters.body is not None:
        body = Organization.objects.filter(slug=filters.body).first()
        if body is None:
            raise Http404
        procedures = procedures.filter(owner=body)
    procedures = packages.acting_between(procedures, filters.date_from, filters.date_to)
    ids = list(
        procedures.order_by("pk").values_list("pk", flat=True)[
            filters.offset : filters.offset + filters.limit + 1
        ]
    )
    more = len(ids) > filters.limit
    chosen = packages.published().filter(pk__in=ids[: filters.limit]).order_by("pk")
    found = packages.releases_of(chosen, filters.date_from, filters.date_to)
    links = {}
    if more:
        links["next"] = _link(request, filters, filters.offset + filters.limit)
    if filters.offset > 0:
        links["prev"] = _link(request, filters, max(filters.offset - filters.limit, 0))
    return found, links


def _link(request, filters: PackageFilters, offset: int) -> str:
    query = {
        key: value for key, value in filters.dict().items() if value is not None and key != "offset"
    }
    query["offset"] = offset
    return request.build_absolute_uri(f"{request.path}?{urlencode(query, doseq=True)}")


@router.get(
    "/ocds/releases",
    response={200: ReleasePackageOut, **errors(400, 401, 404, 422)},
    summary="OCDS release package",
    **PUBLIC,
)
def ocds_releases(request, filters: Query[PackageFilters]):
    """Every release of the published procedures, or of one body's (`body`), dated in
    the range; a page holds `limit` procedures."""
    found, links = _page(request, filters)
    releases = [release for _procedure, made in found for release in made]
    package = packages.release_package(releases, uri=request.build_absolute_uri())
    return _json(request, package, links)


@router.get(
    "/ocds/records",
    response={200: RecordPackageOut, **errors(400, 401, 404, 422)},
    summary="OCDS record package",
    **PUBLIC,
)
def ocds_records(request, filters: Query[PackageFilters]):
    """One record per published procedure (or per procedure of `body`) with a release in
    the range; the compiled release merges all of its releases."""
    found, links = _page(request, filters)
    records = [packages.record(made) for _procedure, made in found if made]
    package = packages.record_package(records, uri=request.build_absolute_uri())
    return _json(request, package, links)


@router.get(
    "/ocds/procedures/{call_id}/releases",
    response={200: ReleasePackageOut, **errors(401, 404, 422)},
    summary="OCDS releases of a procedure",
    **PUBLIC,
)
def ocds_procedure_releases(request, call_id: Id):
    """Every release of one published procedure, oldest first."""
    procedure = _published(call_id)
    [(_procedure, releases)] = packages.releases_of(packages.published().filter(pk=procedure.pk))
    package = packages.release_package(releases, uri=request.build_absolute_uri())
    return _json(request, package)


@router.get(
    "/ocds/procedures/{call_id}/record",
    response={200: RecordPackageOut, **errors(401, 404, 422)},
    summary="OCDS record of a procedure",
    **PUBLIC,
)
def ocds_procedure_record(request, call_id: Id):
    """The procedure's record: its releases and the compiled release."""
    procedure = _published(call_id)
    [(_procedure, releases)] = packages.releases_of(packages.published().filter(pk=procedure.pk))
    records = [packages.record(releases)] if releases else []
    package = packages.record_package(records, uri=request.build_absolute_uri())
    return _json(request, package)
