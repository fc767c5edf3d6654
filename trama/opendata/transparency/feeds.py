"""Atom feeds of new calls, outcomes (rankings published) and signed agreements: for the whole
platform, for one public body, for one territory (a region, province or municipality by
its ISTAT code, as the territories app stores it: 2, 3 or 6 digits).

Each item is the public body's act, never a proposal: the title and owner of the procedure,
its object, the date of the act and a link to its public page.
"""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trama.agreements.models import Agreement
from trama.organizations.models import Organization
from trama.procedures.models import Procedure
from trama.territories.models import Municipality, Province, Region

ITEMS = 50

CALLS, OUTCOMES, AGREEMENTS = "avvisi", "esiti", "convenzioni"
KINDS = {
    CALLS: gettext_lazy("new calls"),
    OUTCOMES: gettext_lazy("outcomes"),
    AGREEMENTS: gettext_lazy("agreements"),
}


class UnknownTerritory(LookupError):
    pass


@dataclass(frozen=True)
class Scope:
    """Whose acts a feed lists: everyone's (no body, no territory), a body's, a territory's."""

    body: Organization | None = None
    territory: Region | Province | Municipality | None = None

    @property
    def name(self) -> str:
        if self.body is not None:
            return self.body.name
        if self.territory is not None:
            return _("%(kind)s: %(name)s") % {
                "kind": str(self.territory._meta.verbose_name).capitalize(),
                "name": self.territory,
            }
        return _("all of Trama")

    def owners(self, prefix: str) -> Q:
        """The condition on a procedure's owner (reached through `prefix`)."""
        if self.body is not None:
            return Q(**{f"{prefix}owner": self.body})
        seat = f"{prefix}owner__municipality"
        if isinstance(self.territory, Region):
            return Q(**{f"{seat}__province__region": self.territory})
        if isinstance(self.territory, Province):
            return Q(**{f"{seat}__province": self.territory})
        if isinstance(self.territory, Municipality):
            return Q(**{seat: self.territory})
        return Q()

    def url(self, kind: str) -> str:
        if self.body is not None:
            return reverse("transparency:body_feed", args=[self.body.slug, kind])
        if self.territory is not None:
            return reverse("transparency:territory_feed", args=[self.territory.istat_code, kind])
        return reverse("transparency:feed", args=[kind])


def territory(code: str):
    """The region (2 digits), province (3) or municipality (6) with this ISTAT code."""
    model = {2: Region, 3: Province, 6: Municipality}.get(len(code)) if code.isdigit() else None
    found = model.objects.filter(istat_code=code).first() if model else None
    if found is None:
        raise UnknownTerritory(code)
    return found


def alternates(scope: Scope) -> list[tuple[str, str]]:
    """(title, url) of the scope's feeds, for <link rel="alternate"> and the page's links."""
    return [
        (
            _("%(kind)s — %(scope)s (Atom)")
            % {"kind": str(label).capitalize(), "scope": scope.name},
            scope.url(kind),
        )
        for kind, label in KINDS.items()
    ]


class TransparencyFeed(Feed):
    feed_type = Atom1Feed

    def __init__(self, scope: Scope, kind: str):
        super().__init__()
        self.scope, self.kind = scope, kind

    def title(self):
        return _("Trama — %(kind)s (%(scope)s)") % {
            "kind": KINDS[self.kind],
            "scope": self.scope.name,
        }

    def subtitle(self):
        return _(
            "Acts of shared administration (art. 55 D.Lgs. 117/2017) published on Trama: %(kind)s."
        ) % {"kind": KINDS[self.kind]}

    def link(self):
        if self.scope.body is not None:
            return reverse("transparency:body", args=[self.scope.body.slug])
        return reverse("procedures:calls")

    def feed_url(self):
        return self.scope.url(self.kind)

    def feed_guid(self):
        # Each feed its own id: several share the page they link to.
        return self.request.build_absolute_uri(self.feed_url())

    def items(self):
        if self.kind == AGREEMENTS:
            return list(
                Agreement.objects.filter(self.scope.owners("procedure__"), signed_at__isnull=False)
                .select_related("procedure__owner")
                .order_by("-signed_at", "-pk")[:ITEMS]
            )
        procedures = Procedure.objects.public().filter(self.scope.owners(""))
        if self.kind == OUTCOMES:
            procedures = procedures.filter(ranked_at__isnull=False).order_by("-ranked_at", "-pk")
        else:
            procedures = procedures.order_by("-published_at", "-pk")
        return list(procedures.select_related("owner")[:ITEMS])

    def _procedure(self, item):
        return item.procedure if isinstance(item, Agreement) else item

    def item_title(self, item):
        procedure = self._procedure(item)
        if self.kind == OUTCOMES:
            label = _("Ranking published")
        elif self.kind == AGREEMENTS:
            label = _("Agreement signed")
        else:
            label = _("Call")
        return f"{label}: {procedure.title} — {procedure.owner.name}"

    def item_description(self, item):
        if isinstance(item, Agreement):
            return item.object
        if self.kind == OUTCOMES:
            # The outcome's own news, not the call's text again (the call's item has it).
            return _("The ranking of the call “%(title)s” was published on %(date)s.") % {
                "title": item.title,
                "date": date_format(timezone.localtime(item.ranked_at), "DATE_FORMAT"),
            }
        return item.description

    def item_link(self, item):
        if isinstance(item, Agreement):
            return reverse("agreements:public", args=[item.pk])
        return item.get_absolute_url()

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    item_guid_is_permalink = False

    def item_guid(self, item):
        # A call and its outcome share a page: each item keeps an id of its own.
        return self.request.build_absolute_uri(self.item_link(item)) + f"#{self.kind}"

    def item_pubdate(self, item):
        if isinstance(item, Agreement):
            return item.signed_at
        return item.ranked_at if self.kind == OUTCOMES else item.published_at

    def item_updateddate(self, item):
        # Atom requires <updated> on every entry: an act, once published, is not changed.
        return self.item_pubdate(item)

    def item_author_name(self, item):
        return self._procedure(item).owner.name
