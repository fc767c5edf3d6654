from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from trama.territories.models import Municipality, Province, Region

from .schemas import MunicipalityOut, ProvinceOut, RegionOut

router = Router(tags=["territories"])


@router.get("/regions", response=list[RegionOut], summary="Italian regions")
def list_regions(request):
    return Region.objects.order_by("istat_code")


@router.get("/provinces", response=list[ProvinceOut], summary="Provinces and metropolitan cities")
def list_provinces(request, region: str | None = None):
    qs = Province.objects.select_related("region").order_by("name")
    if region:
        qs = qs.filter(region__istat_code=region)
    return qs


class MunicipalityFilters(Schema):
    q: str = ""
    province: str | None = None
    region: str | None = None


@router.get("/municipalities", response=list[MunicipalityOut], summary="Municipalities")
@paginate(LimitOffsetPagination)
def list_municipalities(request, filters: Query[MunicipalityFilters]):
    """`q` matches the start of the name; `province` is an abbreviation, `region` an ISTAT code."""
    qs = Municipality.objects.select_related("province__region").search(filters.q).order_by("name")
    if filters.province:
        qs = qs.filter(province__abbreviation__iexact=filters.province)
    if filters.region:
        qs = qs.filter(province__region__istat_code=filters.region)
    return qs


@router.get("/municipalities/{istat_code}", response=MunicipalityOut, summary="One municipality")
def get_municipality(request, istat_code: str):
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        Municipality.objects.select_related("province__region"), istat_code=istat_code
    )
