"""An issued version's frozen content: what its PDF shows and every party signs.

`snapshot` reads the agreement as drafted into plain JSON (dates as ISO strings, amounts as
strings); `readable` turns it back into dates and Decimals for the templates (the PDF, the
reading copy and the page), so every rendering shows exactly the frozen content.
"""

import datetime
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import strip_tags

from trama.ledger.models import Unit
from trama.ledger.vocabulary import Category, Source

from .models import Agreement, Party, PlanLine, Tranche


def _d(value):
    return value.isoformat() if value else None


def _m(value):
    return None if value is None else str(value)


def line_key(contributor_id, source, category, year, funder_id) -> str:
    """What identifies a pledge across versions: contributor, source, category, year, funder."""
    return f"{contributor_id}|{source}|{category}|{year}|{funder_id or ''}"


def snapshot(agreement: Agreement, *, number: int, reason: str = "") -> dict:
    """Every field of the agreement as it stands now, as plain JSON."""
    procedure = agreement.procedure
    adoption = getattr(procedure, "adoption", None)
    parties = list(
        agreement.parties.filter(active=True).select_related("organization").order_by("pk")
    )
    role_order = {Party.Role.PUBLIC_BODY: 0, Party.Role.LEAD: 1, Party.Role.PARTNER: 2}
    parties.sort(key=lambda p: (role_order[p.role], p.pk))
    periods = list(agreement.periods.all())
    indicators = list(agreement.indicators.prefetch_related("targets"))
    lines = list(
        PlanLine.objects.filter(procedure=procedure)
        .select_related("contributor", "funder", "rate")
        .order_by("contributor__name", "year", "pk")
    )
    return {
        "number": number,
        "reason": reason,
        "procedure": {
            "id": procedure.pk,
            "title": procedure.title,
            "reference": procedure.reference,
            "owner": procedure.owner.name,
            "owner_tax_code": procedure.owner.tax_code,
            "program": procedure.program.title,
        },
        "adoption": {
            "act_number": adoption.act_number,
            "act_date": _d(adoption.act_date),
            "version": adoption.version.number,
        }
        if adoption
        else None,
        "object": agreement.object,
        "starts_on": _d(agreement.starts_on),
        "ends_on": _d(agreement.ends_on),
        "governance": agreement.governance,
        "obligations": agreement.obligations,
        "parties": [
            {
                "id": p.pk,
                "organization": p.organization_id,
                "name": p.organization.name,
                "tax_code": p.organization.tax_code,
                "role": p.role,
                "representative_name": p.representative_name,
                "representative_tax_code": p.representative_tax_code,
                "receives_public_money": p.receives_public_money,
                "legal_basis": p.legal_basis,
                "office": p.office,
                "official": p.official,
                "selection_method": p.selection_method,
            }
            for p in parties
        ],
        "steering": [
            {"name": m.name, "role": m.role, "organization": m.organization.name}
            for m in agreement.steering_members.select_related("organization")
        ],
        "clauses": [
            {"position": c.position, "title": c.title, "text": c.text}
            for c in agreement.clauses.all()
        ],
        "periods": [
            {
                "id": p.pk,
                "number": p.number,
                "starts_on": _d(p.starts_on),
                "ends_on": _d(p.ends_on),
                "due_on": _d(p.due_on),
                "is_final": p.is_final,
            }
            for p in periods
        ],
        "indicators": [
            {
                "name": i.name,
                "unit": i.unit,
                "baseline": _m(i.baseline),
                "targets": {
                    str(t.period_id): _m(t.value)
                    for t in sorted(i.targets.all(), key=lambda t: t.period_id)
                },
            }
            for i in indicators
        ],
        "tranches": [
            {
                "kind": t.kind,
                "payee": t.payee_id,
                "payee_name": t.payee.name,
                "amount": _m(t.amount),
                "after_period": t.after_period.number if t.after_period else None,
                "due_on": _d(t.due_on),
            }
            for t in agreement.tranches.select_related("payee", "after_period")
        ],
        "plan": [
            {
                "key": line_key(
                    line.contributor_id, line.source, line.category, line.year, line.funder_id
                ),
                "contributor": line.contributor_id,
                "contributor_name": line.contributor.name,
                "source": line.source,
                "category": line.category,
                "year": line.year,
                "amount": _m(line.amount),
                "funder": line.funder_id,
                "funder_name": line.funder.name if line.funder else "",
                "grant_reference": line.grant_reference,
                "quantity": _m(line.quantity),
                "unit": line.unit,
                "unit_value": _m(line.unit_value),
                "rate": line.rate_id,
                "valuation_note": line.valuation_note,
                "description": line.description,
            }
            for line in lines
        ],
    }


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def _dec(value):
    return None if value in (None, "") else Decimal(value)


def readable(content: dict) -> dict:
    """The content with dates, amounts and labels ready for a template."""
    roles = dict(Party.Role.choices)
    kinds = dict(Tranche.Kind.choices)
    sources, categories, units = dict(Source.choices), dict(Category.choices), dict(Unit.choices)
    periods = [
        {
            **p,
            "starts_on": _date(p["starts_on"]),
            "ends_on": _date(p["ends_on"]),
            "due_on": _date(p["due_on"]),
        }
        for p in content["periods"]
    ]
    plan = [
        {
            **line,
            "amount": _dec(line["amount"]),
            "quantity": _dec(line["quantity"]),
            "unit_value": _dec(line["unit_value"]),
            "source_label": sources.get(line["source"], line["source"]),
            "category_label": categories.get(line["category"], line["category"]),
            "unit_label": units.get(line["unit"], line["unit"]),
        }
        for line in content["plan"]
    ]
    public = sum((x["amount"] for x in plan if x["source"] == Source.PUBLIC_OWNER), Decimal(0))
    return {
        **content,
        "starts_on": _date(content["starts_on"]),
        "ends_on": _date(content["ends_on"]),
        "adoption": content["adoption"]
        and {**content["adoption"], "act_date": _date(content["adoption"]["act_date"])},
        "parties": [
            {**p, "role_label": roles.get(p["role"], p["role"])} for p in content["parties"]
        ],
        "periods": periods,
        "indicators": [
            {
                **i,
                "baseline": _dec(i["baseline"]),
                "targets": [(p, _dec(i["targets"].get(str(p["id"])))) for p in periods],
            }
            for i in content["indicators"]
        ],
        "tranches": [
            {
                **t,
                "kind_label": kinds.get(t["kind"], t["kind"]),
                "amount": _dec(t["amount"]),
                "due_on": _date(t["due_on"]),
            }
            for t in content["tranches"]
        ],
        "plan": plan,
        "public_total": public,
        "plan_total": sum((x["amount"] for x in plan), Decimal(0)),
    }


TEMPLATE = "agreements/pdf/agreement.html"
# The parts of the document, in order: the PDF shows them all, the reading copy one by one.
SECTIONS = (
    "parties",
    "object",
    "governance",
    "calendar",
    "indicators",
    "plan",
    "tranches",
    "clauses",
)


def render_pdf(content: dict, *, issued_at=None) -> bytes:
    """The version's PDF, rendered once when it is issued (WeasyPrint)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only PDFs need

    with translation.override("it"):
        html = render_to_string(
            TEMPLATE, {"c": readable(content), "issued_at": issued_at or timezone.now()}
        )
    return HTML(string=html).write_pdf()


def html_sections(content: dict) -> list[tuple[str, str]]:
    """(heading, HTML) of each part, for the reading copy (.docx)."""
    c = readable(content)
    with translation.override("it"):
        parts = []
        for name in SECTIONS:
            html = render_to_string(f"{TEMPLATE}#{name}", {"c": c})
            heading, _sep, body = html.partition("</h2>")
            parts.append((_strip_tags(heading), body.strip()))
    return parts


def _strip_tags(html: str) -> str:
    return strip_tags(html).strip()
