import json
from decimal import Decimal

from ninja import NinjaAPI
from ninja.parser import Parser

from .errors import install_handlers
from .ledger import router as ledger_router
from .organizations import me_router
from .organizations import router as organizations_router
from .procedures import router as procedures_router
from .territories import router as territories_router


class DecimalParser(Parser):
    """JSON numbers with a fraction become the Decimal of their exact text, never a float.

    A float would turn 10.0000000000000001 into 10.0 before any check could see the extra
    decimals; euro amounts are taken as written.
    """

    def parse_body(self, request):
        return json.loads(request.body, parse_float=Decimal)


api = NinjaAPI(
    title="Trama API",
    version="1",
    description=(
        "API pubblica di Trama. Letture anonime dei dati pubblici; le operazioni personali e "
        "le scritture richiedono un token personale (`Authorization: Bearer trm_…`) creato "
        'nel profilo. Errori: `{"error": {"code", "message", "fields"}}`. Gli importi sono '
        'stringhe con due decimali ("1250.00"), mai numeri in virgola mobile.'
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    parser=DecimalParser(),
)
install_handlers(api)
api.add_router("/organizations", organizations_router)
api.add_router("/territories", territories_router)
api.add_router("/me", me_router)
api.add_router("", ledger_router)
api.add_router("", procedures_router)
