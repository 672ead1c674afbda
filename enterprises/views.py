"""Enterprise pages: create or join an enterprise, "My enterprise", edit the profile.

Views parse input, call one service and render or redirect. Everything here belongs to a
signed-in user; a membership request of another enterprise answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from enterprises.decorators import enterprise_required
from enterprises.forms import EnterpriseCreateForm, EnterpriseProfileForm, JoinForm
from enterprises.models import Membership
from enterprises.selectors import (
    enterprise_consultations,
    enterprise_for_user,
    enterprise_lab_visits,
    enterprise_members,
    membership_active_for_user,
    membership_last_declined,
)
from enterprises.services import (
    EnterpriseError,
    enterprise_create,
    enterprise_update,
    membership_decide,
    membership_request,
    membership_withdraw,
)
from portal.choices import district_from_credit_code, region_districts
from portal.phones import phone_grouped

PROFILE_FIELDS = (
    "name",
    "industry",
    "district",
    "zone",
    "size",
    "address",
    "contact_name",
    "contact_phone",
)


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Choose: create the enterprise profile or ask to join one; shows a pending request."""
    if enterprise_for_user(user=request.user) is not None:
        return redirect("enterprises:mine")
    context = {
        "pending": membership_active_for_user(user=request.user),
        "declined": membership_last_declined(user=request.user),
        "join_form": JoinForm(),
    }
    return render(request, "enterprises/start.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    if membership_active_for_user(user=request.user) is not None:
        return redirect("enterprises:start")
    existing = None
    status = 200
    if request.method == "POST":
        form = EnterpriseCreateForm(request.POST)
        if form.is_valid():
            try:
                enterprise_create(
                    user=request.user,
                    **{name: form.cleaned_data[name] for name in (*PROFILE_FIELDS, "credit_code")},
                )
            except EnterpriseError as error:
                field = {
                    "exists": "credit_code",
                    "invalid_credit_code": "credit_code",
                    "invalid_phone": "contact_phone",
                    "district_required": "district",
                }.get(error.code)
                form.add_error(field, error.message)
                existing = error.enterprise
            else:
                messages.success(request, _("Your enterprise profile has been created."))
                return redirect("enterprises:mine")
        status = 400
    else:
        credit_code = request.GET.get("credit_code", "")[:40]
        form = EnterpriseCreateForm(
            initial={
                "credit_code": credit_code,
                "district": district_from_credit_code(credit_code),
                "contact_name": request.user.get_full_name(),
            }
        )
    context = {"form": form, "existing": existing, "region_districts": region_districts()}
    return render(request, "enterprises/create.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    status = 200
    not_found_code = ""
    if request.method == "POST":
        form = JoinForm(request.POST)
        if form.is_valid():
            try:
                membership_request(user=request.user, credit_code=form.cleaned_data["credit_code"])
            except EnterpriseError as error:
                if error.code == "already_member":
                    messages.info(request, error.message)
                    return redirect("enterprises:start")
                if error.code == "not_found":
                    not_found_code = form.cleaned_data["credit_code"]
                form.add_error(
                    "credit_code" if error.code in ("not_found", "invalid_credit_code") else None,
                    error.message,
                )
            else:
                messages.success(
                    request,
                    _(
                        "Your request has been sent to the enterprise's owner. We notify you "
                        "when they have decided."
                    ),
                )
                return redirect("enterprises:start")
        status = 400
    else:
        form = JoinForm(initial={"credit_code": request.GET.get("credit_code", "")[:40]})
    create_url = ""
    if not_found_code:
        create_url = f"{reverse('enterprises:create')}?credit_code={not_found_code}"
    return render(
        request,
        "enterprises/join.html",
        {"form": form, "create_url": create_url},
        status=status,
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(
        Membership, pk=pk, user=request.user, status=Membership.Status.PENDING
    )
    try:
        membership_withdraw(membership=membership, by=request.user)
    except EnterpriseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request to join has been withdrawn."))
    return redirect("enterprises:start")


@enterprise_required
def mine(request: HttpRequest) -> HttpResponse:
    enterprise = request.enterprise
    memberships = enterprise_members(enterprise=enterprise)
    me = next(m for m in memberships if m.user_id == request.user.pk)
    context = {
        "enterprise": enterprise,
        "contact_phone": phone_grouped(enterprise.contact_phone),
        "is_owner": me.role == Membership.Role.OWNER,
        "members": [m for m in memberships if m.status == Membership.Status.APPROVED],
        "pending": [m for m in memberships if m.status == Membership.Status.PENDING],
        "consultations": enterprise_consultations(enterprise=enterprise),
        "lab_visits": enterprise_lab_visits(enterprise=enterprise),
    }
    return render(request, "enterprises/mine.html", context)


@require_POST
@enterprise_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner approves or declines a request to join. Requests of other enterprises
    answer 404 so their existence does not leak."""
    membership = get_object_or_404(Membership, pk=pk, enterprise=request.enterprise)
    approve = request.POST.get("decision") == "approve"
    try:
        membership = membership_decide(membership=membership, by=request.user, approve=approve)
    except EnterpriseError as error:
        messages.error(request, error.message)
    else:
        name = membership.user.get_full_name() or membership.user.email
        if approve:
            messages.success(request, _("%(name)s is now a member.") % {"name": name})
        else:
            messages.info(request, _("The request of %(name)s was declined.") % {"name": name})
    return redirect("enterprises:mine")


@enterprise_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest) -> HttpResponse:
    enterprise = request.enterprise
    status = 200
    if request.method == "POST":
        form = EnterpriseProfileForm(request.POST)
        if form.is_valid():
            was_verified = enterprise.is_verified
            try:
                enterprise_update(
                    enterprise=enterprise,
                    by=request.user,
                    **{name: form.cleaned_data[name] for name in PROFILE_FIELDS},
                )
            except EnterpriseError as error:
                form.add_error(
                    "contact_phone" if error.code == "invalid_phone" else None, error.message
                )
            else:
                messages.success(request, _("The enterprise profile has been saved."))
                if was_verified and not enterprise.is_verified:
                    messages.warning(
                        request,
                        _(
                            "The new name is not verified yet: until the regulator verifies "
                            "it, the enterprise is shown without the verified mark."
                        ),
                    )
                return redirect("enterprises:mine")
        status = 400
    else:
        initial = {name: getattr(enterprise, name) for name in PROFILE_FIELDS}
        initial["contact_phone"] = phone_grouped(enterprise.contact_phone)
        form = EnterpriseProfileForm(initial=initial)
    return render(
        request, "enterprises/edit.html", {"form": form, "enterprise": enterprise}, status=status
    )
