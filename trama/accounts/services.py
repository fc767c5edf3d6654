from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trama.audit.services import chain_for, record_event
from trama.organizations.models import Membership

from .models import ApiToken

User = get_user_model()


def create_api_token(user, *, name: str, scope: str) -> tuple[ApiToken, str]:
    """Create a personal API token; returns it with the secret, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": _("Unknown scope.")})
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:80], scope=scope, key_hash=ApiToken.hash_key(key), hint=key[-4:]
        )
        record_event(
            chain_for(user),
            "api_token.created",
            by=user,
            target=token,
            data={"name": token.name, "scope": scope},
        )
    return token, key


def revoke_api_token(token: ApiToken, *, by) -> None:
    """Revoke a token; it stops working at once."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at:
            return
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(chain_for(token.user), "api_token.revoked", by=by, target=token)


def authenticate_api_token(key: str) -> ApiToken | None:
    """The active token matching a secret, with its user, or None."""
    if not key or not key.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), user__is_active=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def check_can_delete_account(user) -> None:
    sole_admin_of = [
        m.organization.name
        for m in Membership.objects.filter(user=user, role=Membership.Role.ADMIN).select_related(
            "organization"
        )
        if not Membership.objects.filter(organization=m.organization, role=Membership.Role.ADMIN)
        .exclude(user=user)
        .exists()
    ]
    if sole_admin_of:
        raise ValidationError(
            _(
                "You are the only administrator of %(orgs)s. Appoint another administrator "
                "before deleting your account."
            )
            % {"orgs": ", ".join(sole_admin_of)}
        )


def delete_account(user) -> None:
    """Delete a person's account: personal data goes, the audit trail stays, pseudonymised."""
    check_can_delete_account(user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        record_event(chain_for(user), "account.deleted", by=user, target=user)
        # The row stays so that audit events keep pointing at the same actor id; nothing
        # in it identifies the person any more.
        user.email = f"deleted-{user.pk}@deleted.invalid"
        user.first_name = ""
        user.last_name = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.deleted_at = timezone.now()
        user.set_unusable_password()
        user.save()
        user.memberships.all().delete()
        user.api_tokens.all().delete()
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        user.groups.clear()
        user.user_permissions.clear()
