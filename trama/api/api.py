from ninja import NinjaAPI

from .errors import install_handlers
from .organizations import me_router
from .organizations import router as organizations_router
from .territories import router as territories_router

api = NinjaAPI(
    title="Trama API",
    version="1",
    description=(
        "API pubblica di Trama. Letture anonime dei dati pubblici; le operazioni personali e "
        "le scritture richiedono un token personale (`Authorization: Bearer trm_…`) creato "
        'nel profilo. Errori: `{"error": {"code", "message", "fields"}}`.'
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
install_handlers(api)
api.add_router("/organizations", organizations_router)
api.add_router("/territories", territories_router)
api.add_router("/me", me_router)
