from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import ApiTokenForm, DeleteAccountForm, ProfileForm
from .models import ApiToken


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Profile saved."))
        return redirect("accounts:profile")
    return render(
        request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def tokens(request):
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.create_api_token(request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiTokenForm()
    context = {
        "form": form,
        "new_key": new_key,
        "tokens": request.user.api_tokens.active(),
    }
    return render(request, "accounts/tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def revoke_token(request, token_id):
    token = get_object_or_404(ApiToken.objects.active(), pk=token_id, user=request.user)
    services.revoke_api_token(token, by=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


@login_required
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    blocked = None
    try:
        services.check_can_delete_account(request.user)
    except ValidationError as exc:
        blocked = exc.messages[0]
    if request.method == "POST" and not blocked and form.is_valid():
        services.delete_account(request.user)
        logout(request)
        messages.success(request, _("Your account was deleted."))
        return redirect("pages:home")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "accounts/delete.html", {"form": form, "blocked": blocked}, status=status
    )
