"""Proving a phone number: on its own page ahead of registration, and inside other forms
(``phone_proof``, ``code_send_in_form``)."""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.phones import InvalidPhone, phone_mask, phone_normalise
from portal.ratelimit import client_ip
from verification.browser import phone_verified_in_browser, remember_verified
from verification.forms import PhoneVerifyForm
from verification.services import (
    VerificationError,
    phone_code_check,
    phone_code_send,
    phone_verified_on_account,
)

app_name = "verification"


def phone_is_verified(request: HttpRequest, phone: str) -> bool:
    """Whether this browser or the signed-in account proved ``phone`` recently."""
    return phone_verified_in_browser(request, phone) or phone_verified_on_account(
        user=request.user, phone=phone
    )


def phone_proof(request: HttpRequest, *, phone: str, code: str) -> tuple[bool, bool]:
    """For a form that carries a phone number and a code: (verified, proved now).

    With ``PHONE_VERIFICATION`` off: (False, False). A number proved before in this
    browser or on the account needs no code; else ``code`` must be the one sent to it.
    Raises ``VerificationError`` (``code_required`` when none was typed, or the codes of
    ``phone_code_check``). The caller remembers a number proved now on its response
    (``remember_verified``), whatever else the form says.
    """
    if not settings.PHONE_VERIFICATION:
        return False, False
    if phone_is_verified(request, phone):
        return True, False
    if not "".join((code or "").split()):
        raise VerificationError(
            _(
                "Enter the code sent to this number by text message. No code yet? Press "
                "“Send code”."
            ),
            code="code_required",
        )
    phone_code_check(phone=phone, code=code, user=request.user)
    return True, True


@dataclasses.dataclass(frozen=True)
class CodeSend:
    """What "Send code" did: ``notice`` (a code went out, or none is needed) or ``error``
    on ``field`` ("phone" or "code"), with the answer's HTTP status."""

    field: str = "code"
    notice: str = ""
    error: str = ""
    status: int = 200


def code_send_in_form(request: HttpRequest, raw_phone: str) -> CodeSend:
    """ "Send code" pressed in a form: sends a code to the number typed. Nothing else of
    the form is checked, and nothing typed is lost."""
    try:
        phone = phone_normalise(raw_phone)
    except InvalidPhone as error:
        return CodeSend(field="phone", error=error.message, status=400)
    if phone_is_verified(request, phone):
        return CodeSend(
            notice=_("This number is already verified on this device: no code is needed.")
        )
    try:
        phone_code_send(
            phone=phone, language=get_language(), client=client_ip(request), user=request.user
        )
    except VerificationError as error:
        return CodeSend(error=error.message, status=429)
    return CodeSend(
        notice=_(
            "We sent a code by text message to %(phone)s. It is valid for %(minutes)d minutes."
        )
        % {"phone": phone_mask(phone), "minutes": settings.PHONE_CODE_MINUTES}
    )


def form_show_code_send(form, sent: CodeSend) -> None:
    """Show ``sent``'s error on ``form`` (bound to everything typed) and no other error."""
    form.is_valid()
    form.errors.clear()
    if sent.error:
        form.add_error(sent.field, sent.error)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Verify a number ahead of time (e.g. before registration opens): number, "Send
    code", code, "Verify". The number then counts as verified on this device, and on the
    account when signed in, for ``PHONE_VERIFICATION_DAYS``."""
    next_url = _next_url(request)
    notice = ""
    status = 200
    if request.method == "POST":
        form = PhoneVerifyForm(request.POST)
        if "send_code" in request.POST:
            sent = code_send_in_form(request, request.POST.get("phone", ""))
            form_show_code_send(form, sent)
            notice, status = sent.notice, sent.status
        elif form.is_valid():
            phone = form.cleaned_data["phone"]
            try:
                phone_proof(request, phone=phone, code=form.cleaned_data["code"])
            except VerificationError as error:
                form.add_error("code", error.message)
                status = 400
            else:
                until = timezone.localtime() + datetime.timedelta(
                    days=settings.PHONE_VERIFICATION_DAYS
                )
                messages.success(
                    request,
                    _("Your number %(phone)s is verified on this device until %(date)s.")
                    % {"phone": phone_mask(phone), "date": date_format(until, "DATE_FORMAT")},
                )
                response = redirect(next_url or "verification:verify")
                remember_verified(request, response, phone)
                return response
        else:
            status = 400
    else:
        form = PhoneVerifyForm()
    return render(
        request,
        "verification/verify.html",
        {
            "form": form,
            "notice": notice,
            "next_url": next_url,
            "days": settings.PHONE_VERIFICATION_DAYS,
        },
        status=status,
    )


urlpatterns = [path("", verify, name="verify")]
