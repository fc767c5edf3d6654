from typing import Annotated

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from trama.territories.models import Municipality, Province, Region

from .bounds import Pagination, ProvinceCode, RegionCode, Text
from .errors import errors
from .schemas import MunicipalityOut, ProvinceOut, RegionOut

router = Router(tags=["territories"])


@router.get("/regions", response={200: list[RegionOut], **errors()}, summary="Italian regions")
def list_regions(request):
    return Region.objects.order_by("istat_code")


@router.get(
    "/provinces",
    response={200: list[ProvinceOut], **errors(422)},
    summary="Provinces and metropolitan cities",
)
def list_provinces(request, region: RegionCode | None = None):
    qs = Province.objects.select_related("region").order_by("name")
    if region:
        qs = qs.filter(region__istat_code=region)
    return qs


class MunicipalityFilters(Schema):
    q: Text(100) = ""
    province: ProvinceCode | None = None
    region: RegionCode | None = None


@router.get(
    "/municipalities",
    response={200: list[MunicipalityOut], **errors(422)},
    summary="Municipalities",
)
@paginate(Pagination)
def list_municipalities(request, filters: Query[MunicipalityFilters]):
    """`q` matches the start of the name; `province` is an abbreviation, `region` an ISTAT code."""
    qs = Municipality.objects.select_related("province__region").search(filters.q).order_by("name")
    if filters.province:
        qs = qs.filter(province__abbreviation__iexact=filters.province)
    if filters.region:
        qs = qs.filter(province__region__istat_code=filters.region)
    return qs


IstatCode = Annotated[str, Field(max_length=6, pattern=r"^[0-9A-Za-z]+$")]


@router.get(
    "/municipalities/{istat_code}",
    response={200: MunicipalityOut, **errors(404, 422)},
    summary="One municipality",
)
def get_municipality(request, istat_code: IstatCode):
    return get_object_or_404(
        Municipality.objects.select_related("province__region"), istat_code=istat_code
    )
