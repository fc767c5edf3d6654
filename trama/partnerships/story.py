"""The territories' stories, kept on write: every program, call, dual-purpose tender,
signed agreement and partnership as a `StoryStep`, placed in its program, public body
(owner), province and region.

A region has thousands of steps: its timeline reads one page of them, their number and
its first and last days by index, never the programs, calls, agreements and partnerships
themselves. Each write that can change a step (a program, a procedure, an agreement, a
partnership saved or deleted; a call's participants) recomputes the steps of its program
(`refresh`, connected in `apps.py`), from the same query that `rebuild` runs for all of
them. A call's step also counts its Third-Sector bodies (participants and parties to its
signed agreement).
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import BigIntegerField, Case, CharField, DateField, F, Func, Q, Value, When
from django.db.models.functions import Cast, Coalesce, TruncDate

from trama.agreements.models import Agreement, Party
from trama.organizations.models import Organization
from trama.procedures.models import Procedure
from trama.programs.models import Program

from .models import Partnership, StoryStep

# Steps on the same day: the program, its partnership, the call, a tender, the agreement,
# then the institution.
RANK = {"program": 0, "partnership": 1, "call": 2, "tender": 3, "agreement": 4, "institution": 5}


class YearStart(Func):
    """The first of January of a year (an integer column)."""

    output_field = DateField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="make_date(%(expressions)s, 1, 1)")

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="date(printf('%%%%04d-01-01', %(expressions)s))"
        )


def _text(value) -> Value:
    return Value(value, output_field=CharField())


def counted_calls():
    """The procedures that are steps of a story: recorded from history or published, not
    cancelled (a dual-purpose tender is a step of its own kind)."""
    return Procedure.objects.listed().exclude(state=Procedure.State.CANCELLED)


def _sources(program_ids, partnership_ids=()):
    """The steps of these programs (and of these partnerships), from the sources, as one
    query of plain values."""
    program_ids, partnership_ids = list(program_ids), list(partnership_ids)
    nothing = Cast(Value(None), output_field=BigIntegerField())

    def values(qs, **columns):
        # Every arm names the same columns, in the same order.
        return qs.order_by().values(**columns)

    programs = values(
        Program.objects.filter(pk__in=program_ids),
        s_program=F("pk"),
        s_partnership=nothing,
        s_procedure=nothing,
        s_owner=F("owner_id"),
        s_day=YearStart("start_year"),
        s_kind=_text("program"),
        s_title=F("title"),
        s_ref=F("slug"),
        s_program_slug=F("slug"),
        s_origin=_text(""),
        s_sub=_text(""),
    )
    tender = Q(kind=Procedure.Kind.DUAL_PURPOSE_TENDER)
    procedures = values(
        counted_calls().filter(program_id__in=program_ids),
        s_program=F("program_id"),
        s_partnership=nothing,
        s_procedure=F("pk"),
        s_owner=F("program__owner_id"),
        s_day=Coalesce("opened_on", TruncDate("published_at")),
        s_kind=Case(When(tender, then=_text("tender")), default=_text("call")),
        s_title=F("title"),
        s_ref=Cast("pk", CharField()),
        s_program_slug=F("program__slug"),
        s_origin=F("origin"),
        s_sub=F("kind"),
    )
    agreements = values(
        Agreement.objects.filter(procedure__program_id__in=program_ids, signed_at__isnull=False),
        s_program=F("procedure__program_id"),
        s_partnership=nothing,
        s_procedure=F("procedure_id"),
        s_owner=F("procedure__program__owner_id"),
        s_day=TruncDate("signed_at"),
        s_kind=_text("agreement"),
        s_title=F("procedure__title"),
        s_ref=Cast("procedure_id", CharField()),
        s_program_slug=F("procedure__program__slug"),
        s_origin=F("procedure__origin"),
        s_sub=_text(""),
    )
    institutional = Q(kind=Partnership.Kind.INSTITUTIONAL)
    partnerships = values(
        Partnership.objects.filter(
            Q(program_id__in=program_ids)
            | Q(grew_from__program_id__in=program_ids)
            | Q(pk__in=partnership_ids)
        ),
        s_program=Coalesce("program_id", "grew_from__program_id"),
        s_partnership=F("pk"),
        s_procedure=nothing,
        s_owner=F("owner_id"),
        s_day=F("formed_on"),
        s_kind=Case(When(institutional, then=_text("institution")), default=_text("partnership")),
        s_title=F("name"),
        s_ref=F("slug"),
        s_program_slug=_text(""),
        s_origin=_text(""),
        s_sub=Case(When(grew_from__isnull=False, then=_text("grew")), default=_text("")),
    )
    return programs.union(procedures, agreements, partnerships, all=True).order_by()


def _taking_part(procedure_ids) -> dict[int, int]:
    """Each call's Third-Sector bodies: its participants and the parties to its signed
    agreement, each counted once."""
    bodies = defaultdict(set)
    third_sector = Organization.Kind.THIRD_SECTOR
    for call, org in Procedure.participants.through.objects.filter(
        procedure_id__in=procedure_ids, organization__kind=third_sector
    ).values_list("procedure_id", "organization_id"):
        bodies[call].add(org)
    for call, org in Party.objects.filter(
        agreement__procedure_id__in=procedure_ids,
        agreement__signed_at__isnull=False,
        organization__kind=third_sector,
    ).values_list("agreement__procedure_id", "organization_id"):
        bodies[call].add(org)
    return {call: len(orgs) for call, orgs in bodies.items()}


def _steps(rows) -> list[StoryStep]:
    # A procedure recorded from history without an opening day has no place in the
    # story's order: it is not a step (its program's page still lists it).
    rows = [row for row in rows if row["s_day"] is not None]
    places = dict(
        (pk, (province, region))
        for pk, province, region in Organization.objects.filter(
            pk__in={int(row["s_owner"]) for row in rows}
        ).values_list("pk", "municipality__province_id", "municipality__province__region_id")
    )
    calls = [int(row["s_procedure"]) for row in rows if row["s_kind"] == "call"]
    taking_part = _taking_part(calls) if calls else {}
    steps = []
    for row in rows:
        owner = int(row["s_owner"])
        procedure = int(row["s_procedure"]) if row["s_procedure"] is not None else None
        steps.append(
            StoryStep(
                program_id=row["s_program"],
                partnership_id=row["s_partnership"],
                procedure_id=procedure,
                owner_id=owner,
                province_id=places.get(owner, (None, None))[0],
                region_id=places.get(owner, (None, None))[1],
                day=row["s_day"],
                rank=RANK[row["s_kind"]],
                kind=row["s_kind"],
                title=row["s_title"][:300],
                ref=row["s_ref"],
                program_slug=row["s_program_slug"] or "",
                historical=row["s_origin"] == Procedure.Origin.HISTORICAL,
                sub=row["s_sub"] or "",
                taking_part=taking_part.get(procedure, 0) if row["s_kind"] == "call" else None,
            )
        )
    return steps


def refresh(program_ids=(), partnership_ids=()) -> None:
    """Recompute the steps of these programs (with their calls, agreements and
    partnerships) and of these partnerships."""
    program_ids = {pk for pk in program_ids if pk is not None}
    partnership_ids = {pk for pk in partnership_ids if pk is not None}
    if not program_ids and not partnership_ids:
        return
    with transaction.atomic():
        StoryStep.objects.filter(
            Q(program_id__in=program_ids) | Q(partnership_id__in=partnership_ids)
        ).delete()
        StoryStep.objects.bulk_create(
            _steps(_sources(program_ids, partnership_ids)), batch_size=2000
        )


def rebuild() -> None:
    """Every step again, from the sources (a chunk of programs at a time)."""
    with transaction.atomic():
        StoryStep.objects.all().delete()
        program_ids = list(Program.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(program_ids), 2000):
            StoryStep.objects.bulk_create(
                _steps(_sources(program_ids[start : start + 2000])), batch_size=2000
            )
        # The institutions that grew from no program, placed by their public body.
        alone = Partnership.objects.filter(program__isnull=True, grew_from__isnull=True)
        StoryStep.objects.bulk_create(
            _steps(_sources([], alone.values_list("pk", flat=True))), batch_size=2000
        )


FIELDS = (
    "program_id",
    "partnership_id",
    "procedure_id",
    "owner_id",
    "province_id",
    "region_id",
    "day",
    "rank",
    "kind",
    "title",
    "ref",
    "program_slug",
    "historical",
    "sub",
    "taking_part",
)


def kept_rows() -> list[tuple]:
    return sorted(StoryStep.objects.values_list(*FIELDS), key=repr)


# --- what changes a story -------------------------------------------------------------


def on_program_saved(sender, instance, **kwargs) -> None:
    refresh([instance.pk])


def on_procedure_saved(sender, instance, **kwargs) -> None:
    refresh([instance.program_id])


def on_agreement_saved(sender, instance, **kwargs) -> None:
    if instance.signed_at is not None:
        refresh(
            Procedure.objects.filter(pk=instance.procedure_id).values_list("program_id", flat=True)
        )


def on_partnership_saved(sender, instance, **kwargs) -> None:
    refresh(partnership_ids=[instance.pk])
