from allauth.account.signals import email_confirmed, password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from trama.audit.services import chain_for, record_event

User = get_user_model()


def _client(request) -> dict:
    if request is None:
        return {}
    return {"ip": request.META.get("REMOTE_ADDR", "")}


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record_event(chain_for(user), "account.login", by=user, target=user, data=_client(request))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    email = (credentials.get("email") or credentials.get("username") or "").strip().lower()
    user = User.objects.filter(email=email).first() if email else None
    if user is not None:
        record_event(chain_for(user), "account.login_failed", target=user, data=_client(request))


@receiver(password_changed)
def on_password_changed(sender, request, user, **kwargs):
    record_event(chain_for(user), "account.password_changed", by=user, target=user)


@receiver(password_reset)
def on_password_reset(sender, request, user, **kwargs):
    record_event(chain_for(user), "account.password_reset", by=user, target=user)


@receiver(email_confirmed)
def on_email_confirmed(sender, request, email_address, **kwargs):
    user = email_address.user
    record_event(
        chain_for(user),
        "account.email_verified",
        by=user,
        target=user,
        data={"email": email_address.email},
    )


@receiver(authenticator_added)
def on_mfa_added(sender, request, user, authenticator, **kwargs):
    record_event(
        chain_for(user),
        "account.mfa_added",
        by=user,
        target=user,
        data={"type": authenticator.type},
    )


@receiver(authenticator_removed)
def on_mfa_removed(sender, request, user, authenticator, **kwargs):
    record_event(
        chain_for(user),
        "account.mfa_removed",
        by=user,
        target=user,
        data={"type": authenticator.type},
    )
