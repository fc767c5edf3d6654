"""The catalogue as an RDF graph: what each public body publishes on Trama, as DCAT-AP_IT.

A body is listed once it has published a call; its datasets are its calls and outcomes,
its agreements, its art. 27 list of each year with published contributions, its procedures
in OCDS and its programs' figures. The platform adds the yearly OCDS bulk files. A handful
of queries whatever the number of bodies (the tests count them).
"""

import datetime
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings
from django.db.models import Max
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rdflib import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, XSD, Graph, Literal, URIRef

from trama.agreements.models import Agreement, Party
from trama.opendata.ocds import bulk
from trama.organizations.models import Organization
from trama.procedures.models import Procedure
from trama.programs.models import Program

from . import vocabulary as v


@dataclass(frozen=True)
class Agent:
    uri: str
    identifier: str
    name: str
    email: str


@dataclass(frozen=True)
class Distribution:
    title: str
    fmt: str
    url: str
    download: bool = True


@dataclass
class Dataset:
    key: str
    title: str
    description: str
    themes: tuple
    frequency: URIRef
    modified: datetime.date
    agent: Agent
    page: str
    distributions: list[Distribution] = field(default_factory=list)


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def platform_agent() -> Agent:
    return Agent(
        uri=absolute("/#ente"),
        identifier=settings.OPENDATA_PUBLISHER_ID,
        name=settings.OPENDATA_PUBLISHER_NAME,
        email=settings.OPENDATA_CONTACT_EMAIL,
    )


def body_agent(body: Organization) -> Agent:
    # dati.gov.it knows public bodies by their IPA code; a body that hasn't given it is
    # still named, by its tax code (or, for an ambito without one, its short name).
    return Agent(
        uri=absolute(body.get_absolute_url() + "#ente"),
        identifier=body.ipa_code or body.tax_code or body.slug,
        name=body.name,
        email=body.email or body.pec or settings.OPENDATA_CONTACT_EMAIL,
    )


def _day(moment) -> datetime.date:
    return timezone.localdate(moment)


def datasets() -> list[Dataset]:
    """Every dataset of the catalogue, bodies by name, a body's datasets in a fixed order."""
    calls = {
        row["owner"]: row["last"]
        for row in Procedure.objects.public()
        .filter(owner__kind=Organization.Kind.PUBLIC_BODY)
        .values("owner")
        .annotate(last=Max("published_at"))
        .order_by()
    }
    outcomes = dict(
        Procedure.objects.public()
        .filter(owner__in=calls, ranked_at__isnull=False)
        .values("owner")
        .annotate(last=Max("ranked_at"))
        .order_by()
        .values_list("owner", "last")
    )
    agreements = dict(
        Agreement.objects.filter(procedure__owner__in=calls, signed_at__isnull=False)
        .values("procedure__owner")
        .annotate(last=Max("signed_at"))
        .order_by()
        .values_list("procedure__owner", "last")
    )
    # The years of the art. 27 list, as the transparency app counts them (the act's year).
    lists: dict[int, dict[int, datetime.datetime]] = {}
    for owner, year, last in (
        Party.objects.filter(
            agreement__procedure__owner__in=calls,
            agreement__signed_at__isnull=False,
            receives_public_money=True,
            published_at__isnull=False,
        )
        .annotate(act_year=ExtractYear("agreement__signed_at"))
        .values("agreement__procedure__owner", "act_year")
        .annotate(last=Max("published_at"))
        .order_by()
        .values_list("agreement__procedure__owner", "act_year", "last")
    ):
        lists.setdefault(owner, {})[year] = last
    programs: dict[int, list[Program]] = {}
    for program in Program.objects.filter(owner__in=calls).only("owner", "slug", "title"):
        programs.setdefault(program.owner_id, []).append(program)
    bodies = Organization.objects.filter(pk__in=calls).order_by("name", "pk")

    today = timezone.localdate()
    found = []
    for body in bodies:
        agent = body_agent(body)
        page = reverse("transparency:body", args=[body.slug])
        name = body.name
        last_call = _day(calls[body.pk])
        last_outcome = outcomes.get(body.pk)
        found.append(
            Dataset(
                key="avvisi",
                title=_("Calls and outcomes of shared administration — %(body)s") % {"body": name},
                description=_(
                    "The calls for co-programming and co-design (art. 55 D.Lgs. 117/2017) that "
                    "%(body)s has published on Trama, and their outcomes (rankings), as Atom "
                    "feeds and on the body's transparency page."
                )
                % {"body": name},
                themes=(v.GOVE, v.SOCI),
                frequency=v.IRREGULAR,
                modified=max(last_call, _day(last_outcome)) if last_outcome else last_call,
                agent=agent,
                page=page,
                distributions=[
                    Distribution(
                        _("Atom feed of new calls"),
                        "atom",
                        reverse("transparency:body_feed", args=[body.slug, "avvisi"]),
                    ),
                    Distribution(
                        _("Atom feed of outcomes"),
                        "atom",
                        reverse("transparency:body_feed", args=[body.slug, "esiti"]),
                    ),
                    Distribution(_("Transparency page"), "html", page, download=False),
                ],
            )
        )
        if body.pk in agreements:
            found.append(
                Dataset(
                    key="convenzioni",
                    title=_("Signed agreements — %(body)s") % {"body": name},
                    description=_(
                        "The agreements that %(body)s has signed with Third-Sector bodies at "
                        "the end of its co-design procedures: parties, object, duration, public "
                        "contribution and the partners' co-funding."
                    )
                    % {"body": name},
                    themes=(v.GOVE, v.SOCI),
                    frequency=v.IRREGULAR,
                    modified=_day(agreements[body.pk]),
                    agent=agent,
                    page=page,
                    distributions=[
                        Distribution(
                            _("Atom feed of signed agreements"),
                            "atom",
                            reverse("transparency:body_feed", args=[body.slug, "convenzioni"]),
                        ),
                        Distribution(_("Transparency page"), "html", page, download=False),
                    ],
                )
            )
        for year, last in sorted(lists.get(body.pk, {}).items(), reverse=True):
            year_page = reverse("transparency:art27_year", args=[body.slug, year])
            found.append(
                Dataset(
                    key=f"art27-{year}",
                    title=_("Economic advantages granted in %(year)s (art. 27) — %(body)s")
                    % {"year": year, "body": name},
                    description=_(
                        "The acts by which %(body)s granted economic advantages in %(year)s to "
                        "beneficiaries above 1,000 € (D.Lgs. 33/2013 art. 26–27): beneficiary "
                        "and tax code, amount, legal basis, office and official responsible, "
                        "selection method, link to the project, payments."
                    )
                    % {"year": year, "body": name},
                    themes=(v.GOVE, v.ECON),
                    frequency=v.IRREGULAR,
                    modified=_day(last),
                    agent=agent,
                    page=year_page,
                    distributions=[
                        Distribution(
                            _("The list as %(format)s") % {"format": fmt.upper()},
                            fmt,
                            reverse("transparency:art27_export", args=[body.slug, year, fmt]),
                        )
                        for fmt in ("csv", "xlsx", "json")
                    ],
                )
            )
        releases = reverse("api-v1:ocds_releases") + f"?body={body.slug}"
        records = reverse("api-v1:ocds_records") + f"?body={body.slug}"
        found.append(
            Dataset(
                key="ocds",
                title=_("Procedures in the Open Contracting Data Standard — %(body)s")
                % {"body": name},
                description=_(
                    "The procedures of %(body)s as OCDS 1.1 releases and records, from the "
                    "call to the agreement, payments and reports, with each partner's "
                    "co-funding (budget breakdown), paginated through Trama's API."
                )
                % {"body": name},
                themes=(v.GOVE, v.ECON),
                frequency=v.IRREGULAR,
                modified=max(
                    [last_call] + [_day(d) for d in (last_outcome, agreements.get(body.pk)) if d]
                ),
                agent=agent,
                page=page,
                distributions=[
                    Distribution(_("OCDS release package (API)"), "json", releases, False),
                    Distribution(_("OCDS record package (API)"), "json", records, False),
                ],
            )
        )
        if programs.get(body.pk):
            found.append(
                Dataset(
                    key="risorse",
                    title=_("Resources and leverage of the programs — %(body)s") % {"body": name},
                    description=_(
                        "For each program of %(body)s, the resources recorded in Trama's "
                        "ledger (accepted actuals): public resources, additional resources "
                        "brought by the partners by source and category, leverage and "
                        "multiplier. Computed when downloaded."
                    )
                    % {"body": name},
                    themes=(v.ECON, v.SOCI),
                    frequency=v.CONTINUOUS,
                    modified=today,
                    agent=agent,
                    page=page,
                    distributions=[
                        Distribution(
                            _("Figures of %(program)s as %(format)s")
                            % {"program": program.title, "format": fmt.upper()},
                            fmt,
                            reverse("ledger:entries_export", args=[program.slug, fmt])
                            + "?view=figures&basis=accepted",
                        )
                        for program in programs[body.pk]
                        for fmt in ("csv", "xlsx")
                    ],
                )
            )
    years = bulk.years()
    if years:
        found.append(
            Dataset(
                key="ocds-annuali",
                title=_("Shared-administration procedures in OCDS — yearly files"),
                description=_(
                    "Every OCDS 1.1 release published on Trama in a year, for all public "
                    "bodies, one per line (JSON Lines) and the same file zipped; rebuilt "
                    "every night."
                ),
                themes=(v.GOVE, v.ECON),
                frequency=v.DAILY,
                modified=today,
                agent=platform_agent(),
                page=reverse("ocds:bulk_index"),
                distributions=[
                    Distribution(
                        _("Releases of %(year)s (%(format)s)")
                        % {"year": year, "format": fmt.upper()},
                        fmt,
                        reverse("ocds:bulk", args=[year, fmt]),
                    )
                    for year in years
                    for fmt in ("jsonl", "zip")
                ],
            )
        )
    return found


def graph() -> Graph:
    """The whole catalogue, its texts in Italian."""
    with translation.override("it"):
        found = datasets()
        return _graph(found)


def _it(text: str) -> Literal:
    return Literal(text, lang="it")


def _date(day: datetime.date) -> Literal:
    return Literal(day.isoformat(), datatype=XSD.date)


def _agent(g: Graph, agent: Agent) -> URIRef:
    node = URIRef(agent.uri)
    if (node, RDF.type, v.DCATAPIT.Agent) not in g:
        g.add((node, RDF.type, v.DCATAPIT.Agent))
        g.add((node, RDF.type, FOAF.Agent))
        g.add((node, DCTERMS.identifier, Literal(agent.identifier)))
        g.add((node, FOAF.name, _it(agent.name)))
    return node


def _contact(g: Graph, agent: Agent) -> URIRef:
    node = URIRef(agent.uri.replace("#ente", "#contatto"))
    if (node, RDF.type, v.DCATAPIT.Organization) not in g:
        g.add((node, RDF.type, v.DCATAPIT.Organization))
        g.add((node, RDF.type, v.VCARD.Organization))
        g.add((node, RDF.type, v.VCARD.Kind))
        g.add((node, v.VCARD.fn, _it(agent.name)))
        g.add((node, v.VCARD.hasEmail, URIRef("mailto:" + parseaddr(agent.email)[1])))
    return node


def _licence(g: Graph) -> URIRef:
    node = v.CC_BY_4
    g.add((node, RDF.type, v.DCATAPIT.LicenseDocument))
    g.add((node, RDF.type, DCTERMS.LicenseDocument))
    g.add((node, DCTERMS.type, v.ADMS_LICENCE_TYPE.Attribution))
    g.add((node, FOAF.name, _it(v.CC_BY_4_NAME)))
    g.add((node, OWL.versionInfo, Literal("4.0")))
    g.add((node, RDFS.seeAlso, v.CC_BY_4_PAGE))
    return node


def _graph(found: list[Dataset]) -> Graph:
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("foaf", FOAF)
    g.bind("dcatapit", v.DCATAPIT)
    g.bind("vcard", v.VCARD)
    g.bind("owl", OWL)
    catalogue = URIRef(absolute(reverse("catalogue:catalogue")))
    platform = platform_agent()
    licence = _licence(g)
    today = timezone.localdate()
    g.add((catalogue, RDF.type, v.DCATAPIT.Catalog))
    g.add((catalogue, RDF.type, DCAT.Catalog))
    g.add((catalogue, DCTERMS.title, _it(_("Trama — open data of shared administration"))))
    g.add(
        (
            catalogue,
            DCTERMS.description,
            _it(
                _(
                    "The open data that public bodies publish on Trama about shared "
                    "administration with the Third Sector (art. 55 D.Lgs. 117/2017): calls, "
                    "outcomes, agreements, the art. 27 lists, procedures in OCDS and the "
                    "resources the partners bring."
                )
            ),
        )
    )
    g.add((catalogue, DCTERMS.publisher, _agent(g, platform)))
    modified = max((d.modified for d in found), default=today)
    issued = min((d.modified for d in found), default=today)
    g.add((catalogue, DCTERMS.modified, _date(modified)))
    g.add((catalogue, DCTERMS.issued, _date(issued)))
    g.add((catalogue, DCTERMS.language, v.ITALIAN))
    g.add((catalogue, DCAT.themeTaxonomy, v.THEME_TAXONOMY))
    g.add((catalogue, FOAF.homepage, URIRef(absolute(reverse("pages:home")))))
    for dataset in found:
        owner = dataset.agent
        node = URIRef(f"{catalogue}#{owner.identifier}-{dataset.key}")
        g.add((catalogue, DCAT.dataset, node))
        g.add((node, RDF.type, v.DCATAPIT.Dataset))
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCTERMS.identifier, Literal(f"{owner.identifier}:{dataset.key}")))
        g.add((node, DCTERMS.title, _it(dataset.title)))
        g.add((node, DCTERMS.description, _it(dataset.description)))
        g.add((node, DCTERMS.modified, _date(dataset.modified)))
        for theme in dataset.themes:
            g.add((node, DCAT.theme, theme))
        g.add((node, DCTERMS.accrualPeriodicity, dataset.frequency))
        agent = _agent(g, owner)
        g.add((node, DCTERMS.rightsHolder, agent))
        g.add((node, DCTERMS.publisher, agent))
        g.add((node, DCAT.contactPoint, _contact(g, owner)))
        g.add((node, DCAT.landingPage, URIRef(absolute(dataset.page))))
        g.add((node, DCTERMS.language, v.ITALIAN))
        for n, dist in enumerate(dataset.distributions, start=1):
            part = URIRef(f"{node}-{n}")
            url = URIRef(absolute(dist.url))
            g.add((node, DCAT.distribution, part))
            g.add((part, RDF.type, v.DCATAPIT.Distribution))
            g.add((part, RDF.type, DCAT.Distribution))
            g.add((part, DCTERMS.title, _it(dist.title)))
            g.add((part, DCTERMS.description, _it(f"{dist.title} — {dataset.title}")))
            g.add((part, DCTERMS.format, v.FORMATS[dist.fmt]))
            g.add((part, DCAT.accessURL, url))
            if dist.download:
                g.add((part, DCAT.downloadURL, url))
            g.add((part, DCTERMS.license, licence))
    return g
