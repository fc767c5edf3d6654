import datetime
import secrets
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trama.audit.services import chain_for, record_event
from trama.lib.files import content_matches, sha256_of
from trama.lib.numbers import AMOUNT, QUANTITY, UNIT_VALUE, clean_number, format_number
from trama.organizations.access import (
    acts_for_public_body,
    check_acts_for_public_body,
    member_org_ids,
    speaks_for_funder,
)
from trama.organizations.models import Organization
from trama.organizations.shares import public_share_on
from trama.programs.models import Program

from . import notify, rollups
from .measure import current_measure, latest_confirmation, latest_verification, measure_for
from .models import (
    CENT,
    Category,
    Evidence,
    FunderConfirmation,
    Kind,
    LedgerEntry,
    Measure,
    Source,
    Verification,
)
from .vocabulary import ADDITIONAL_SOURCES


def _program_with_territory(program_id) -> Program:
    return Program.objects.with_territory().get(pk=program_id)


def check_can_record(user, program: Program, contributor: Organization) -> None:
    """A body's members record its own resources; the owning body's members record any."""
    org_ids = member_org_ids(user)
    if contributor.pk in org_ids or acts_for_public_body(program.owner, org_ids):
        return
    raise PermissionDenied(
        _("Only members of %(name)s or of the program's public body can record this.")
        % {"name": contributor.name}
    )


# Choice values as sets: TextChoices.values rebuilds its list at every call.
KINDS, CATEGORIES, SOURCES = (
    frozenset(Kind.values),
    frozenset(Category.values),
    frozenset(Source.values),
)


def check_entry(entry: LedgerEntry, program: Program) -> None:
    """The rules of what counts where, for a new (non-reversal) entry."""
    errors = {}

    def error(field, message, code):
        errors.setdefault(field, ValidationError(message, code=code))

    contributor = entry.contributor
    if entry.kind not in KINDS:
        error("kind", _("Unknown kind."), "invalid")
    if entry.category not in CATEGORIES:
        error("category", _("Unknown category."), "invalid")
    if entry.source not in SOURCES:
        error("source", _("Unknown source."), "invalid")
    elif entry.source == Source.PUBLIC_OWNER and contributor.pk != program.owner_id:
        error(
            "source",
            _("Only the program's public body records its own public resources."),
            "public_owner_only",
        )
    elif entry.source == Source.OTHER_PUBLIC and (
        not contributor.is_public_body or contributor.pk == program.owner_id
    ):
        error(
            "source",
            _("Other public funds come from a public body other than the program's."),
            "other_public_only",
        )
    elif entry.source in ADDITIONAL_SOURCES and contributor.is_public_body:
        error(
            "source",
            _("Additional resources come from non-public contributors only."),
            "additional_not_public",
        )
    if entry.source == Source.FOUNDATION_GRANT:
        if entry.funder is None:
            error("funder", _("A foundation grant names the funder."), "funder_required")
        elif entry.funder.kind != Organization.Kind.FUNDER:
            error("funder", _("The funder must be an organisation of kind funder."), "not_a_funder")
        elif entry.funder_id == contributor.pk:
            error(
                "funder",
                _("The body that won the grant and the funder must differ."),
                "funder_is_contributor",
            )
    elif entry.funder_id:
        error("funder", _("Only a foundation grant names a funder."), "funder_not_allowed")
    if entry.year not in program.years:
        error(
            "year",
            _("The year must fall within the program's years (%(start)s–%(end)s).")
            % {"start": program.start_year, "end": program.end_year},
            "year_outside_program",
        )
    if entry.procedure_id and entry.procedure.program_id != program.pk:
        error("procedure", _("The procedure belongs to another program."), "wrong_procedure")
    if errors:
        raise ValidationError(errors)


def value_in_kind(*, quantity, unit, unit_value=None, rate=None, year=None):
    """quantity × unit value, from a reference rate when one is named; frozen in the entry."""
    errors = {}
    if quantity in (None, ""):
        errors["quantity"] = ValidationError(_("Give the quantity."), code="quantity_required")
    if rate is None and unit_value in (None, ""):
        errors["unit_value"] = ValidationError(
            _("Give a unit value or pick a reference rate."), code="rate_required"
        )
    if errors:
        raise ValidationError(errors)
    quantity = clean_number(quantity, QUANTITY, "quantity")
    note = ""
    if rate is not None:
        if unit and unit != rate.unit:
            raise ValidationError(
                {
                    "unit": ValidationError(
                        _("The reference rate is per %(unit)s.")
                        % {"unit": rate.get_unit_display()},
                        code="unit_mismatch",
                    )
                }
            )
        if year is not None and not rate.valid_in(year):
            raise ValidationError(
                {
                    "rate": ValidationError(
                        _("This reference rate is not valid in %(year)s.") % {"year": year},
                        code="rate_not_valid",
                    )
                }
            )
        unit, unit_value = rate.unit, Decimal(str(rate.value))
        note = f"{rate.name}: € {format_number(rate.value)}/{rate.get_unit_display()} ({rate.source_note})"[
            :300
        ]
    else:
        unit_value = clean_number(unit_value, UNIT_VALUE, "unit_value")
    if not unit:
        raise ValidationError({"unit": ValidationError(_("Give the unit."), code="unit_required")})
    amount = clean_number(
        (quantity * unit_value).quantize(CENT, rounding=ROUND_HALF_UP), AMOUNT, "amount"
    )
    return {
        "quantity": quantity,
        "unit": unit,
        "unit_value": unit_value,
        "rate": rate,
        "valuation_note": note,
        "amount": amount,
    }


def entry_fields(
    *,
    by,
    program,
    kind,
    category,
    source,
    contributor,
    year,
    amount=None,
    quantity=None,
    unit="",
    unit_value=None,
    rate=None,
    procedure=None,
    funder=None,
    grant_reference="",
    description="",
    external_id="",
    import_batch=None,
    public_shares=None,
) -> "_Row":
    """The checked fields of a new entry: the rules of record_entry without the database."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError(
            {"year": ValidationError(_("Give a year."), code="invalid")}
        ) from None
    fields = {}
    if quantity not in (None, "") or rate is not None:
        fields = value_in_kind(
            quantity=quantity, unit=unit, unit_value=unit_value, rate=rate, year=year
        )
        if amount not in (None, "") and clean_number(amount, AMOUNT, "amount") != fields["amount"]:
            raise ValidationError(
                {
                    "amount": ValidationError(
                        _("The amount must equal quantity × unit value (€ %(value)s).")
                        % {"value": format_number(fields["amount"])},
                        code="valuation_mismatch",
                    )
                }
            )
    elif amount in (None, ""):
        raise ValidationError({"amount": ValidationError(_("Give the amount."), code="required")})
    else:
        fields = {"amount": clean_number(amount, AMOUNT, "amount")}
    fields.update(
        program=program,
        procedure=procedure,
        kind=kind,
        category=category,
        source=source,
        contributor=contributor,
        funder=funder,
        grant_reference=(grant_reference or "")[:150],
        year=year,
        description=(description or "")[:300],
        external_id=external_id or "",
        import_batch=import_batch,
        recorded_by=by,
    )
    # The rules read plain attributes: no model instance is needed to check a row.
    row = _Row(fields)
    check_entry(row, program)
    row.public_share = split_share(source, contributor, year, public_shares)
    return row


def split_share(source, contributor, year, cache=None) -> Decimal | None:
    """The public members' share of an entity's own resources in a year (README, "Own
    resources of an institutional partnership"), or None where nothing is split: the
    entity's share table on 1 January of the entry's year, read once per entity and year
    when `cache` (a dict) is given."""
    if source != Source.OWN_RESOURCES or contributor is None:
        return None
    key = (contributor.pk, year)
    if cache is not None and key in cache:
        return cache[key]
    share = public_share_on(contributor.pk, datetime.date(year, 1, 1))
    if cache is not None:
        cache[key] = share
    return share


def check_pledge(
    *,
    program,
    contributor,
    source,
    category,
    year,
    amount,
    funder=None,
    procedure=None,
    description="",
) -> Decimal:
    """Refuse what would not be a valid pledge, writing nothing; return the amount it would have.

    A proposal's budget-plan line becomes exactly this pledge once the proposal is selected,
    so the plan checks each line with this function when the line is added.
    """
    row = entry_fields(
        by=None,
        program=program,
        kind=Kind.PLEDGE,
        category=category,
        source=source,
        contributor=contributor,
        year=year,
        amount=amount,
        procedure=procedure,
        funder=funder,
        description=description,
    )
    return row.amount


class _Row:
    """Attribute access to an entry's fields, as check_entry and the roll-ups read them."""

    def __init__(self, fields):
        self.__dict__.update(fields)
        self.procedure_id = fields["procedure"].pk if fields.get("procedure") else None
        self.contributor_id = fields["contributor"].pk
        self.funder_id = fields["funder"].pk if fields.get("funder") else None


def record_entry(*, by, program, contributor, check_permission=True, **fields) -> LedgerEntry:
    """Record a pledge or an actual; actuals await the owning body's verification."""
    program = _program_with_territory(program.pk)
    if check_permission:
        check_can_record(by, program, contributor)
    row = entry_fields(by=by, program=program, contributor=contributor, **fields)
    entry = LedgerEntry(**{k: v for k, v in row.__dict__.items() if k in FIELD_NAMES})
    kind, source, year, import_batch = entry.kind, entry.source, entry.year, entry.import_batch
    with transaction.atomic():
        entry.save()
        verification = None
        if kind == Kind.ACTUAL:
            # The owning body's own records, and imports of its history, are accepted by
            # the officer who records them; anyone else's wait for verification.
            by_owner = acts_for_public_body(program.owner, member_org_ids(by))
            status = Verification.Status.ACCEPTED if by_owner else Verification.Status.PENDING
            reason = ""
            if by_owner:
                reason = (
                    _("Imported in batch %(batch)s") % {"batch": import_batch.pk}
                    if import_batch
                    else _("Recorded by the owning public body")
                )
            verification = Verification.objects.create(
                entry=entry,
                status=status,
                reason=reason,
                organization=program.owner,
                by=by,
                import_batch=import_batch,
            )
        measure = measure_for(kind, source, verification.status if verification else None, None)
        rollups.apply([(entry, program, measure, entry.amount, 1)])
        if import_batch is None:
            record_event(
                chain_for(program),
                "ledger.recorded",
                by=by,
                target=entry,
                data={
                    "kind": kind,
                    "source": source,
                    "amount": str(entry.amount),
                    "contributor": contributor.pk,
                    "year": year,
                },
            )
        if source == Source.FOUNDATION_GRANT and entry.funder_id:
            notify.tell_grant_named(entry, program)
        if verification is not None and verification.status == Verification.Status.PENDING:
            notify.tell_actual_to_verify(entry, program)
    return entry


MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# Extension → the content type stored and sent back; the file's own bytes must agree.
EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "p7m": "application/pkcs7-mime",
}


def check_evidence(upload) -> str:
    """The file's extension, if it is an accepted kind, within the limit and what it claims."""
    extension = PurePath(upload.name or "").suffix.lower().lstrip(".")
    if extension not in EVIDENCE_TYPES:
        raise ValidationError(
            {
                "evidence": ValidationError(
                    _("Attach a PDF, PNG, JPEG, XLSX, CSV or P7M file."), code="file_type"
                )
            }
        )
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            {
                "evidence": ValidationError(
                    _("The file is larger than 10 MB."), code="file_too_large"
                )
            }
        )
    if not content_matches(extension, upload):
        raise ValidationError(
            {
                "evidence": ValidationError(
                    _("The file is not a real .%(extension)s: its content is of another kind."),
                    code="file_content_mismatch",
                    params={"extension": extension},
                )
            }
        )
    return extension


def attach_evidence(entry: LedgerEntry, *, by, upload) -> Evidence:
    """Keep a file backing an entry, under a random name, and write it in the audit trail.

    Whoever may record or reverse the entry attaches its evidence: the contributor's members
    and the owning public body's.
    """
    extension = check_evidence(upload)
    program = _program_with_territory(entry.program_id)
    check_can_record(by, program, entry.contributor)
    evidence = Evidence(
        entry=entry,
        name=PurePath(upload.name).name[:255],
        content_type=EVIDENCE_TYPES[extension],
        size=upload.size,
        sha256=sha256_of(upload),
        uploaded_by=by,
    )
    evidence.file.save(f"{secrets.token_hex(16)}.{extension}", upload, save=False)
    try:
        with transaction.atomic():
            evidence.save()
            record_event(
                chain_for(program),
                "ledger.evidence_attached",
                by=by,
                target=entry,
                data={
                    "evidence": evidence.pk,
                    "name": evidence.name,
                    "size": evidence.size,
                    "sha256": evidence.sha256,
                },
            )
    except Exception:
        # Nothing was saved: the stored file must not outlive the rolled-back row.
        evidence.file.delete(save=False)
        raise
    return evidence


class RowErrors(ValidationError):
    """Some rows of a batch break the rules: `rows` holds (index, ValidationError) pairs."""

    def __init__(self, rows):
        self.rows = rows
        message = ngettext(
            "%(count)s row is not valid.", "%(count)s rows are not valid.", len(rows)
        ) % {"count": len(rows)}
        super().__init__(message, code="rows")


def record_entries(*, by, program, rows, import_batch=None) -> int:
    """Record many entries for the owning body at once (imports): all or nothing.

    Each row holds record_entry's arguments (with organisation, funder, procedure and rate
    objects already resolved by the caller). Every row is checked with the same rules; if
    any fails, nothing is saved and RowErrors lists them all. Actuals are accepted by the
    importing officer, citing the batch. Roll-ups are updated once for the whole batch.
    Returns how many entries were recorded.
    """
    program = _program_with_territory(program.pk)
    if not acts_for_public_body(program.owner, member_org_ids(by)):
        raise PermissionDenied(_("Only a public body verified by the platform staff can do this."))
    checked, errors, shares = [], [], {}
    for index, row in enumerate(rows):
        try:
            checked.append(
                entry_fields(
                    by=by, program=program, import_batch=import_batch, public_shares=shares, **row
                )
            )
        except ValidationError as exc:
            errors.append((index, exc))
    if errors:
        raise RowErrors(errors)
    reason = (
        _("Imported in batch %(batch)s") % {"batch": import_batch.pk}
        if import_batch
        else _("Recorded by the owning public body")
    )
    accepted = Verification.Status.ACCEPTED
    with transaction.atomic():
        bulk_insert(checked, program=program, by=by, reason=reason, import_batch=import_batch)
        # Every actual of the batch is accepted by the importing officer (bulk_insert).
        rollups.apply(
            (row, program, measure_for(row.kind, row.source, accepted, None), row.amount, 1)
            for row in checked
        )
        grants = Counter(
            row.funder_id
            for row in checked
            if row.source == Source.FOUNDATION_GRANT and row.funder_id
        )
        for funder in Organization.objects.filter(pk__in=grants):
            notify.tell_grants_imported(funder, grants[funder.pk], program, by)
    return len(checked)


ENTRY_COLUMNS = [
    "id",
    "program_id",
    "procedure_id",
    "kind",
    "category",
    "source",
    "contributor_id",
    "funder_id",
    "grant_reference",
    "year",
    "amount",
    "quantity",
    "unit",
    "unit_value",
    "rate_id",
    "valuation_note",
    "description",
    "reverses_id",
    "reason",
    "external_id",
    "import_batch_id",
    "recorded_by_id",
    "recorded_at",
    "public_share",
]
VERIFICATION_COLUMNS = [
    "entry_id",
    "status",
    "reason",
    "organization_id",
    "by_id",
    "import_batch_id",
    "at",
]


def bulk_insert(rows, *, program, by, reason, import_batch) -> None:
    """Insert checked rows and the acceptance of their actuals, as fast as the database can.

    On PostgreSQL: ids drawn from the sequence in one query, then COPY for both tables (the
    ORM's per-object work would cap an import at a couple of thousand rows a second).
    """
    now = timezone.now()
    batch_id = import_batch.pk if import_batch else None
    if connection.vendor != "postgresql":
        entries = LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(**{k: v for k, v in row.__dict__.items() if k in FIELD_NAMES})
                for row in rows
            ],
            batch_size=2000,
        )
        Verification.objects.bulk_create(
            [
                Verification(
                    entry=entry,
                    status=Verification.Status.ACCEPTED,
                    reason=reason,
                    organization=program.owner,
                    by=by,
                    import_batch=import_batch,
                )
                for entry in entries
                if entry.kind == Kind.ACTUAL
            ],
            batch_size=2000,
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('ledger_ledgerentry', 'id')) "
            "FROM generate_series(1, %s)",
            [len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(
            f"COPY ledger_ledgerentry ({', '.join(ENTRY_COLUMNS)}) FROM STDIN"  # noqa: S608
        ) as copy:
            for entry_id, row in zip(ids, rows, strict=True):
                copy.write_row(
                    (
                        entry_id,
                        program.pk,
                        row.procedure_id,
                        row.kind,
                        row.category,
                        row.source,
                        row.contributor_id,
                        row.funder_id,
                        row.grant_reference,
                        row.year,
                        row.amount,
                        row.__dict__.get("quantity"),
                        row.__dict__.get("unit", ""),
                        row.__dict__.get("unit_value"),
                        row.rate.pk if row.__dict__.get("rate") else None,
                        row.__dict__.get("valuation_note", ""),
                        row.description,
                        None,
                        "",
                        row.external_id,
                        batch_id,
                        by.pk,
                        now,
                        row.__dict__.get("public_share"),
                    )
                )
        with raw.copy(
            f"COPY ledger_verification ({', '.join(VERIFICATION_COLUMNS)}) FROM STDIN"  # noqa: S608
        ) as copy:
            for entry_id, row in zip(ids, rows, strict=True):
                if row.kind == Kind.ACTUAL:
                    copy.write_row(
                        (
                            entry_id,
                            Verification.Status.ACCEPTED,
                            reason,
                            program.owner_id,
                            by.pk,
                            batch_id,
                            now,
                        )
                    )


FIELD_NAMES = {f.name for f in LedgerEntry._meta.concrete_fields}


def reverse_entry(
    entry: LedgerEntry, *, by, reason: str, check_permission: bool = True
) -> LedgerEntry:
    """Cancel an entry with a new entry of the same amount that points to it.

    `check_permission=False` is for a service that has checked its own rule (an agreement
    coming into force replaces the proposals' pledges, whoever signs last).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Say why the entry is reversed."), code="reason_required")}
        )
    with transaction.atomic():
        entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
        program = _program_with_territory(entry.program_id)
        if check_permission:
            check_can_record(by, program, entry.contributor)
        if entry.is_reversal:
            raise ValidationError(_("A reversal cannot be reversed."), code="reversal_of_reversal")
        if LedgerEntry.objects.filter(reverses=entry).exists():
            raise ValidationError(_("This entry was already reversed."), code="already_reversed")
        measure = current_measure(entry)
        reversal = LedgerEntry.objects.create(
            program=entry.program,
            procedure=entry.procedure,
            kind=entry.kind,
            category=entry.category,
            source=entry.source,
            contributor=entry.contributor,
            funder=entry.funder,
            grant_reference=entry.grant_reference,
            year=entry.year,
            amount=entry.amount,
            quantity=entry.quantity,
            unit=entry.unit,
            unit_value=entry.unit_value,
            rate=entry.rate,
            valuation_note=entry.valuation_note,
            description=entry.description,
            public_share=entry.public_share,
            reverses=entry,
            reason=reason[:300],
            recorded_by=by,
        )
        rollups.apply([(reversal, program, measure, -reversal.amount, 1)])
        record_event(
            chain_for(program),
            "ledger.reversed",
            by=by,
            target=reversal,
            data={"reverses": entry.pk, "amount": str(entry.amount), "reason": reason},
        )
    return reversal


def _move(entry: LedgerEntry, program, old: str, new: str) -> None:
    """Move an entry's amount from one measure to another in the roll-ups."""
    if old != new:
        rollups.apply(
            [(entry, program, old, -entry.amount, -1), (entry, program, new, entry.amount, 1)]
        )


def verify_entry(
    entry: LedgerEntry, *, by, accept: bool, reason: str = "", tell: bool = True
) -> Verification:
    """The owning public body accepts or rejects an actual; the first decision stands."""
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Say why the actual is rejected."), code="reason_required"
                )
            }
        )
    with transaction.atomic():
        # The row lock makes two officers verifying at once take turns: the second sees
        # the first one's decision and is told.
        entry = (
            LedgerEntry.objects.select_for_update()
            .select_related("program__owner")
            .get(pk=entry.pk)
        )
        program = _program_with_territory(entry.program_id)
        owner = program.owner
        check_acts_for_public_body(
            by, owner, not_member=_("Only the program's public body verifies its entries.")
        )
        if entry.kind != Kind.ACTUAL or entry.is_reversal:
            raise ValidationError(_("Only actuals are verified."), code="not_an_actual")
        if LedgerEntry.objects.filter(reverses=entry).exists():
            raise ValidationError(_("This entry was reversed."), code="already_reversed")
        current = latest_verification(entry.pk)
        if current in (Verification.Status.ACCEPTED, Verification.Status.REJECTED):
            raise ValidationError(
                _("This actual was already verified (%(status)s).")
                % {"status": Verification.Status(current).label},
                code="already_verified",
            )
        old = current_measure(entry)
        verification = Verification.objects.create(
            entry=entry,
            status=Verification.Status.ACCEPTED if accept else Verification.Status.REJECTED,
            reason=reason[:300],
            organization=owner,
            by=by,
        )
        _move(entry, program, old, current_measure(entry))
        record_event(
            chain_for(program),
            "ledger.verified",
            by=by,
            target=entry,
            data={"status": verification.status, "reason": reason},
        )
        # `tell=False`: the caller tells the contributor itself, in its own words (a report's
        # changes requested name the report and what to do in it).
        if not accept and tell:
            notify.tell_rejected(entry, program, verification)
    return verification


def confirm_grant(
    entry: LedgerEntry, *, by, confirmed: bool, reason: str = ""
) -> FunderConfirmation:
    """The named funder confirms or disputes a grant; a dispute keeps it out of accepted figures."""
    reason = (reason or "").strip()
    if not confirmed and not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Say why the grant is disputed."), code="reason_required")}
        )
    with transaction.atomic():
        entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.source != Source.FOUNDATION_GRANT or entry.is_reversal:
            raise ValidationError(
                _("Only foundation grants are confirmed by a funder."), code="not_a_grant"
            )
        org_ids = member_org_ids(by)
        if entry.funder_id not in org_ids:
            raise PermissionDenied(_("Only the named funder confirms this grant."))
        if not speaks_for_funder(entry.funder, org_ids):
            raise PermissionDenied(_("Only a funder verified by the platform staff can do this."))
        status = (
            FunderConfirmation.Status.CONFIRMED if confirmed else FunderConfirmation.Status.DISPUTED
        )
        if latest_confirmation(entry.pk) == status:
            raise ValidationError(
                _("The grant is already marked %(status)s.") % {"status": status.label},
                code="already_confirmed",
            )
        program = _program_with_territory(entry.program_id)
        old = current_measure(entry)
        confirmation = FunderConfirmation.objects.create(
            entry=entry, status=status, reason=reason[:300], organization=entry.funder, by=by
        )
        new = current_measure(entry)
        _move(entry, program, old, new)
        reversal = LedgerEntry.objects.filter(reverses=entry).first()
        if reversal is not None:
            rollups.apply(
                [
                    (reversal, program, old, reversal.amount, -1),
                    (reversal, program, new, -reversal.amount, 1),
                ]
            )
        record_event(
            chain_for(program),
            "ledger.funder_confirmed",
            by=by,
            target=entry,
            data={"status": status, "reason": reason},
        )
        if status == FunderConfirmation.Status.DISPUTED:
            notify.tell_disputed(entry, program, confirmation)
    return confirmation


__all__ = [
    "Measure",
    "attach_evidence",
    "check_pledge",
    "confirm_grant",
    "record_entry",
    "reverse_entry",
    "verify_entry",
]
