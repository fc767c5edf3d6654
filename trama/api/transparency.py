"""The art. 26–27 list of a public body (D.Lgs. 33/2013), as the transparency pages read it."""

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from trama.opendata.transparency import art27
from trama.opendata.transparency.access import NotFound, public_body

from .auth import OptionalTokenAuth
from .bounds import MAX_OFFSET, MAX_PAGE, Slug, Year
from .errors import ApiError, errors

router = Router(tags=["transparency"])
PUBLIC = {"auth": OptionalTokenAuth(), "openapi_extra": OptionalTokenAuth.OPENAPI}


class PageIn(Schema):
    limit: int = Field(MAX_PAGE, ge=1, le=MAX_PAGE, description="Items per page.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")


class LicenseOut(Schema):
    id: str
    name: str
    url: str


class Art27PaymentOut(Schema):
    paid_on: date
    amount: str = Field(description='Euro, two decimals ("60000.00").')
    order_number: str


class Art27RowOut(Schema):
    beneficiary: str
    tax_code: str
    amount: str = Field(description="The advantage granted by the act, in euro.")
    legal_basis: str
    office: str
    official: str
    selection_method: str
    project: str
    project_url: str
    act_date: date
    published_at: datetime = Field(description="Publication: the act is effective from it.")
    paid: str
    payments: list[Art27PaymentOut]


class Art27Out(Schema):
    publisher: str
    publisher_tax_code: str
    year: int
    threshold: str = Field(description="Listed: beneficiaries granted more than this in the year.")
    license: LicenseOut
    count: int
    message: str
    items: list[Art27RowOut]


class Art27YearsOut(Schema):
    publisher: str
    years: list[int]


def _body(slug):
    try:
        return public_body(slug)
    except NotFound as refusal:
        raise ApiError(404, "not_found", str(refusal)) from None


@router.get(
    "/transparency/{slug}/art27",
    response={200: Art27YearsOut, **errors(401, 404, 422)},
    summary="Years of a public body's art. 27 list",
    **PUBLIC,
)
def art27_years(request, slug: Slug):
    """The years in which the public body published economic advantages, newest first."""
    body = _body(slug)
    return {"publisher": body.name, "years": art27.years(body)}


@router.get(
    "/transparency/{slug}/art27/{year}",
    response={200: Art27Out, **errors(401, 404, 422)},
    summary="A public body's art. 27 list for a year",
    **PUBLIC,
)
def art27_list(request, slug: Slug, year: Year, page: Query[PageIn]):
    """One item per act granting an economic advantage (D.Lgs. 33/2013 art. 26–27): the
    public contribution an agreement grants to a party, with its payments; only beneficiaries
    granted more than 1,000 € by this body in the year. Amounts are strings with two
    decimals. A year with no such act gives an empty list and a `message`. Licence CC BY 4.0."""
    body = _body(slug)
    parties = art27.parties(body, year)
    count = parties.count()
    rows = art27.rows(parties[page.offset : page.offset + page.limit]) if count else []
    absolute = request.build_absolute_uri
    return {
        "publisher": body.name,
        "publisher_tax_code": body.tax_code or "",
        "year": year,
        "threshold": art27.plain(art27.THRESHOLD),
        "license": {"id": art27.LICENSE_ID, "name": art27.LICENSE_NAME, "url": art27.LICENSE_URL},
        "count": count,
        "message": ""
        if count
        else _("No economic advantage above 1,000 € per beneficiary was granted in %(year)s.")
        % {"year": year},
        "items": [art27.as_json(row, absolute) for row in rows],
    }
