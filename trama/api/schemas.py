from datetime import datetime

from ninja import Schema


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


class OrganizationIn(Schema):
    name: str
    kind: str
    public_body_type: str = ""
    legal_form: str
    tax_code: str | None = None
    vat_number: str = ""
    runts_number: str = ""
    runts_section: str = ""
    pec: str = ""
    email: str = ""
    website: str = ""
    legal_representative: str = ""
    address: str = ""
    municipality: str
    lead_municipality: str | None = None
    description: str = ""


class MemberOut(Schema):
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
