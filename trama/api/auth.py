from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from trama.accounts.services import authenticate_api_token

from .errors import ApiError


class TokenAuth(HttpBearer):
    """Personal API token in `Authorization: Bearer trm_…`; write scope for changes."""

    def __init__(self, *, write: bool = False):
        super().__init__()
        self.write = write

    def authenticate(self, request, token):
        api_token = authenticate_api_token(token)
        if api_token is None:
            return None
        if self.write and api_token.scope != api_token.Scope.WRITE:
            raise ApiError(403, "token_read_only", _("This token has read-only scope."))
        request.user = api_token.user
        request.api_token = api_token
        return api_token


class OptionalTokenAuth(TokenAuth):
    """Public endpoints: anonymous is fine, a valid token identifies the user."""

    # The route's `openapi_extra` (ninja appends it to the route's security): without this
    # empty alternative the document says a token is required, and clients generated from
    # it would not call anonymously.
    OPENAPI = {"security": [{}]}

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if not header:
            return True  # anonymous
        return super().__call__(request)
