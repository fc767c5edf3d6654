from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from trama.ledger.models import CENT

from .bounds import LONG_TEXT, Amount, Id, InputSchema, Quantity, Slug, Text, UnitValue, Year


def money(value: Decimal) -> str:
    """Euro as a string with two decimals, never in exponent notation."""
    return format(Decimal(value).quantize(CENT), "f")


class RegionOut(Schema):
    istat_code: str
    name: str


class ProvinceOut(Schema):
    istat_code: str
    name: str
    abbreviation: str
    region: RegionOut


class MunicipalityOut(Schema):
    istat_code: str
    name: str
    cadastral_code: str
    province: ProvinceOut


class OrganizationOut(Schema):
    slug: str
    name: str
    kind: str
    public_body_type: str
    legal_form: str
    tax_code: str | None
    ipa_code: str | None
    vat_number: str
    runts_number: str
    runts_section: str
    pec: str
    website: str
    legal_representative: str
    address: str
    municipality: MunicipalityOut
    verified: bool
    verified_at: datetime | None
    url: str

    @staticmethod
    def resolve_verified(obj):
        return obj.verified_at is not None

    @staticmethod
    def resolve_url(obj):
        return obj.get_absolute_url()


class OrganizationIn(InputSchema):
    # The lengths of the columns (trama.organizations.models.Organization).
    name: Text(200)
    kind: Text(16)
    public_body_type: Text(16) = ""
    legal_form: Text(24)
    tax_code: Text(16) | None = None
    ipa_code: Text(11) | None = None
    vat_number: Text(11) = ""
    runts_number: Text(30) = ""
    runts_section: Text(8) = ""
    pec: Text(254) = ""
    email: Text(254) = ""
    website: Text(200) = ""
    legal_representative: Text(150) = ""
    address: Text(200) = ""
    municipality: Text(100, description="“Lecco (LC)” or an ISTAT code, e.g. “097042”.")
    lead_municipality: Text(100) | None = None
    description: Text(LONG_TEXT) = ""


class MemberOut(Schema):
    id: int = Field(description="The membership's id, for changing its role or removing it.")
    name: str
    email: str
    role: str
    since: datetime


class MembershipOut(Schema):
    organization: str
    name: str
    role: str


class MeOut(Schema):
    email: str
    name: str
    token_scope: str
    memberships: list[MembershipOut]


# The resource ledger. Money is a string with two decimals ("1250.00"), never a float.


class OrganizationRef(Schema):
    slug: str
    name: str


class ProgramOut(Schema):
    slug: str
    title: str
    area: str
    start_year: int
    end_year: int
    description: str
    owner: OrganizationRef
    province: ProvinceOut
    url: str

    @staticmethod
    def resolve_province(obj):
        return obj.owner.municipality.province

    @staticmethod
    def resolve_url(obj):
        return obj.get_absolute_url()


class ProcedureOut(Schema):
    id: int
    title: str
    kind: str
    origin: str
    state: str
    reference: str
    opened_on: date | None
    closed_on: date | None


class ProgramDetailOut(ProgramOut):
    procedures: list[ProcedureOut]

    @staticmethod
    def resolve_procedures(obj):
        return obj.procedures.order_by("opened_on", "pk")


class ValuationOut(Schema):
    """An in-kind resource: quantity × unit value, with the reference rate frozen in the entry."""

    quantity: str
    unit: str
    unit_value: str
    rate: str | None
    rate_id: int | None
    note: str


# Where an entry counts in the figures (trama.ledger.measure), in lower case.
EntryMeasure = Literal["pledged", "pending", "accepted", "rejected", "disputed"]


class EntryOut(Schema):
    id: int
    program: str
    procedure: int | None
    kind: str
    category: str
    source: str
    contributor: OrganizationRef
    funder: OrganizationRef | None
    grant_reference: str
    year: int
    amount: str
    signed_amount: str
    valuation: ValuationOut | None
    description: str
    measure: EntryMeasure = Field(
        description=(
            "Where the entry counts in the figures: `pledged`, or for an actual `pending`, "
            "`accepted`, `rejected` or `disputed`. A reversal counts where the entry it "
            "cancels counts."
        )
    )
    state: EntryMeasure = Field(
        description="The same as `measure`, under its former name.", deprecated=True
    )
    verification: str | None
    confirmation: str | None
    reverses: int | None
    reversed_by: int | None
    reason: str
    recorded_at: datetime

    # Entries come annotated by trama.api.ledger.entries(): the measure and the latest events
    # (those of the cancelled entry, for a reversal), and the id of the entry that reverses
    # this one.
    @staticmethod
    def resolve_program(obj):
        return obj.program.slug

    @staticmethod
    def resolve_procedure(obj):
        return obj.procedure_id

    @staticmethod
    def resolve_amount(obj):
        return money(obj.amount)

    @staticmethod
    def resolve_signed_amount(obj):
        return money(obj.signed_amount)

    @staticmethod
    def resolve_valuation(obj):
        if not obj.is_in_kind:
            return None
        return {
            "quantity": money(obj.quantity),
            "unit": obj.unit,
            "unit_value": money(obj.unit_value),
            "rate": obj.rate.name if obj.rate_id else None,
            "rate_id": obj.rate_id,
            "note": obj.valuation_note,
        }

    @staticmethod
    def resolve_measure(obj):
        return obj.measure.lower()

    @staticmethod
    def resolve_state(obj):
        return obj.measure.lower()

    @staticmethod
    def resolve_verification(obj):
        return obj.verification_status

    @staticmethod
    def resolve_confirmation(obj):
        return obj.confirmation_status

    @staticmethod
    def resolve_reverses(obj):
        return obj.reverses_id

    @staticmethod
    def resolve_reversed_by(obj):
        return obj.reversed_by_id


class EntryIn(InputSchema):
    kind: Text(8, description="PLEDGE or ACTUAL.")
    category: Text(16, description="ECONOMIC, PROJECT, ORGANISATIONAL or PROFESSIONAL.")
    source: Text(
        20,
        description=(
            "PUBLIC_OWNER, OTHER_PUBLIC, FOUNDATION_GRANT, OWN_RESOURCES or PRIVATE_DONATIONS."
        ),
    )
    contributor: Slug = Field(description="Slug of the organisation that brings the resource.")
    year: Year
    amount: Amount | None = Field(
        None, description="For an in-kind resource it may be left out (quantity × unit value)."
    )
    quantity: Quantity | None = None
    unit: Text(10, description="HOUR, DAY, SQM_MONTH or ITEM, for in-kind resources.") = ""
    unit_value: UnitValue | None = None
    rate: Id | None = Field(None, description="Id of a reference rate, instead of unit_value.")
    procedure: Id | None = Field(None, description="Id of one of the program's procedures.")
    funder: Slug | None = Field(None, description="Slug of the funder of a foundation grant.")
    grant_reference: Text(150) = ""
    description: Text(300) = ""


class ReverseIn(InputSchema):
    reason: Text(300)


class VerifyIn(InputSchema):
    accept: bool
    reason: Text(300) = ""


class ConfirmIn(InputSchema):
    confirmed: bool
    reason: Text(300) = ""


class ScopeOut(Schema):
    level: str
    id: str | None
    name: str


class YearFiguresOut(Schema):
    year: int
    public: str
    other_public: str
    additional: str


class ContributorFiguresOut(Schema):
    slug: str
    name: str
    amount: str


class OthersOut(Schema):
    amount: str
    count: int
    count_is_lower_bound: bool = False


# A ratio as the API returns it: never rounded for display, always 6 decimal places.
Ratio = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{6}$", examples=["21.951220"])]


class GrantStateOut(Schema):
    pledged: str = Field(description="Pledged grants (euro).")
    pledges: int
    actual: str = Field(description="Actual grants (euro).")
    actuals: int


class ProcedureRefOut(Schema):
    id: int
    title: str


class CoFundedOut(Schema):
    slug: str
    title: str
    owner: str
    procedures: list[ProcedureRefOut]
    grants: str = Field(description="This funder's grants in the program, on the basis (euro).")
    public: str
    other_public: str
    additional: str
    leverage: Ratio | None


class FunderViewOut(Schema):
    """For level `funder`: the programs its grants are part of and their figures."""

    programs: list[CoFundedOut]
    public: str = Field(description="Public resources of the co-funded programs (euro).")
    other_public: str
    additional: str = Field(description="Additional resources of the co-funded programs.")
    leverage: Ratio | None = Field(description="Of the co-funded programs together, in %.")
    multiplier: Ratio | None
    grants: dict[Literal["confirmed", "awaiting", "disputed"], GrantStateOut] = Field(
        description="Its grants that stand (not reversed) by the funder's word."
    )


class FiguresOut(Schema):
    scope: ScopeOut
    basis: Literal["accepted", "pledged"]
    year_from: int | None
    year_to: int | None
    has_data: bool
    entries: int
    public: str
    other_public: str
    additional: str
    total: str
    leverage: Ratio | None = Field(
        description="Additional / public, as a percentage, unrounded: a decimal string with "
        "6 places (21.951220). Null when there is no public money."
    )
    multiplier: Ratio | None = Field(
        description="(public + additional) / public, unrounded: a decimal string with 6 places "
        "(1.219512). Null when there is no public money."
    )
    realisation_rate: Ratio | None = Field(
        description="Accepted actual additional resources / pledged additional resources, over "
        "the same scope and years, as a percentage with 6 places; above 100 when partners "
        "bring more than they pledged. Null when nothing additional was pledged."
    )
    pledged_additional: str = Field(description="Pledged additional resources (euro).")
    accepted_additional: str = Field(description="Accepted actual additional resources (euro).")
    pledged: str
    accepted: str
    pending: str
    rejected: str
    disputed: str
    by_source: dict[str, str]
    by_category: dict[str, str]
    by_year: list[YearFiguresOut]
    by_contributor: list[ContributorFiguresOut]
    others: OthersOut
    funder: FunderViewOut | None = None
