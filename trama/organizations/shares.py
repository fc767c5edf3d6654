"""An entity's member bodies and their shares: the table in force at any date.

An institutional partnership is an organisation whose members — public bodies and
Third-Sector bodies — hold shares. Each dated act sets the whole table, which sums to
100 %; the table at a date is that of the latest act up to that date. A wrong act is
never edited: `annul_act` records a later act that names it, and from then on it never
counted (the tables before and after it are read as if it had not been recorded).

The ledger reads `public_share_on` to split an entity's own resources between public and
private money (see `ledger.services`); it is frozen on each entry when it is recorded.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event

from .access import is_admin
from .models import Organization, ShareAct, Shareholding


def _refuse(field: str, message, code: str) -> ValidationError:
    """A refusal naming the field it is about, with its stable code (pages and API)."""
    return ValidationError({field: ValidationError(message, code=code)})


HUNDRED = Decimal("100.00")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Holding:
    member: Organization
    share: Decimal

    @property
    def public(self) -> bool:
        return self.member.is_public_body


@dataclass
class ShareTable:
    """The members and their shares set by one act (None before the entity exists)."""

    act: ShareAct | None
    holdings: list[Holding] = field(default_factory=list)

    @property
    def public_share(self) -> Decimal:
        return sum((h.share for h in self.holdings if h.public), Decimal("0.00"))

    @property
    def private_share(self) -> Decimal:
        return sum((h.share for h in self.holdings if not h.public), Decimal("0.00"))

    @property
    def members(self) -> set[int]:
        return {h.member.pk for h in self.holdings}


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def acts_in_force(entity: Organization) -> list[ShareAct]:
    """The entity's acts that count, in order, each with its holdings and members."""
    return list(
        ShareAct.objects.filter(entity=entity, annulled_by__isnull=True)
        .exclude(kind=ShareAct.Kind.ANNULMENT)
        .order_by("date", "pk")
        .prefetch_related(
            Prefetch("holdings", Shareholding.objects.select_related("member").order_by())
        )
    )


def _table(act: ShareAct | None) -> ShareTable:
    if act is None:
        return ShareTable(None)
    holdings = sorted(
        (Holding(h.member, h.share) for h in act.holdings.all()),
        key=lambda h: (-h.share, h.member.name),
    )
    return ShareTable(act, holdings)


def table_on(entity: Organization, on: datetime.date, acts=None) -> ShareTable:
    """The share table in force on a date: the latest act that counts up to that day."""
    acts = acts_in_force(entity) if acts is None else acts
    latest = None
    for act in acts:
        if act.date <= on:
            latest = act
    return _table(latest)


def history(entity: Organization) -> list[ShareTable]:
    """Every table the entity has had, oldest first."""
    return [_table(act) for act in acts_in_force(entity)]


def public_share_on(entity_id: int, on: datetime.date) -> Decimal | None:
    """The public members' total share on a date, or None if the entity has no share table
    then (it is not an institutional partnership, or not yet constituted)."""
    act = (
        ShareAct.objects.filter(entity_id=entity_id, annulled_by__isnull=True, date__lte=on)
        .exclude(kind=ShareAct.Kind.ANNULMENT)
        .order_by("-date", "-pk")
        .first()
    )
    if act is None:
        return None
    return sum(
        (h.share for h in act.holdings.filter(member__kind=Organization.Kind.PUBLIC_BODY)),
        Decimal("0.00"),
    )


def _check_may_record(by, entity: Organization) -> None:
    if not (getattr(by, "is_staff", False) or is_admin(by, entity.pk)):
        raise PermissionDenied(
            _("Only the administrators of %(entity)s record its members' shares.")
            % {"entity": entity.name}
        )


def _share(value) -> Decimal:
    invalid = ValidationError(
        _("Write each share as a percentage with at most two decimals, e.g. 25,50."),
        code="invalid_share",
    )
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise invalid from None
    if not share.is_finite():
        raise invalid
    # The range first: a huge exponent would not even round to the cent.
    if share <= 0 or share > HUNDRED:
        raise ValidationError(
            _("Each share is more than 0 % and at most 100 %."), code="share_out_of_range"
        )
    if share != share.quantize(CENT):
        raise invalid
    return share


def _check_holdings(entity, holdings) -> list[tuple[Organization, Decimal]]:
    if not holdings:
        raise _refuse("holdings", _("Name the members and their shares."), "no_members")
    rows, seen = [], set()
    for member, share in holdings:
        if not isinstance(member, Organization) or member.pk is None:
            raise _refuse(
                "holdings",
                _("Every member must be an organisation on Trama: invite it to register first."),
                "member_not_on_trama",
            )
        if member.pk == entity.pk:
            raise _refuse("holdings", _("An entity cannot be a member of itself."), "self_member")
        if member.pk in seen:
            raise _refuse(
                "holdings",
                _("%(member)s is named twice.") % {"member": member.name},
                "member_twice",
            )
        seen.add(member.pk)
        try:
            rows.append((member, _share(share)))
        except ValidationError as error:
            raise _refuse("holdings", error.messages[0], error.code) from None
    total = sum((share for _member, share in rows), Decimal("0.00"))
    if total != HUNDRED:
        raise _refuse(
            "holdings",
            _("The shares add up to %(total)s %%: they must add up to 100 %%.")
            % {"total": formats.number_format(total, 2, use_l10n=True)},
            "shares_not_100",
        )
    return rows


def _check_order(kind, date, acts, rows) -> None:
    """The act fits after the ones that count: dated on or after the last, and its members
    follow from its kind (admissions add, exits remove, a body that left comes back only by
    an admission)."""
    if date > timezone.localdate():
        raise _refuse("date", _("An act cannot be dated in the future."), "future")
    constitution = next((a for a in acts if a.kind == ShareAct.Kind.CONSTITUTION), None)
    if constitution is None and kind != ShareAct.Kind.CONSTITUTION:
        raise _refuse(
            "kind",
            _("Record the constitution first: it sets the founding members' shares."),
            "not_constituted",
        )
    if constitution is not None and kind == ShareAct.Kind.CONSTITUTION:
        raise _refuse(
            "kind",
            _("The entity was already constituted on %(date)s.")
            % {"date": _day(constitution.date)},
            "already_constituted",
        )
    if constitution is not None and date < constitution.date:
        raise _refuse(
            "date",
            _("The entity did not exist yet on %(date)s: it was constituted on %(start)s.")
            % {"date": _day(date), "start": _day(constitution.date)},
            "before_constitution",
        )
    if acts and date < acts[-1].date:
        raise _refuse(
            "date",
            _(
                "The last act in force is dated %(last)s: an act cannot be recorded "
                "before it. Annul the later acts first if history must change."
            )
            % {"last": _day(acts[-1].date)},
            "before_last_act",
        )
    before = _table(acts[-1] if acts else None)
    now = {member.pk for member, _share in rows}
    added, removed = now - before.members, before.members - now
    if kind == ShareAct.Kind.ADMISSION and not added:
        raise _refuse("holdings", _("An admission adds at least one member."), "admits_nobody")
    if kind == ShareAct.Kind.EXIT and (not removed or added):
        raise _refuse(
            "holdings", _("An exit removes at least one member and admits none."), "exit_members"
        )
    if kind not in (ShareAct.Kind.ADMISSION, ShareAct.Kind.CONSTITUTION) and added:
        left = {}
        for earlier, later in zip(acts, acts[1:], strict=False):
            gone = _table(earlier).members - _table(later).members
            for pk in gone:
                left[pk] = later.date
        for member, _share in rows:
            if member.pk in left and member.pk in added:
                raise _refuse(
                    "holdings",
                    _("%(member)s left the entity on %(date)s: record its return as an admission.")
                    % {"member": member.name, "date": _day(left[member.pk])},
                    "member_left",
                )


def record_act(
    *, by, entity: Organization, kind: str, date: datetime.date, holdings, reference="", note=""
) -> ShareAct:
    """Record a dated act that sets the whole share table of `entity`.

    `holdings` is a list of (organisation, share in %) pairs summing to 100.
    """
    _check_may_record(by, entity)
    if kind not in ShareAct.Kind.values or kind == ShareAct.Kind.ANNULMENT:
        raise _refuse("kind", _("Choose the kind of act."), "invalid_kind")
    if not isinstance(date, datetime.date):
        raise _refuse("date", _("Give the date of the act."), "required")
    rows = _check_holdings(entity, holdings)
    with transaction.atomic():
        # One writer per entity at a time: two acts recorded together are ordered.
        Organization.objects.select_for_update().filter(pk=entity.pk).first()
        acts = acts_in_force(entity)
        _check_order(kind, date, acts, rows)
        act = ShareAct.objects.create(
            entity=entity,
            kind=kind,
            date=date,
            reference=(reference or "").strip(),
            note=(note or "").strip(),
            recorded_by=by,
        )
        Shareholding.objects.bulk_create(
            [Shareholding(act=act, member=member, share=share) for member, share in rows]
        )
        record_event(
            chain_for(entity),
            "shares.act_recorded",
            by=by,
            target=act,
            data={
                "kind": kind,
                "date": date.isoformat(),
                "holdings": [[m.pk, str(s)] for m, s in rows],
            },
        )
    return act


def annul_act(*, by, act: ShareAct, reason: str) -> ShareAct:
    """Annul an act recorded by mistake: a new act names it, and it stops counting.

    Only the latest act in force may be annulled, so the tables after it never rest on it.
    """
    entity = act.entity
    _check_may_record(by, entity)
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("reason", _("Say why the act is annulled."), "required")
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=entity.pk).first()
        acts = acts_in_force(entity)
        if act.kind == ShareAct.Kind.ANNULMENT or act.pk not in {a.pk for a in acts}:
            raise ValidationError(
                _("This act no longer counts: it cannot be annulled."), code="not_in_force"
            )
        if acts[-1].pk != act.pk:
            raise ValidationError(
                _("Annul the later acts first, from the latest: %(act)s.") % {"act": acts[-1]},
                code="not_latest",
            )
        annulment = ShareAct.objects.create(
            entity=entity,
            kind=ShareAct.Kind.ANNULMENT,
            date=timezone.localdate(),
            note=reason,
            annuls=act,
            recorded_by=by,
        )
        record_event(
            chain_for(entity),
            "shares.act_annulled",
            by=by,
            target=annulment,
            data={"annuls": act.pk, "reason": reason},
        )
    return annulment
