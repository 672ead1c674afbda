"""Staff API tokens in the Wagtail admin (``/cms-admin/staff-api-tokens/``,
``api/wagtail_hooks.py``).

Staff who hold a scope's web permission create tokens for themselves; administrators with
``api.manage_apitokens`` (superusers hold it) for any staff user: experts and institution
contacts, who do not use the admin, get theirs this way. The list shows each token's first
characters, scopes, last use and state, with a button to revoke it. The secret is shown
once, on the page that answers the creation (never in a URL, a message or the session),
and the page is not cached. The rules are ``api.services``'.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from api.exceptions import ApiTokenError
from api.models import Scope
from api.selectors import api_token_list
from api.services import (
    MANAGE_PERMISSION,
    api_scopes_grantable,
    api_token_create,
    api_token_revoke,
)
from experts.models import Expert
from labvisits.models import InstitutionContact

URL_NAMESPACE = "api_tokens"


def url(name: str, *args) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", args=args)


def may_open(user) -> bool:
    """The token pages are for administrators and for staff who hold a scope."""
    return user.has_perm(MANAGE_PERMISSION) or bool(api_scopes_grantable(user=user))


def _check(request: HttpRequest) -> None:
    if not may_open(request.user):
        raise PermissionDenied


def _staff_users():
    """Accounts that may hold a scope: in a group, with a permission of their own, a
    superuser, an expert or an institution contact (the service checks the scopes)."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__isnull=False)
            | Q(user_permissions__isnull=False)
            | Q(pk__in=Expert.objects.filter(user__isnull=False).values("user_id"))
            | Q(pk__in=InstitutionContact.objects.values("user_id"))
        )
        .distinct()
        .order_by("username")
    )


class TokenForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("User"), queryset=None)
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("What the token is for, e.g. “District platform, check-in”."),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "A scope works only while the user holds the permission behind it on the web pages."
        ),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The token stops working at the start of this day."),
    )

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        users = _staff_users()
        if not by.has_perm(MANAGE_PERMISSION):
            users = users.filter(pk=by.pk)
        self.fields["user"].queryset = users
        self.fields["user"].initial = by.pk

    def expires_at(self) -> datetime.datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _page(request: HttpRequest, template: str, title: str, **context) -> HttpResponse:
    breadcrumbs = [{"url": url("index"), "label": _("API tokens")}]
    if title != _("API tokens"):
        breadcrumbs.append({"url": "", "label": title})
    return render(
        request,
        template,
        {
            "page_title": title,
            "header_title": title,
            "header_icon": "key",
            "breadcrumbs_items": [{"url": reverse("wagtailadmin_home"), "label": _("Home")}]
            + breadcrumbs,
            **context,
        },
    )


@never_cache
def index_view(request: HttpRequest) -> HttpResponse:
    _check(request)
    now = timezone.now()
    rows = [
        {
            "token": token,
            "scopes": [Scope(scope).label for scope in token.scopes],
            "state": (
                _("Revoked")
                if token.revoked_at
                else _("Expired")
                if token.expires_at and token.expires_at <= now
                else _("Active")
            ),
            "active": token.revoked_at is None
            and not (token.expires_at and token.expires_at <= now),
        }
        for token in api_token_list(user=request.user)
    ]
    return _page(
        request,
        "api/admin/token_index.html",
        _("API tokens"),
        rows=rows,
        create_url=url("create"),
    )


@never_cache
def create_view(request: HttpRequest) -> HttpResponse:
    _check(request)
    form = TokenForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = api_token_create(
                user=form.cleaned_data["user"],
                by=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
        except ApiTokenError as error:
            form.add_error(None, error.message)
        else:
            # The one time the secret is shown: this answer, not stored, not cached.
            response = _page(
                request,
                "api/admin/token_created.html",
                _("API token created"),
                token=token,
                secret=secret,
                scopes=[Scope(scope).label for scope in token.scopes],
                index_url=url("index"),
            )
            response["Cache-Control"] = "private, no-store"
            return response
    return _page(
        request,
        "api/admin/token_create.html",
        _("New API token"),
        form=form,
        index_url=url("index"),
    )


@require_POST
def revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request)
    token = get_object_or_404(api_token_list(user=request.user), pk=pk)
    try:
        api_token_revoke(token=token, by=request.user)
    except ApiTokenError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The API token %(prefix)s… is revoked.") % {"prefix": token.prefix}
        )
    return redirect(url("index"))
