"""One OCDS 1.1 release per published act of a procedure.

The acts, in order: the call (planning from its public budget, and the tender), a deadline
extension or a cancellation (public notices), the ranking (awards to the selected
proposals), the signed agreement (the contract, with every partner's pledged co-funding
by source in the budget-breakdown extension), each amendment in force, each payment
(implementation transactions), each accepted report (implementation milestones), and the
agreement's end.

A release holds what the act published, never anything sealed: proposals appear only once
the ranking is public (the rule of the ranking's API), and then only as the lead body's
award, never their content. Release ids are made of the ocid and the act's own key, so the
same act has the same id on every run.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, DecimalField, F, Prefetch, Sum, When
from django.urls import reverse
from django.utils import timezone

from trama.agreements.models import Agreement, Payment, Report, Tranche
from trama.ledger.models import Kind, LedgerEntry
from trama.ledger.vocabulary import Source
from trama.organizations.models import Organization
from trama.procedures.access import TABLE_STATES
from trama.procedures.models import Notice, Procedure, Proposal

CURRENCY = "EUR"
IDENTIFIER_SCHEME = "IT-CF"  # org-id.guide: Italian tax code (codice fiscale)

# What each kind of procedure is, said where OCDS expects the procurement method: art. 55
# shared administration is not procurement (D.Lgs. 36/2023 does not apply to it).
METHOD_DETAILS = {
    Procedure.Kind.CO_DESIGN: (
        "Co-progettazione ai sensi dell'art. 55, comma 3, del D.Lgs. 117/2017 (Codice del "
        "Terzo settore) e del DM 72/2021: procedimento di amministrazione condivisa con gli "
        "enti del Terzo settore, non un appalto pubblico."
    ),
    Procedure.Kind.CO_PROGRAMMING: (
        "Co-programmazione ai sensi dell'art. 55, comma 2, del D.Lgs. 117/2017 (Codice del "
        "Terzo settore) e del DM 72/2021: procedimento di amministrazione condivisa con gli "
        "enti del Terzo settore, non un appalto pubblico."
    ),
    Procedure.Kind.ACCREDITATION: (
        "Accreditamento ai sensi dell'art. 55, comma 4, del D.Lgs. 117/2017: procedimento di "
        "amministrazione condivisa, non un appalto pubblico."
    ),
    Procedure.Kind.DUAL_PURPOSE_TENDER: (
        "Gara a doppio oggetto per la scelta dei soci privati di un partenariato "
        "istituzionale (art. 17 D.Lgs. 175/2016)."
    ),
}

# Italian labels of the ledger's sources, fixed here so that a release reads the same
# whatever the language of the request that asked for it.
SOURCE_LABELS = {
    Source.PUBLIC_OWNER: "Risorse dell'ente procedente",
    Source.OTHER_PUBLIC: "Altre risorse pubbliche",
    Source.FOUNDATION_GRANT: "Contributo di fondazione",
    Source.OWN_RESOURCES: "Risorse proprie",
    Source.PRIVATE_DONATIONS: "Donazioni private",
}

# Procedure states from which the ranking is public (trama.api.procedures.get_ranking).
RANKING_PUBLIC = frozenset({Procedure.State.RANKED, *TABLE_STATES})
ENDED = frozenset({Procedure.State.COMPLETED, Procedure.State.TERMINATED})


def ocid_prefix() -> str:
    return settings.OCDS_OCID_PREFIX


def ocid(procedure) -> str:
    return f"{ocid_prefix()}-{procedure.pk}"


def for_releases(procedures):
    """`procedures` with what their releases read, in a fixed number of queries."""
    return procedures.select_related("owner__municipality", "program").prefetch_related(
        "budget",
        "criteria",
        Prefetch(
            "notices",
            queryset=Notice.objects.filter(
                kind__in=[Notice.Kind.EXTENSION, Notice.Kind.CANCELLATION]
            ).order_by("published_at", "pk"),
        ),
        Prefetch(
            "proposals",
            queryset=Proposal.objects.filter(rank__isnull=False)
            .select_related("lead__municipality")
            .order_by("rank", "pk"),
            to_attr="ranked",
        ),
        Prefetch(
            "agreement",
            queryset=Agreement.objects.prefetch_related(
                "parties__organization__municipality",
                Prefetch(
                    "tranches",
                    queryset=Tranche.objects.select_related(
                        "payee__municipality", "payment"
                    ).order_by("pk"),
                ),
                "versions",
                Prefetch(
                    "reports",
                    queryset=Report.objects.filter(state=Report.State.ACCEPTED).select_related(
                        "period"
                    ),
                    to_attr="accepted_reports",
                ),
            ),
        ),
    )


def pledges_by_procedure(procedure_ids) -> dict:
    """{procedure id: [(contributor id, source, net pledged amount)]} from the ledger.

    Net of reversals (a reversal counts negatively, as in the ledger's figures); a line
    whose pledges were all reversed is left out.
    """
    signed = Case(
        When(reverses__isnull=True, then=F("amount")),
        default=-F("amount"),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )
    rows = (
        LedgerEntry.objects.filter(procedure_id__in=list(procedure_ids), kind=Kind.PLEDGE)
        .values("procedure_id", "contributor_id", "source")
        .annotate(net=Sum(signed))
        .order_by("procedure_id", "contributor_id", "source")
    )
    found = defaultdict(list)
    for row in rows:
        if row["net"] and row["net"] > 0:
            found[row["procedure_id"]].append((row["contributor_id"], row["source"], row["net"]))
    return found


def funders_by_procedure(procedure_ids) -> dict:
    """{procedure id: {funder id: the funder of a foundation grant pledged to it}}."""
    entries = (
        LedgerEntry.objects.filter(
            procedure_id__in=list(procedure_ids),
            kind=Kind.PLEDGE,
            source=Source.FOUNDATION_GRANT,
            reverses__isnull=True,
        )
        .select_related("funder__municipality")
        .order_by("pk")
    )
    found = defaultdict(dict)
    for entry in entries:
        found[entry.procedure_id][entry.funder_id] = entry.funder
    return found


def contributors(procedure_ids) -> dict:
    """The organisations that pledged to these procedures, by id."""
    pledged = LedgerEntry.objects.filter(procedure_id__in=list(procedure_ids), kind=Kind.PLEDGE)
    return Organization.objects.select_related("municipality").in_bulk(
        pledged.values_list("contributor_id", flat=True).distinct()
    )


# --- helpers --------------------------------------------------------------------------


def moment(value) -> datetime.datetime:
    """An aware date-time in Rome; a date is its start."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time())
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return timezone.localtime(value).replace(microsecond=0)


def when(value) -> str | None:
    """A date-time as OCDS writes it (RFC 3339, with its offset)."""
    return None if value is None else moment(value).isoformat()


def money(amount: Decimal) -> dict:
    return {"amount": Decimal(amount).quantize(Decimal("0.01")), "currency": CURRENCY}


def party_id(org) -> str:
    if org.tax_code:
        return f"{IDENTIFIER_SCHEME}-{org.tax_code}"
    # A social district (ambito) may have no tax code: named by its short name on Trama.
    return f"TRAMA-{org.slug}"


def reference(org) -> dict:
    return {"id": party_id(org), "name": org.name}


class Parties:
    """The organisations a procedure's releases name, with the roles gathered so far.

    Each release lists its parties with every role they have had up to that act, so that a
    compiled record (where a later release's list replaces an earlier one) keeps them all.
    """

    def __init__(self):
        self.orgs = {}
        self.roles = defaultdict(set)

    def add(self, org, *roles) -> dict:
        key = party_id(org)
        self.orgs[key] = org
        self.roles[key].update(roles)
        return reference(org)

    def listed(self, orgs) -> list[dict]:
        keys = sorted({party_id(org) for org in orgs})
        return [self._party(key) for key in keys]

    def _party(self, key) -> dict:
        org = self.orgs[key]
        party = {"id": key, "name": org.name, "roles": sorted(self.roles[key])}
        if org.tax_code:
            party["identifier"] = {
                "scheme": IDENTIFIER_SCHEME,
                "id": org.tax_code,
                "legalName": org.name,
            }
        if org.municipality_id:
            party["address"] = {"locality": org.municipality.name, "countryName": "Italia"}
        return party


def _url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# --- the releases of one procedure ------------------------------------------------------


def procedure_releases(procedure, *, pledges=(), orgs=None, funders=None) -> list[dict]:
    """Every release of a procedure, oldest first (see the module for the acts)."""
    builder = _Builder(procedure, pledges=pledges, orgs=orgs or {}, funders=funders or {})
    return builder.build()


class _Builder:
    def __init__(self, procedure, *, pledges, orgs, funders):
        self.procedure = procedure
        self.ocid = ocid(procedure)
        self.pledges = pledges
        self.orgs = orgs
        self.funders = funders
        self.parties = Parties()
        self.buyer = self.parties.add(procedure.owner, "buyer", "procuringEntity")
        try:
            self.agreement = procedure.agreement
        except Agreement.DoesNotExist:
            self.agreement = None

    def build(self) -> list[dict]:
        acts = []  # (date, order, release-making function)
        p = self.procedure
        started = p.published_at or (p.opened_on if p.is_historical else None)
        if started is None:
            return []  # a draft: nothing is public
        acts.append((moment(started), 0, self._call))
        for notice in p.notices.all():
            acts.append((moment(notice.published_at), 1, lambda n=notice: self._notice(n)))
        if p.state in RANKING_PUBLIC and p.ranked and p.ranked_at:
            acts.append((moment(p.ranked_at), 2, self._awards))
        agreement = self.agreement
        if agreement is not None and agreement.signed_at:
            acts.append((moment(agreement.signed_at), 3, self._contract))
            for version in sorted(agreement.versions.all(), key=lambda v: v.number):
                if version.number > 1 and version.in_force_at:
                    acts.append(
                        (moment(version.in_force_at), 4, lambda v=version: self._amendment(v))
                    )
            for tranche in agreement.tranches.all():
                payment = _payment(tranche)
                if payment is not None:
                    acts.append(
                        (moment(payment.recorded_at), 5, lambda t=tranche: self._payment(t))
                    )
            for report in agreement.accepted_reports:
                if report.decided_at:
                    acts.append((moment(report.decided_at), 6, lambda r=report: self._report(r)))
            if agreement.completed_at and p.state in ENDED:
                acts.append((moment(agreement.completed_at), 7, self._end))
        if (
            p.kind == Procedure.Kind.CO_PROGRAMMING
            and p.state == Procedure.State.CONCLUDED
            and not p.is_historical
            and p.closed_on
        ):
            acts.append((moment(p.closed_on), 8, self._concluded))
        # Stable order: by date, then by the act's place in the procedure, then as listed.
        ordered = sorted(enumerate(acts), key=lambda item: (item[1][0], item[1][1], item[0]))
        return [make() for _i, (_date, _order, make) in ordered]

    # Each act ---------------------------------------------------------------------------

    def _release(self, key: str, date, tags: list[str], orgs, **sections) -> dict:
        release = {
            "ocid": self.ocid,
            "id": f"{self.ocid}-{key}",
            "date": when(date),
            "tag": tags,
            "initiationType": "tender",
            "language": "it",
            "parties": self.parties.listed([self.procedure.owner, *orgs]),
            "buyer": self.buyer,
        }
        release.update(sections)
        return release

    def _tender(self, **extra) -> dict:
        p = self.procedure
        tender = {"id": str(p.pk), "title": p.title}
        tender.update(extra)
        return tender

    def _call(self) -> dict:
        p = self.procedure
        budget = list(p.budget.all())
        if budget:
            self.parties.add(p.owner, "funder")
        planning = {
            "rationale": p.objectives or p.program.description or p.program.title,
            "budget": {
                "id": f"procedure-{p.pk}",
                "description": f"Risorse pubbliche messe a disposizione: {p.program.title}",
                "project": p.program.title,
                "projectID": p.program.slug,
                "uri": _url(p.program.get_absolute_url()),
            },
        }
        if budget:
            # The call's public budget as one amount: the years are in the call's page, and
            # the breakdown by source belongs to the agreement's release, which the compiled
            # record keeps (a per-year breakdown here would be merged into that one).
            planning["budget"]["amount"] = money(sum((b.amount for b in budget), Decimal(0)))
        tender = self._tender(
            description=p.description or p.title,
            # A procedure recorded from history is published once it has ended: its call
            # says so, not that the tender is still running.
            status="complete" if p.is_historical else "active",
            procuringEntity=self.buyer,
            procurementMethod="open",
            procurementMethodDetails=METHOD_DETAILS[p.kind],
            procurementMethodRationale="Art. 55 D.Lgs. 117/2017",
            documents=[
                {
                    "id": "call",
                    "documentType": "tenderNotice",
                    "title": p.title,
                    "url": _url(p.get_absolute_url()),
                    "language": "it",
                }
            ],
        )
        if budget:
            tender["value"] = planning["budget"]["amount"]
        if p.requirements:
            tender["eligibilityCriteria"] = p.requirements
        criteria = list(p.criteria.all())
        if criteria:
            tender["awardCriteria"] = "qualityOnly"
            tender["awardCriteriaDetails"] = "; ".join(
                f"{c.title} (max {c.max_points} punti)" for c in criteria
            )
        if p.published_at and p.deadline:
            tender["tenderPeriod"] = {
                "startDate": when(p.published_at),
                "endDate": when(p.deadline),
            }
        if p.published_at and p.clarification_deadline:
            tender["enquiryPeriod"] = {
                "startDate": when(p.published_at),
                "endDate": when(p.clarification_deadline),
            }
        return self._release("call", p.published_at or p.opened_on, ["planning", "tender"], [],
                             planning=planning, tender=tender)  # fmt: skip

    def _notice(self, notice) -> dict:
        p = self.procedure
        if notice.kind == Notice.Kind.CANCELLATION:
            tender = self._tender(status="cancelled", description=notice.text)
            tags = ["tenderCancellation"]
        else:
            tender = self._tender(status="active", description=notice.text)
            if p.published_at and p.deadline:
                tender["tenderPeriod"] = {
                    "startDate": when(p.published_at),
                    "endDate": when(p.deadline),
                }
            tags = ["tenderUpdate"]
        return self._release(f"notice-{notice.pk}", notice.published_at, tags, [], tender=tender)

    def _award_id(self, proposal) -> str:
        return f"proposal-{proposal.pk}"

    def _awards(self) -> dict:
        p = self.procedure
        ranked = p.ranked
        tenderers = [self.parties.add(x.lead, "tenderer") for x in ranked]
        awards = []
        for proposal in ranked:
            if proposal.state != Proposal.State.SELECTED:
                continue
            awards.append(
                {
                    "id": self._award_id(proposal),
                    "title": f"Proposta n. {proposal.pk} (posizione {proposal.rank})",
                    "status": "active",
                    "date": when(p.ranked_at),
                    "suppliers": [self.parties.add(proposal.lead, "supplier")],
                }
            )
        tender = self._tender(
            status="complete",
            tenderers=list({t["id"]: t for t in tenderers}.values()),
            numberOfTenderers=len({t["id"] for t in tenderers}),
        )
        orgs = [x.lead for x in ranked]
        return self._release("ranking", p.ranked_at, ["award"], orgs, tender=tender, awards=awards)

    def _selected(self):
        return [x for x in self.procedure.ranked if x.state == Proposal.State.SELECTED]

    def _contract_base(self, status: str) -> tuple[dict, list]:
        agreement = self.agreement
        p = self.procedure
        selected = self._selected() if p.state in RANKING_PUBLIC else []
        parties = list(agreement.parties.all())
        for party in parties:
            if party.organization_id == p.owner_id:
                continue
            self.parties.add(party.organization, "supplier")
        contract = {
            "id": f"agreement-{agreement.pk}",
            "awardID": self._award_id(selected[0]) if selected else f"agreement-{agreement.pk}",
            "title": p.title,
            "description": agreement.object,
            "status": status,
            "period": {"startDate": when(agreement.starts_on), "endDate": when(agreement.ends_on)},
            "dateSigned": when(agreement.signed_at),
            "documents": [
                {
                    "id": "agreement",
                    "documentType": "contractSigned",
                    "title": p.title,
                    "url": _url(reverse("agreements:public", args=[agreement.pk])),
                    "language": "it",
                }
            ],
        }
        public = sum((t.amount for t in agreement.tranches.all()), Decimal(0))
        if public:
            contract["value"] = money(public)
        orgs = [party.organization for party in parties]
        return contract, orgs, selected

    def _budget(self) -> dict | None:
        """The pledged resources of the agreement, each partner's by source (the ledger's)."""
        lines = []
        total = Decimal(0)
        for contributor_id, source, amount in self.pledges:
            org = self.orgs[contributor_id]
            role = "funder" if source in (Source.PUBLIC_OWNER, Source.OTHER_PUBLIC) else None
            self.parties.add(org, "sourceParty", *([role] if role else []))
            total += amount
            lines.append(
                {
                    "id": f"{party_id(org)}-{source}",
                    "description": f"{SOURCE_LABELS[source]} ({source}): {org.name}",
                    "amount": money(amount),
                    "sourceParty": reference(org),
                }
            )
        if not lines:
            return None
        for funder in self.funders.values():
            if funder is not None:
                self.parties.add(funder, "funder")
        return {
            "id": f"procedure-{self.procedure.pk}",
            "description": "Risorse impegnate nella convenzione da ciascuna parte, per fonte "
            "(impegni del registro delle risorse, al netto delle rettifiche)",
            "amount": money(total),
            "budgetBreakdown": lines,
        }

    def _pledging_orgs(self) -> list:
        orgs = [self.orgs[c] for c, _s, _a in self.pledges]
        orgs += [f for f in self.funders.values() if f is not None]
        return orgs

    def _contract(self) -> dict:
        contract, orgs, selected = self._contract_base("active")
        sections = {"contracts": [contract]}
        if not selected:
            # Recorded from history, or no ranking on Trama: the agreement is its own award.
            sections["awards"] = [
                {
                    "id": contract["awardID"],
                    "title": self.procedure.title,
                    "status": "active",
                    "date": contract["dateSigned"],
                    "suppliers": [reference(o) for o in orgs if o.pk != self.procedure.owner_id],
                }
            ]
        budget = self._budget()
        if budget is not None:
            sections["planning"] = {"budget": budget}
            orgs += self._pledging_orgs()
        return self._release("agreement", self.agreement.signed_at, ["contract"], orgs, **sections)

    def _amendment(self, version) -> dict:
        contract, orgs, _selected = self._contract_base("active")
        amendment = {"id": f"version-{version.number}", "date": when(version.in_force_at)}
        if version.reason:
            amendment["rationale"] = version.reason
        contract["amendments"] = [amendment]
        sections = {"contracts": [contract]}
        budget = self._budget()
        if budget is not None:
            sections["planning"] = {"budget": budget}
            orgs += self._pledging_orgs()
        return self._release(
            f"amendment-{version.number}",
            version.in_force_at,
            ["contractAmendment"],
            orgs,
            **sections,
        )

    def _payment(self, tranche) -> dict:
        payment = _payment(tranche)
        payer = self.parties.add(self.procedure.owner, "payer")
        payee = self.parties.add(tranche.payee, "payee")
        contract = {
            "id": f"agreement-{self.agreement.pk}",
            "awardID": self._contract_award_id(),
            "implementation": {
                "transactions": [
                    {
                        "id": f"payment-{payment.pk}",
                        "date": when(payment.paid_on),
                        "value": money(payment.amount),
                        "payer": payer,
                        "payee": payee,
                    }
                ]
            },
        }
        return self._release(
            f"payment-{payment.pk}",
            payment.recorded_at,
            ["implementation"],
            [tranche.payee],
            contracts=[contract],
        )

    def _contract_award_id(self) -> str:
        selected = self._selected() if self.procedure.state in RANKING_PUBLIC else []
        if selected:
            return self._award_id(selected[0])
        return f"agreement-{self.agreement.pk}"

    def _report(self, report) -> dict:
        period = report.period
        milestone = {
            "id": f"report-{period.number}",
            "title": f"Rendicontazione {period.number} ({period.starts_on:%d/%m/%Y} – "
            f"{period.ends_on:%d/%m/%Y})",
            "type": "reporting",
            "dueDate": when(period.due_on),
            "status": "met",
        }
        if report.submitted_at:
            milestone["dateMet"] = when(report.submitted_at)
        if report.public_summary:
            milestone["description"] = report.public_summary
        contract = {
            "id": f"agreement-{self.agreement.pk}",
            "awardID": self._contract_award_id(),
            "implementation": {"milestones": [milestone]},
        }
        return self._release(
            f"report-{period.number}", report.decided_at, ["implementation"], [],
            contracts=[contract],
        )  # fmt: skip

    def _concluded(self) -> dict:
        """A co-programming ends with its final document, not with a contract: the tender
        is complete (the co-design it may start is a procedure, and an ocid, of its own)."""
        p = self.procedure
        tender = self._tender(
            status="complete",
            description=(p.final_document or p.title)[:4000],
            documents=[
                {
                    "id": "final-document",
                    "documentType": "completionCertificate",
                    "title": f"Documento finale: {p.title}",
                    "url": _url(p.get_absolute_url()),
                    "language": "it",
                }
            ],
        )
        return self._release("concluded", p.closed_on, ["tenderUpdate"], [], tender=tender)

    def _end(self) -> dict:
        contract = {
            "id": f"agreement-{self.agreement.pk}",
            "awardID": self._contract_award_id(),
            "status": "terminated",
        }
        return self._release(
            "end", self.agreement.completed_at, ["contractTermination"], [], contracts=[contract]
        )


def _payment(tranche) -> Payment | None:
    try:
        return tranche.payment
    except Payment.DoesNotExist:
        return None
