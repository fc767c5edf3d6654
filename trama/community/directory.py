"""The organisations practising shared administration, each with what it did on Trama.

A body practises it when it owns or took part in a procedure anyone may see, is a party to a
signed agreement, or has people in the community. Its counts are read as subqueries of the
one query that lists the page, so the directory costs the same whatever its length.
Proposals are not counted: until a call closes they are sealed, and even that a body
submitted one must not show.
"""

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from trama.agreements.models import Agreement
from trama.organizations.models import Organization
from trama.procedures.models import Procedure

from .models import Member


def _count(qs) -> Coalesce:
    counted = qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _procedures():
    took_part = Procedure.participants.through.objects.filter(
        procedure_id=OuterRef("pk"), organization_id=OuterRef(OuterRef("pk"))
    )
    return Procedure.objects.listed().filter(Q(owner_id=OuterRef("pk")) | Q(Exists(took_part)))


def _agreements():
    return Agreement.objects.filter(
        signed_at__isnull=False, parties__organization_id=OuterRef("pk")
    )


def practising_organizations(*, region=None, kind=""):
    in_community = Member.objects.active().filter(organizations=OuterRef("pk"))
    qs = (
        Organization.objects.annotate(
            procedure_count=_count(_procedures()),
            agreement_count=_count(_agreements()),
            in_community=Exists(in_community),
        )
        .filter(Q(procedure_count__gt=0) | Q(agreement_count__gt=0) | Q(in_community=True))
        .select_related("municipality__province__region")
        .order_by("name", "pk")
    )
    if region is not None:
        qs = qs.filter(municipality__province__region=region)
    if kind:
        qs = qs.filter(kind=kind)
    return qs
