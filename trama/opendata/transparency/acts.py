"""A public body's published acts, newest first, from every procedure it runs.

The acts live in their own tables (the call on the procedure, clarifications, notices, the
adoption of the shared project, agreement versions, payments); one UNION of their public
rows, ordered and sliced in the database, gives a page of them, and one query per kind
present on the page fills in what each row shows. Nothing of a proposal is read: the
acts are the public body's, published once the call is (a draft call has none).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import CharField, F, Min, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from trama.agreements.models import AgreementVersion, Payment
from trama.procedures.models import Adoption, Clarification, Notice, Procedure


class Kind:
    CALL = "CALL"
    CLARIFICATION = "CLARIFICATION"
    EXTENSION = Notice.Kind.EXTENSION.value
    CANCELLATION = Notice.Kind.CANCELLATION.value
    PARTICIPANTS = Notice.Kind.PARTICIPANTS.value
    OUTCOME = Notice.Kind.OUTCOME.value
    ADOPTION = "ADOPTION"
    AGREEMENT = "AGREEMENT"
    AMENDMENT = "AMENDMENT"
    PAYMENT = "PAYMENT"

    LABELS = {
        CALL: _("Call published"),
        CLARIFICATION: _("Clarification published"),
        EXTENSION: _("Deadline extended"),
        CANCELLATION: _("Procedure cancelled"),
        PARTICIPANTS: _("List of admitted participants"),
        OUTCOME: _("Ranking published"),
        ADOPTION: _("Shared project adopted"),
        AGREEMENT: _("Agreement signed"),
        AMENDMENT: _("Amendment to the agreement"),
        PAYMENT: _("Payment of the public contribution"),
    }


@dataclass
class Act:
    kind: str
    procedure: Procedure
    published_at: datetime
    number: str  # protocol, act or payment order number, where recorded
    detail: str = ""
    amount: Decimal | None = None
    url: str = ""

    @property
    def label(self):
        return Kind.LABELS.get(self.kind, self.kind)


def _text(value):
    return Cast(value, CharField())


def _row(kind, procedure, at, number, ref="pk"):
    """The UNION's columns, all annotations so that every part lists them in this order."""
    return {
        "a_kind": _text(kind),
        "a_proc": F(procedure),
        "a_at": F(at),
        "a_number": _text(number),
        "a_ref": F(ref),
    }


def ordered_acts(body):
    """Every published act of the body's procedures, newest first, as one UNION of rows
    (kind, procedure id, publication time, number, the row's id) to slice in the database."""
    calls = (
        Procedure.objects.public()
        .filter(owner=body)
        .values(**_row(Value(Kind.CALL), "pk", "published_at", F("reference")))
    )
    clarifications = Clarification.objects.filter(
        procedure__owner=body,
        procedure__published_at__isnull=False,
        answered_at__isnull=False,
    ).values(**_row(Value(Kind.CLARIFICATION), "procedure_id", "answered_at", Value("")))
    notices = Notice.objects.filter(procedure__owner=body).values(
        **_row(F("kind"), "procedure_id", "published_at", F("protocol_number"))
    )
    adoptions = Adoption.objects.filter(procedure__owner=body).values(
        **_row(Value(Kind.ADOPTION), "procedure_id", "adopted_at", F("act_number"))
    )
    versions = AgreementVersion.objects.filter(
        agreement__procedure__owner=body, in_force_at__isnull=False
    ).values(**_row(Value(Kind.AGREEMENT), "agreement__procedure_id", "in_force_at", Value("")))
    payments = Payment.objects.filter(tranche__agreement__procedure__owner=body).values(
        **_row(
            Value(Kind.PAYMENT),
            "tranche__agreement__procedure_id",
            "recorded_at",
            F("order_number"),
        )
    )
    # Each part without its model's default ordering: SQLite allows no ORDER BY inside a
    # compound statement (PostgreSQL ignores it there anyway); the UNION is ordered once.
    parts = [q.order_by() for q in (calls, clarifications, notices, adoptions, versions, payments)]
    union = parts[0].union(*parts[1:], all=True)
    return union.order_by("-a_at", "-a_kind", "-a_ref")


def hydrate(rows) -> list[Act]:
    """The page's rows (tuples from the UNION) as Acts, with their procedure and details."""
    rows = [(r["a_kind"], r["a_proc"], r["a_at"], r["a_number"], r["a_ref"]) for r in rows]
    procedures = Procedure.objects.in_bulk({row[1] for row in rows})
    by_kind = {}
    for kind, _proc, _at, _number, ref in rows:
        by_kind.setdefault(kind, set()).add(ref)
    payments = (
        Payment.objects.select_related("tranche__payee").in_bulk(by_kind[Kind.PAYMENT])
        if Kind.PAYMENT in by_kind
        else {}
    )
    versions = {}
    first_in_force = {}
    if Kind.AGREEMENT in by_kind:
        versions = AgreementVersion.objects.in_bulk(by_kind[Kind.AGREEMENT])
        first_in_force = dict(
            AgreementVersion.objects.filter(
                agreement__in={v.agreement_id for v in versions.values()},
                in_force_at__isnull=False,
            )
            .values("agreement")
            .annotate(first=Min("number"))
            .values_list("agreement", "first")
        )
    acts = []
    for kind, proc, at, number, ref in rows:
        procedure = procedures[proc]
        act = Act(kind, procedure, at, number or "", url=procedure.get_absolute_url())
        if kind == Kind.PAYMENT:
            payment = payments[ref]
            act.amount = payment.amount
            act.detail = _("%(payee)s, paid on %(date)s") % {
                "payee": payment.tranche.payee.name,
                "date": date_format(payment.paid_on, "SHORT_DATE_FORMAT"),
            }
            act.url = reverse("agreements:public", args=[payment.tranche.agreement_id])
        elif kind == Kind.AGREEMENT:
            version = versions[ref]
            act.url = reverse("agreements:public", args=[version.agreement_id])
            if version.number != first_in_force.get(version.agreement_id):
                act.kind = Kind.AMENDMENT
                act.detail = version.reason
        acts.append(act)
    return acts
