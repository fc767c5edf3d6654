"""Forming, recording and describing partnerships: the one place their rules live."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.lib.slugs import unique_slug
from trama.organizations.access import (
    acts_for_public_body,
    check_acts_for_public_body,
    is_admin,
    member_org_ids,
)
from trama.organizations.models import Organization
from trama.organizations.shares import acts_in_force
from trama.programs.models import Program

from .models import Coordinator, Partnership
from .network import network_of


def _refuse(field: str, message, code: str) -> ValidationError:
    """A refusal naming the field it is about, with its stable code (pages and API)."""
    return ValidationError({field: ValidationError(message, code=code)})


def can_manage(user, partnership: Partnership) -> bool:
    """The owning public body names and describes a partnership; an institution's own
    administrators do too."""
    if not getattr(user, "is_authenticated", False):
        return False
    if acts_for_public_body(partnership.owner, member_org_ids(user)):
        return True
    return partnership.is_institutional and is_admin(user, partnership.entity_id)


def check_can_manage(user, partnership: Partnership) -> None:
    if not can_manage(user, partnership):
        raise PermissionDenied(
            _("Only %(owner)s names and describes this partnership.")
            % {"owner": partnership.owner.name}
        )


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise _refuse("name", _("Give the partnership a name."), "required")
    return name[:200]


def _date(value, field="formed_on") -> datetime.date:
    if not isinstance(value, datetime.date):
        raise _refuse(field, _("Give the date."), "required")
    if value > timezone.localdate():
        raise _refuse(field, _("The date cannot be in the future."), "future")
    return value


def contractual_name(program: Program) -> str:
    """The name Trama gives a program's partnership: stored, so in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Partnership of “%(program)s”") % {"program": program.title}


def on_agreement_signed(sender, agreement, by, **kwargs) -> None:
    """The program's first signed agreement forms its contractual partnership; later ones
    make it grow (its members are read from the agreements, so nothing else is written)."""
    program = agreement.procedure.program
    if Partnership.objects.filter(program=program).exists():
        return
    signed_on = timezone.localdate(agreement.signed_at or timezone.now())
    partnership = Partnership.objects.create(
        kind=Partnership.Kind.CONTRACTUAL,
        origin=Partnership.Origin.AGREEMENT,
        name=contractual_name(program),
        slug=unique_slug(Partnership, program.title, "partenariato"),
        owner=program.owner,
        program=program,
        formed_on=signed_on,
        created_by=by,
    )
    record_event(
        chain_for(program),
        "partnership.formed",
        by=by,
        target=partnership,
        data={"agreement": agreement.pk, "formed_on": signed_on.isoformat()},
    )


def record_contractual(
    *, by, program: Program, formed_on: datetime.date, name: str = "", description: str = ""
) -> Partnership:
    """Record from history the contractual partnership of a program whose agreements were
    signed before Trama (Lecco's first call, 2006)."""
    check_acts_for_public_body(by, program.owner)
    formed_on = _date(formed_on)
    name = _name(name or contractual_name(program))
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        existing = Partnership.objects.filter(program=program).first()
        if existing is not None:
            raise _refuse(
                "program",
                _("The program already has its partnership: %(name)s.") % {"name": existing.name},
                "program_has_partnership",
            )
        partnership = Partnership.objects.create(
            kind=Partnership.Kind.CONTRACTUAL,
            origin=Partnership.Origin.HISTORY,
            name=name,
            slug=unique_slug(Partnership, name, "partenariato"),
            description=(description or "").strip(),
            owner=program.owner,
            program=program,
            formed_on=formed_on,
            created_by=by,
        )
        record_event(
            chain_for(program),
            "partnership.recorded",
            by=by,
            target=partnership,
            data={"kind": partnership.kind, "formed_on": formed_on.isoformat()},
        )
    return partnership


def record_institutional(
    *,
    by,
    owner: Organization,
    entity: Organization,
    grew_from: Partnership | None = None,
    formed_on: datetime.date | None = None,
    name: str = "",
    description: str = "",
) -> Partnership:
    """Record a legal entity (an organisation on Trama) as an institutional partnership.

    `formed_on` defaults to the entity's constitution in its share table.
    """
    check_acts_for_public_body(by, owner)
    if not isinstance(entity, Organization) or entity.pk is None:
        raise _refuse(
            "entity",
            _("The entity must be an organisation on Trama: register it first."),
            "entity_not_on_trama",
        )
    if entity.is_public_body:
        raise _refuse(
            "entity",
            _(
                "%(entity)s is a public body: an institutional partnership is an entity "
                "whose members are public and Third-Sector bodies."
            )
            % {"entity": entity.name},
            "entity_is_public",
        )
    if formed_on is None:
        constitution = next(iter(acts_in_force(entity)), None)
        if constitution is None:
            raise _refuse(
                "formed_on",
                _(
                    "Give the date the entity was created, or record its constitution "
                    "and members' shares first."
                ),
                "required",
            )
        formed_on = constitution.date
    formed_on = _date(formed_on)
    name = _name(name or entity.name)
    with transaction.atomic():
        if grew_from is not None:
            grew_from = Partnership.objects.select_for_update().get(pk=grew_from.pk)
            if grew_from.kind != Partnership.Kind.CONTRACTUAL:
                raise _refuse(
                    "grew_from",
                    _("An institution grows from a contractual partnership."),
                    "grew_from_not_contractual",
                )
            claimed = Partnership.objects.filter(grew_from=grew_from).first()
            if claimed is not None:
                raise _refuse(
                    "grew_from",
                    _("%(from)s already grew into %(into)s.")
                    % {"from": grew_from.name, "into": claimed.name},
                    "grew_from_claimed",
                )
            if grew_from.formed_on > formed_on:
                raise _refuse(
                    "grew_from",
                    _(
                        "%(from)s was formed after the entity was created: it cannot be "
                        "what the entity grew from."
                    )
                    % {"from": grew_from.name},
                    "grew_from_later",
                )
        existing = Partnership.objects.filter(entity=entity).first()
        if existing is not None:
            raise _refuse(
                "entity",
                _("%(entity)s is already recorded as %(partnership)s.")
                % {"entity": entity.name, "partnership": existing.name},
                "entity_recorded",
            )
        try:
            with transaction.atomic():
                partnership = Partnership.objects.create(
                    kind=Partnership.Kind.INSTITUTIONAL,
                    origin=Partnership.Origin.ENTITY,
                    name=name,
                    slug=unique_slug(Partnership, name, "partenariato"),
                    description=(description or "").strip(),
                    owner=owner,
                    entity=entity,
                    grew_from=grew_from,
                    formed_on=formed_on,
                    created_by=by,
                )
        except IntegrityError:
            raise ValidationError(
                _("Someone recorded the same entity a moment ago. Reload and try again."),
                code="conflict",
            ) from None
        record_event(
            chain_for(entity),
            "partnership.recorded",
            by=by,
            target=partnership,
            data={
                "kind": partnership.kind,
                "formed_on": formed_on.isoformat(),
                "grew_from": grew_from.pk if grew_from else None,
            },
        )
    return partnership


def update_partnership(
    partnership: Partnership, *, by, name: str, description: str = ""
) -> Partnership:
    check_can_manage(by, partnership)
    partnership.name = _name(name)
    partnership.description = (description or "").strip()
    with transaction.atomic():
        partnership.save(update_fields=["name", "description"])
        record_event(
            chain_for(partnership.entity or partnership.program),
            "partnership.updated",
            by=by,
            target=partnership,
            data={"name": partnership.name},
        )
    return partnership


def coordinator_bodies(partnership: Partnership):
    """The bodies a coordinator may work for: the public body, a body of the network, or
    the entity and its members."""
    if partnership.program_id:
        members = [m.organization.pk for m in network_of([partnership.program_id]).members]
        bodies = Q(pk=partnership.owner_id) | Q(pk__in=members)
    else:
        bodies = (
            Q(pk=partnership.owner_id)
            | Q(pk=partnership.entity_id)
            | Q(holdings__act__entity=partnership.entity_id)
        )
    return Organization.objects.filter(bodies).distinct().order_by("name")


def add_coordinator(
    partnership: Partnership, *, by, name: str, organization: Organization, role="", email=""
) -> Coordinator:
    check_can_manage(by, partnership)
    name = (name or "").strip()
    if not name:
        raise _refuse("name", _("Give the coordinator's name."), "required")
    if organization is None:
        raise _refuse("organization", _("Say which body the coordinator works for."), "required")
    if not coordinator_bodies(partnership).filter(pk=organization.pk).exists():
        raise _refuse(
            "organization",
            _("The coordinator must work for the public body or one of the partnership's bodies."),
            "not_a_partner",
        )
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise _refuse("email", _("Enter a valid email address."), "invalid_email") from None
    return Coordinator.objects.create(
        partnership=partnership,
        name=name[:150],
        role=(role or "").strip()[:150],
        organization=organization,
        email=email,
    )


def remove_coordinator(coordinator: Coordinator, *, by) -> None:
    check_can_manage(by, coordinator.partnership)
    coordinator.delete()
