from django.shortcuts import redirect
from django.urls import reverse

from .models import Membership

_ALLOWED_PREFIXES = ("/account/", "/static/", "/i18n/", "/privacy/", "/accessibilita/", "/api/")


class RequireTwoFactorMiddleware:
    """Members of an organisation that requires 2FA must activate it before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and Membership.objects.filter(user=user, organization__require_2fa=True).exists()
        ):
            from allauth.mfa.models import Authenticator

            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                return redirect(reverse("mfa_activate_totp") + "?required=1")
        return self.get_response(request)
