"""Public pages, downloads and feeds: no account needed, nothing sealed, nothing private."""

from functools import wraps

from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from trama.agreements.models import Agreement, Party, Tranche
from trama.ledger.figures import Scope as FiguresScope
from trama.ledger.figures import compute_figures
from trama.ledger.models import LedgerTotal, Level, Measure
from trama.ledger.vocabulary import ADDITIONAL_SOURCES, Source

from . import acts, art27, feeds
from .access import NotFound, public_body, valid_year

ACTS_PER_PAGE = 25
AGREEMENTS_PER_PAGE = 10
ROWS_PER_PAGE = 50


def explained(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as refusal:
            context = {"status": 404, "message": str(refusal)}
            return render(request, "errors/error.html", context, status=404)

    return wrapped


def organization_section(organization, user):
    """The link on a public body's page (organizations.sections)."""
    if not organization.is_public_body:
        return None
    return {"transparency_url": reverse("transparency:body", args=[organization.slug])}


def _agreements(body, page_number):
    """A page of the body's signed agreements, with their active parties, the public
    contribution each party is granted (its tranches) and the plan's co-funding."""
    agreements = (
        Agreement.objects.filter(procedure__owner=body, signed_at__isnull=False)
        .select_related("procedure")
        .order_by("-signed_at", "-pk")
    )
    page = Paginator(agreements, AGREEMENTS_PER_PAGE).get_page(page_number)
    page.object_list = items = list(page.object_list)
    if not items:
        return page
    ids = [a.pk for a in items]
    parties = {}
    for party in (
        Party.objects.filter(agreement__in=ids, active=True)
        .select_related("organization")
        .order_by("agreement", "role", "pk")
    ):
        parties.setdefault(party.agreement_id, []).append(party)
    granted = {}
    for agreement_id, payee_id, amount in Tranche.objects.filter(agreement__in=ids).values_list(
        "agreement", "payee", "amount"
    ):
        granted[(agreement_id, payee_id)] = granted.get((agreement_id, payee_id), 0) + amount
    pledged = {}
    for scope_id, source, amount in (
        LedgerTotal.objects.filter(
            level=Level.PROCEDURE,
            scope_id__in=[a.procedure_id for a in items],
            measure=Measure.PLEDGED,
        )
        .values_list("scope_id", "source", "amount")
        .order_by()
    ):
        pledged.setdefault(scope_id, {}).setdefault(source, 0)
        pledged[scope_id][source] += amount
    for agreement in items:
        agreement.shown_parties = parties.get(agreement.pk, [])
        for party in agreement.shown_parties:
            party.granted = granted.get((agreement.pk, party.organization_id))
        agreement.contribution = sum(
            (v for (a, _p), v in granted.items() if a == agreement.pk), art27.ZERO
        )
        plan = pledged.get(agreement.procedure_id, {})
        agreement.public_pledged = plan.get(Source.PUBLIC_OWNER, art27.ZERO)
        agreement.cofunding = sum((plan.get(s, art27.ZERO) for s in ADDITIONAL_SOURCES), art27.ZERO)
        agreement.other_public = plan.get(Source.OTHER_PUBLIC, art27.ZERO)
    return page


@require_GET
@explained
def body(request, slug):
    """Amministrazione condivisa — trasparenza: a public body's acts, agreements, figures."""
    body = public_body(slug)
    acts_page = Paginator(acts.ordered_acts(body), ACTS_PER_PAGE).get_page(request.GET.get("atti"))
    acts_page.object_list = acts.hydrate(acts_page.object_list)
    figures = compute_figures(FiguresScope(Level.OWNER, body.pk))
    scope = feeds.Scope(body=body)
    return render(
        request,
        "transparency/body.html",
        {
            "body": body,
            "acts": acts_page,
            "agreements": _agreements(body, request.GET.get("convenzioni")),
            "figures": figures,
            "years": art27.years(body),
            "feeds": feeds.alternates(scope),
        },
    )


@require_GET
@explained
def art27_index(request, slug):
    """The art. 27 list's years: the latest with data, or the current one."""
    body = public_body(slug)
    found = art27.years(body)
    year = found[0] if found else timezone.localdate().year
    return _art27_page(request, body, year, found)


@require_GET
@explained
def art27_year(request, slug, year):
    body = public_body(slug)
    return _art27_page(request, body, valid_year(year), art27.years(body))


def _art27_page(request, body, year, years):
    parties = art27.parties(body, year)
    page = Paginator(parties, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = art27.rows(page.object_list)
    return render(
        request,
        "transparency/art27.html",
        {
            "body": body,
            "year": year,
            "years": years,
            "future": year > timezone.localdate().year,
            "page": page,
            "threshold": art27.THRESHOLD,
            "license_name": art27.LICENSE_NAME,
            "license_url": art27.LICENSE_URL,
            "downloads": [
                (label, reverse("transparency:art27_export", args=[body.slug, year, fmt]))
                for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX"), ("json", "JSON"))
            ],
            "feeds": feeds.alternates(feeds.Scope(body=body)),
        },
    )


EXPORT_FORMATS = {"csv", "xlsx", "json"}


@require_GET
@explained
def art27_export(request, slug, year, fmt):
    """The whole list of a year as CSV, XLSX or JSON (CC BY 4.0); an empty year gives an
    empty list with its header, not an error."""
    body = public_body(slug)
    year = valid_year(year)
    if fmt not in EXPORT_FORMATS:
        raise NotFound(_("The list is downloaded as CSV, XLSX or JSON."))
    found = art27.rows(art27.parties(body, year))
    absolute = request.build_absolute_uri
    name = f"art27-{body.slug}-{year}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            art27.to_csv(found, absolute), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "json":
        text = art27.to_json(body, year, found, absolute, generated_at=timezone.localtime())
        response = HttpResponse(text, content_type="application/json; charset=utf-8")
    else:
        notes = [
            (_("Publisher"), f"{body.name} ({body.tax_code or '—'})"),
            (_("Year"), str(year)),
            (
                _("Rule"),
                _(
                    "Acts granting economic advantages (D.Lgs. 33/2013 art. 26–27), for "
                    "beneficiaries granted more than 1,000 € by this body in the year."
                ),
            ),
            (_("Licence"), f"{art27.LICENSE_NAME} {art27.LICENSE_URL}"),
            (_("Generated at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ]
        response = FileResponse(
            art27.to_xlsx(found, absolute, title=_("Art. 27 list"), notes=notes),
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    if fmt != "xlsx":
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Link"] = f'<{art27.LICENSE_URL}>; rel="license"'
    return response


# --- feeds ------------------------------------------------------------------------------------


def _feed_kind(kind: str) -> str:
    if kind not in feeds.KINDS:
        raise NotFound(
            _("There is no feed “%(kind)s”: the feeds are avvisi, esiti and convenzioni.")
            % {"kind": kind[:40]}
        )
    return kind


@require_GET
@explained
def feed(request, kind):
    return feeds.TransparencyFeed(feeds.Scope(), _feed_kind(kind))(request)


@require_GET
@explained
def body_feed(request, slug, kind):
    scope = feeds.Scope(body=public_body(slug))
    return feeds.TransparencyFeed(scope, _feed_kind(kind))(request)


@require_GET
@explained
def territory_feed(request, code, kind):
    kind = _feed_kind(kind)
    try:
        found = feeds.territory(code)
    except feeds.UnknownTerritory:
        raise NotFound(
            _(
                "No territory has the ISTAT code “%(code)s”: write the code of a region "
                "(2 digits, e.g. 03), a province (3 digits, e.g. 097) or a municipality "
                "(6 digits, e.g. 097042)."
            )
            % {"code": code[:20]}
        ) from None
    return feeds.TransparencyFeed(feeds.Scope(territory=found), kind)(request)
