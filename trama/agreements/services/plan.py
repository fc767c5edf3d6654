"""The co-design table's budget plan: the public contribution and each body's pledges.

Every line is checked with the ledger's own rules (`entry_fields`, as `check_pledge` does for
a proposal's plan): when the agreement comes into force, each line becomes exactly that
ledger pledge. The public contribution (source PUBLIC_OWNER) is the owning body's, entered by
its officers; each table body enters and removes only its own lines.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from trama.ledger.figures import Basis, Figures, Scope
from trama.ledger.models import Kind, Level
from trama.ledger.services import entry_fields
from trama.ledger.vocabulary import ADDITIONAL_SOURCES, Source
from trama.organizations.access import acts_for_public_body, member_org_ids
from trama.procedures.services.base import event, locked
from trama.procedures.workflow import who_may

from ..access import table_bodies
from ..models import Agreement, Party, PlanLine


def plan_bodies(procedure) -> set[int]:
    """The bodies that bring resources to the plan besides the owning body: the table's
    bodies, or once the agreement exists its active parties."""
    agreement = Agreement.objects.filter(procedure=procedure).first()
    if agreement is not None:
        return set(
            Party.objects.filter(agreement=agreement, active=True)
            .exclude(organization_id=procedure.owner_id)
            .values_list("organization_id", flat=True)
        )
    return table_bodies(procedure)


def plan_open(procedure) -> bool:
    """At the table, or while an amendment of the agreement in force is prepared."""
    return who_may(procedure, "edit_plan") != "" or who_may(procedure, "amend_agreement") != ""


def editable_contributors(procedure, user, bodies=None) -> set[int]:
    """The contributors whose lines `user` may add or remove now (`bodies`: plan_bodies)."""
    if not plan_open(procedure):
        return set()
    orgs = member_org_ids(user)
    bodies = plan_bodies(procedure) if bodies is None else bodies
    mine = {pk for pk in bodies if pk in orgs}
    if acts_for_public_body(procedure.owner, orgs):
        mine.add(procedure.owner_id)
    return mine


def _check_editor(procedure, by, contributor, removing=False) -> None:
    if not plan_open(procedure):
        raise ValidationError(
            _("The budget plan is worked on at the co-design table or in an amendment.")
        )
    if (
        removing
        and contributor.pk != procedure.owner_id
        and contributor.pk not in plan_bodies(procedure)
        and acts_for_public_body(procedure.owner, member_org_ids(by))
    ):
        return  # a body that left the table: the officers clear its lines
    if contributor.pk not in editable_contributors(procedure, by):
        if contributor.pk == procedure.owner_id:
            raise PermissionDenied(
                _("Only the officers of the owning public body enter the public contribution.")
            )
        raise PermissionDenied(_("Each body enters and removes only its own lines."))


def check_plan_line(
    procedure,
    *,
    by,
    contributor,
    source,
    category,
    year,
    description,
    amount=None,
    quantity=None,
    unit="",
    unit_value=None,
    rate=None,
    funder=None,
    grant_reference="",
) -> PlanLine:
    """The line as it would be added, checked and valued (in kind), not saved."""
    description = (description or "").strip()
    _check_editor(procedure, by, contributor)
    errors = {}
    if not description:
        errors["description"] = [_("Describe the resource.")]
    if contributor.pk == procedure.owner_id and source != Source.PUBLIC_OWNER:
        errors["source"] = [_("The owning body's contribution has source “Owning public body”.")]
    try:
        row = entry_fields(
            by=by,
            program=procedure.program,
            kind=Kind.PLEDGE,
            category=category,
            source=source,
            contributor=contributor,
            year=year,
            amount=amount,
            quantity=quantity,
            unit=unit or "",
            unit_value=unit_value,
            rate=rate,
            procedure=procedure,
            funder=funder,
            grant_reference=grant_reference,
            description=description,
        )
    except ValidationError as exc:
        for field, field_errors in exc.error_dict.items():
            errors.setdefault(field, field_errors)
    if errors:
        raise ValidationError(errors)
    return PlanLine(
        procedure=procedure,
        contributor=contributor,
        source=row.source,
        category=row.category,
        year=row.year,
        amount=row.amount,
        funder=row.funder,
        grant_reference=row.grant_reference,
        quantity=getattr(row, "quantity", None),
        unit=getattr(row, "unit", "") or "",
        unit_value=getattr(row, "unit_value", None),
        rate=getattr(row, "rate", None),
        valuation_note=getattr(row, "valuation_note", ""),
        description=row.description,
        created_by=by,
    )


def add_plan_line(procedure, *, by, **fields) -> PlanLine:
    """Add a line to the table's budget plan, valid as the ledger pledge it will become."""
    with transaction.atomic():
        procedure = locked(procedure)
        line = check_plan_line(procedure, by=by, **fields)
        line.save()
        event(
            procedure,
            "plan.line_added",
            by=by,
            target=line,
            contributor=line.contributor_id,
            source=line.source,
            amount=str(line.amount),
        )
    return line


def remove_plan_line(line: PlanLine, *, by) -> None:
    """Take a line out of the plan (issued versions keep their own frozen copy)."""
    with transaction.atomic():
        procedure = locked(line.procedure)
        line = PlanLine.objects.select_related("contributor").get(pk=line.pk)
        _check_editor(procedure, by, line.contributor, removing=True)
        event(
            procedure,
            "plan.line_removed",
            by=by,
            target=line,
            contributor=line.contributor_id,
            amount=str(line.amount),
        )
        line.delete()


def plan_figures(procedure, lines) -> Figures:
    """The plan's totals as ledger figures on pledges: P, A, other public, leverage A/P."""
    figures = Figures(Scope(Level.PROCEDURE, procedure.pk), Basis.PLEDGED, None, None)
    for line in lines:
        if line.source == Source.PUBLIC_OWNER:
            figures.public += line.amount
        elif line.source == Source.OTHER_PUBLIC:
            figures.other_public += line.amount
        elif line.source in ADDITIONAL_SOURCES:
            figures.additional += line.amount
        figures.by_source[line.source] = figures.by_source.get(line.source, 0) + line.amount
        figures.entries += 1
    figures.pledged = figures.total
    figures.pledged_additional = figures.additional
    return figures
