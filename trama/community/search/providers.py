"""What is searchable, and how each thing reads as a search document.

A provider names a model, the kind of its documents and a function that turns one object
into a `Doc` — or None when it must not be found (a draft call, a member who left). The
apps of the community register theirs (`register`); `connect` keeps the index in step
with every save and delete of each provider's model (and with the many-to-many changes
it names).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _

from .models import SearchDocument

Visibility = SearchDocument.Visibility


@dataclass(frozen=True)
class Doc:
    title: str
    text: str
    url: str
    visibility: str = Visibility.PUBLIC


@dataclass(frozen=True)
class Provider:
    kind: str
    label: object  # the plural name shown in the filters
    model: str  # "app_label.ModelName"
    document: Callable  # object -> Doc | None
    queryset: Callable | None = None  # all objects, for the rebuild (default: model's)
    m2m: tuple = field(default=())  # "field" names whose changes re-index
    # ("app_label.Model", "attribute"): a save or delete of such a row re-indexes the
    # object its attribute names (a practice, when its new version is written).
    parents: tuple = field(default=())


PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    PROVIDERS[provider.kind] = provider


def model_of(provider: Provider):
    return apps.get_model(provider.model)


def objects_of(provider: Provider):
    if provider.queryset is not None:
        return provider.queryset()
    return model_of(provider)._default_manager.all()


# --- the platform's own: public calls, bodies, members' profiles ---------------------------


def _call(procedure):
    from trama.procedures.models import Procedure

    listed = procedure.origin == Procedure.Origin.HISTORICAL or procedure.published_at is not None
    if not listed:
        return None  # a draft is its body's until it is published
    program = procedure.program
    url = (
        program.get_absolute_url()
        if procedure.origin == Procedure.Origin.HISTORICAL
        else procedure.get_absolute_url()
    )
    text = " ".join(
        part
        for part in (
            str(procedure.get_kind_display()),
            procedure.description,
            program.title,
            program.owner.name,
        )
        if part
    )
    return Doc(procedure.title, text, url)


def _calls():
    from trama.procedures.models import Procedure

    return Procedure.objects.select_related("program__owner")


def _organization(organization):
    place = str(organization.municipality) if organization.municipality_id else ""
    text = " ".join(
        part
        for part in (str(organization.get_kind_display()), organization.description, place)
        if part
    )
    return Doc(organization.name, text, organization.get_absolute_url())


def _organizations():
    from trama.organizations.models import Organization

    return Organization.objects.select_related("municipality__province")


def _member(member):
    if not member.is_active:
        return None  # a member who left is no longer found
    from trama.community.models import Member

    visibility = (
        Visibility.PUBLIC if member.visibility == Member.Visibility.PUBLIC else Visibility.MEMBERS
    )
    text = " ".join(
        [
            member.role,
            member.bio,
            *[o.name for o in member.organizations.all()],
            *[t.name for t in member.topics.all()],
        ]
    )
    return Doc(member.public_name, text, member.get_absolute_url(), visibility)


def _practice(practice):
    if not practice.is_published:
        return None  # a draft is seen by its authors only
    actors = [str(actor) for actor in practice.actors.select_related("organization")]
    text = " ".join(
        part
        for part in (
            practice.summary,
            practice.territory,
            str(practice.municipality or practice.region or ""),
            str(practice.get_area_display()),
            *actors,
            practice.resources,
            practice.worked,
            practice.did_not_work,
        )
        if part
    )
    return Doc(practice.title, text, practice.get_absolute_url())


def _document(document):
    tags = [tag.name for tag in document.tags.all()]
    text = " ".join(
        part
        for part in (str(document.get_kind_display()), document.description, *tags, document.text)
        if part
    )
    return Doc(document.title, text, document.get_absolute_url())


def _event(event):
    if event.cancelled_at is not None:
        return None
    # Every session's title and description (a restricted one shows that it exists), never
    # its online link nor its materials.
    sessions = [
        part for session in event.sessions.all() for part in (session.title, session.description)
    ]
    text = " ".join(part for part in (event.description, event.place, *sessions) if part)
    return Doc(event.title, text, event.get_absolute_url())


def _thread(thread):
    from trama.community.discussions.models import State

    if thread.state != State.PUBLISHED:
        return None  # held for review, or hidden by the moderators
    posts = (
        thread.posts.filter(state=State.PUBLISHED).order_by("pk").values_list("source", flat=True)
    )
    # The discussions are the community's: members find them, nobody else.
    return Doc(thread.title, " ".join(posts), thread.get_absolute_url(), Visibility.MEMBERS)


register(Provider("call", _("Calls"), "procedures.Procedure", _call, _calls))
register(
    Provider(
        "event",
        _("Events"),
        "events.Event",
        _event,
        parents=(("events.Session", "event"),),
    )
)
register(
    Provider(
        "thread",
        _("Discussions"),
        "discussions.Thread",
        _thread,
        parents=(("discussions.Post", "thread"),),
    )
)
register(
    Provider(
        "practice",
        _("Practices"),
        "practices.Practice",
        _practice,
        # Its actors are written in bulk; each save ends with a new version.
        parents=(("practices.PracticeVersion", "practice"),),
    )
)
register(Provider("document", _("Library"), "practices.Document", _document, m2m=("tags",)))
register(
    Provider(
        "organization", _("Bodies"), "organizations.Organization", _organization, _organizations
    )
)
register(
    Provider("member", _("Members"), "community.Member", _member, m2m=("organizations", "topics"))
)


# --- kept in step --------------------------------------------------------------------------


def _saved(provider):
    def saved(sender, instance, raw=False, **kwargs):
        if raw:  # fixtures
            return
        from .index import index

        index(provider.kind, instance)

    return saved


def _deleted(provider):
    def deleted(sender, instance, **kwargs):
        from .index import remove

        remove(provider.kind, instance.pk)

    return deleted


def _m2m(provider):
    def changed(sender, instance, action, reverse, **kwargs):
        if action.startswith("post_") and not reverse:
            from .index import index

            index(provider.kind, instance)

    return changed


def _parent(provider, attribute):
    def changed(sender, instance, raw=False, **kwargs):
        if raw:
            return
        from .index import index

        parent = getattr(instance, attribute, None)
        if parent is not None and parent.pk is not None:
            index(provider.kind, parent)

    return changed


_connected = set()


def connect() -> None:
    """Connect every registered provider (again after a later `register`: once each)."""
    for provider in PROVIDERS.values():
        if provider.kind in _connected:
            continue
        model = model_of(provider)
        uid = f"search-{provider.kind}"
        post_save.connect(_saved(provider), sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(_deleted(provider), sender=model, weak=False, dispatch_uid=uid)
        for name in provider.m2m:
            through = getattr(model, name).through
            m2m_changed.connect(
                _m2m(provider), sender=through, weak=False, dispatch_uid=f"{uid}-{name}"
            )
        for child, attribute in provider.parents:
            child_model = apps.get_model(child)
            for signal in (post_save, post_delete):
                signal.connect(
                    _parent(provider, attribute),
                    sender=child_model,
                    weak=False,
                    dispatch_uid=f"{uid}-{child}",
                )
        _connected.add(provider.kind)
