"""Public registration: the form, the ticket and its self-service page, "My registrations".

Views parse input, call one service and render or redirect. A registrant without an
account manages the registration through a signed link (``events.tickets``); a signed
cookie also remembers the tickets this browser registered, so a second attempt with the
same phone number shows that ticket again instead of an error.

The form is built for the opening minute of a popular session, when hundreds of people
send it at once and most of them will be told "full":

- anonymous visitors get the form page from the shared page cache (for
  ``REGISTRATION_PAGE_CACHE_SECONDS``), the CSRF token put in by the page cache
  (``portal.pagecache.csrf_slot``), so it works with and without JavaScript;
- a registration for a session that the cache's approximate view says is full
  (``events.availability``) is answered with the waiting-list offer at once: a stored copy
  of that page with the visitor's own input put back in, no database transaction, no
  template render (``_waitlist_offer``);
- a success is one locked transaction and a redirect: nothing is written to a server-side
  browser session, the e-mail is sent by a worker.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.signing import BadSignature
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import SimpleLazyObject, lazy
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cms.models import SiteSettings
from cms.selectors import privacy_notice_url
from events.availability import availability_get
from events.calendar import registration_ics
from events.exceptions import RegistrationError
from events.forms import PartySizeForm, RegistrationForm, TicketResendForm
from events.models import Registration, Session
from events.notifications import registration_ticket_resend
from events.selectors import (
    activities_in_language,
    activity_in_language,
    meeting_link_for,
    registration_can_change,
    registration_list_for_user,
    session_for_submit,
    session_registration_state,
    ticket_details,
    with_cancellation,
)
from events.services.registration import (
    registration_cancel,
    registration_change_party_size,
    registration_create,
    session_full_error,
)
from events.tickets import manage_token_make, manage_token_read, ticket_qr_svg
from portal.pagecache import (
    csrf_slot,
    is_anonymous_visitor,
    mark_cacheable,
    pagecache_fragment_get,
    pagecache_fragment_set,
    pagecache_generation,
)
from portal.phones import phone_grouped
from portal.ratelimit import client_ip, rate_limit_hit
from portal.tickets import TokenInvalid
from ratings.selectors import rating_prompt
from verification.browser import remember_verified
from verification.services import VerificationError
from verification.views import code_send_in_form, form_show_code_send, phone_proof

# The signed cookie listing the ticket codes this browser registered (at most
# TICKETS_REMEMBERED, for TICKETS_COOKIE_DAYS).
TICKETS_COOKIE = "tickets"
TICKETS_COOKIE_SALT = "events.registration.tickets"
TICKETS_COOKIE_DAYS = 90
TICKETS_REMEMBERED = 20
# Seconds a visitor told "busy" (the session's lock was not granted in time) is asked to
# wait before sending the form again. The answer is 429, like the attempt limits: the
# server is well, there are just too many people at this moment.
BUSY_RETRY_AFTER = 5


def _privacy_url(request: HttpRequest) -> str:
    # ``for_request`` keeps the settings on the request, where the template's ``settings``
    # context processor finds them again instead of querying a second time.
    try:
        site_settings = SiteSettings.for_request(request)
    except SiteSettings.DoesNotExist:  # no site matches the request's host
        return ""
    return privacy_notice_url(site_settings=site_settings)


# Made once: ``lazy()`` builds a proxy class each time it is called.
_privacy_url_lazy = lazy(_privacy_url, str)


def _remembered_tickets(request: HttpRequest) -> list[str]:
    try:
        value = request.get_signed_cookie(
            TICKETS_COOKIE,
            default="",
            salt=TICKETS_COOKIE_SALT,
            max_age=TICKETS_COOKIE_DAYS * 86400,
        )
    except BadSignature:
        return []
    return [code for code in value.split(",") if code]


def _remember_ticket(request: HttpRequest, response: HttpResponse, ticket_code: str) -> None:
    """Remember in a signed cookie (no server-side session) that this browser holds the
    ticket; returns nothing, sets the cookie on ``response``."""
    codes = _remembered_tickets(request)
    if ticket_code in codes:
        return
    response.set_signed_cookie(
        TICKETS_COOKIE,
        ",".join([*codes[-(TICKETS_REMEMBERED - 1) :], ticket_code]),
        salt=TICKETS_COOKIE_SALT,
        max_age=TICKETS_COOKIE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _browser_key(request: HttpRequest) -> str:
    """A keyed hash of the browser's CSRF secret (set by ``CsrfViewMiddleware`` from the
    cookie that came with the form), or "" without one."""
    secret = request.META.get("CSRF_COOKIE") or ""
    if not secret:
        return ""
    return salted_hmac("events.registration.browser", secret).hexdigest()[:32]


def _owns(request: HttpRequest, registration: Registration) -> bool:
    """Whether this visitor may see ``registration``'s ticket after a duplicate attempt:
    only the account or the browser that made it. Nothing typed (a name, an e-mail) is
    proof: whoever knows a registrant's phone number and name could take the ticket over.
    Everyone else may have it sent again to the address on file (``ticket_resend``)."""
    if request.user.is_authenticated and registration.user_id == request.user.pk:
        return True
    if registration.ticket_code in _remembered_tickets(request):
        return True
    # The answer that carried the ticket cookie was lost, but this is the browser that sent
    # the form.
    key = _browser_key(request)
    return bool(key and registration.browser_key) and constant_time_compare(
        key, registration.browser_key
    )


def _manage_url(registration: Registration) -> str:
    return reverse(
        "events:registration_manage",
        kwargs={"token": manage_token_make(registration.ticket_code)},
    )


def _initial(request: HttpRequest) -> dict:
    initial = {"language": get_language(), "party_size": 1}
    user = request.user
    if user.is_authenticated:
        last = Registration.objects.filter(user=user).order_by("-created_at").first()
        initial.update(
            name=user.get_full_name() or (last.name if last else ""),
            email=user.email,
            phone=phone_grouped(last.phone) if last else "",
            organisation=last.organisation if last else "",
        )
    return initial


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, session_id: int) -> HttpResponse:
    if request.method == "POST":
        offer = _waitlist_offer(request, session_id=session_id)
        if offer is not None:
            return offer
    else:
        # The same page for every anonymous visitor: the page cache may keep it briefly.
        mark_cacheable(request, seconds=settings.REGISTRATION_PAGE_CACHE_SECONDS)
    # A submitted form is checked by the service, which counts the places under the lock:
    # counting them here too would only cost time (a page rendered later counts them), and
    # so would the activity's page, read only if a page is rendered.
    if request.method == "GET":
        sessions = Session.objects.select_related("activity").with_places()
        session = get_object_or_404(with_cancellation(sessions), pk=session_id)
        if not session.activity.live:
            raise Http404
    else:
        session = session_for_submit(session_id=session_id)
        if session is None:
            raise Http404
    # Only a page that is rendered needs these (a successful registration redirects): read
    # when the template first uses them, not on every request of a rush.
    language = get_language()
    activity = SimpleLazyObject(
        lambda: activity_in_language(activity=session.activity, language=language)
    )
    state = session_registration_state(session=session, count_places=request.method == "GET")
    privacy_url = _privacy_url_lazy(request)
    context = {"session": session, "activity": activity, "state": state, "page": None}
    if request.method == "GET":
        context["csrf_slot"] = csrf_slot(request)
    if state in ("upcoming", "closed", "cancelled"):
        return render(request, "events/registration/register.html", context)

    status = 200
    if request.method == "POST":
        form = RegistrationForm(request.POST, session=session, privacy_url=privacy_url)
        if "send_code" in request.POST and "code" in form.fields:
            # "Send code": a code to the number typed; the rest is kept as typed.
            sent = code_send_in_form(request, request.POST.get("phone", ""))
            form_show_code_send(form, sent)
            form.code_notice, status = sent.notice, sent.status
        elif form.is_valid():
            response = _register_submit(request, form=form, session=session)
            if response is None and form.full:
                # The stored "full" page, as for the visitors told before the service.
                response = _waitlist_offer(request, session_id=session.pk)
            if response is not None:
                _remember_proof(request, form, response)
                return response
            status = 429 if form.busy or form.rate_limited else 400
        else:
            # A form sent back to be corrected is not counted against the client address:
            # only submissions that reach the service are (``_register_submit``).
            status = 400
    else:
        form = RegistrationForm(
            initial={**_initial(request), "join_waitlist": state == "full"},
            session=session,
            privacy_url=privacy_url,
        )
    if request.method == "POST":  # the page shows the places left: count them now
        context["state"] = session_registration_state(session=session)
    context.update(form=form, privacy_url=privacy_url)
    response = render(request, "events/registration/register.html", context, status=status)
    if form.busy:
        response["Retry-After"] = str(BUSY_RETRY_AFTER)
    _remember_proof(request, form, response)
    return response


def _remember_proof(request: HttpRequest, form: RegistrationForm, response: HttpResponse) -> None:
    """A number proved with a code in this request stays verified in this browser, whatever
    else the form was told (full, a duplicate): the next attempt needs no new code."""
    if form.phone_proved:
        remember_verified(request, response, form.phone_proved)


# --- The waiting-list offer for a full session, without a transaction or a render --------
# Stored once per session, page language, party size and e-mail language (purged with the
# pages, at most PAGE_CACHE_SECONDS old); the text fields are stored as markers and the
# visitor's input is put back in their place, escaped as the template would.
OFFER_TEXT_FIELDS = ("name", "phone", "email", "organisation")
_MARK = "\ue000"


def _offer_mark(field: str) -> str:
    return f"{_MARK}{field}{_MARK}"


def _waitlist_offer(request: HttpRequest, *, session_id: int) -> HttpResponse | None:
    """The "this session is full" answer with the waiting list offered and the input kept,
    when the approximate view (``events.availability``) says no place is left; None when
    the form must take the whole way (unknown or free places, a signed-in visitor, the
    waiting list asked for, no consent, the honeypot filled, input the form would refuse).

    It only ever refuses: the registration service alone confirms a place.
    """
    data = request.POST
    if (
        not is_anonymous_visitor(request)
        or data.get("send_code")
        or data.get("join_waitlist")
        or data.get("website")
        or data.get("consent") != "on"
        or data.get("language") not in dict(settings.LANGUAGES)
        or data.get("party_size", "1") not in {str(n) for n in range(1, 10)}
    ):
        return None
    availability = availability_get(session_id)
    if availability is None or not availability.refuses(1):
        return None
    page = _waitlist_offer_page(
        request,
        session_id=session_id,
        party_size=int(data.get("party_size", "1")),
        email_language=data["language"],
    )
    if page is None:
        return None
    for field in OFFER_TEXT_FIELDS:
        page = page.replace(_offer_mark(field), escape(data.get(field, "").replace(_MARK, "")))
    csrf_slot(request)  # the stored page holds the slot: the page cache fills it
    return HttpResponse(page, status=400)


def _waitlist_offer_page(
    request: HttpRequest, *, session_id: int, party_size: int, email_language: str
) -> str | None:
    """The stored offer page, rendered first if needed; None when the session does not
    take registrations now (the whole way then gives the right answer)."""
    language = get_language()
    key = f"events:waitlist-offer:{session_id}:{language}:{party_size}:{email_language}"
    page = pagecache_fragment_get(key)
    if page is not None:
        return page
    generation = pagecache_generation()
    session = (
        with_cancellation(Session.objects.with_places().select_related("activity"))
        .filter(pk=session_id)
        .first()
    )
    if (
        session is None
        or not session.activity.live
        or party_size > session.max_party_size
        or session_registration_state(session=session) not in ("open", "full")
    ):
        return None
    if session.capacity is None:  # never full: no waiting list to offer
        return None
    session.__dict__["places_taken"] = max(session.count_places_taken(), session.capacity)
    privacy_url = _privacy_url_lazy(request)
    form = RegistrationForm(
        {
            **{field: _offer_mark(field) for field in OFFER_TEXT_FIELDS},
            "party_size": str(party_size),
            "language": email_language,
            "join_waitlist": "on",
            "consent": "on",
        },
        session=session,
        privacy_url=privacy_url,
    )
    # The page the form would show after the service's "full": only that error, the
    # waiting-list box ticked (the markers themselves are no valid input).
    form.is_valid()
    form.errors.clear()
    form.add_error("join_waitlist", session_full_error().message)
    page = render_to_string(
        "events/registration/register.html",
        {
            "session": session,
            "activity": activity_in_language(activity=session.activity, language=language),
            "state": "full",
            "page": None,
            "form": form,
            "privacy_url": privacy_url,
            "csrf_slot": csrf_slot(request),
        },
        request=request,
    )
    pagecache_fragment_set(key, page, generation=generation)
    return page


def _rate_limited_message() -> str:
    return _(
        "Too many registration attempts. Please wait a few minutes and try again, or call "
        "the service desk."
    )


def _register_submit(
    request: HttpRequest, *, form: RegistrationForm, session: Session
) -> HttpResponse | None:
    """Registers, or puts the reason on the form and returns None."""
    data = form.cleaned_data
    if form.is_bot:
        form.add_error(None, _("Your registration could not be accepted. Please try again."))
        return None
    # The number must be proved (``verification``): by this browser or account before, or
    # by the code typed now. Code guesses have their own limits, so they are not counted
    # against the attempts below.
    try:
        phone_verified, proved_now = phone_proof(
            request, phone=data["phone"], code=data.get("code", "")
        )
    except VerificationError as error:
        form.add_error("code", error.message)
        return None
    if proved_now:
        form.phone_proved = data["phone"]
    # Per client address, and per phone number and session: attempts with someone's number
    # for one session never block that person's registration for another.
    limits = (
        ("register-ip", client_ip(request), settings.REGISTRATION_RATE_IP),
        ("register-phone", f"{session.pk}:{data['phone']}", settings.REGISTRATION_RATE_PHONE),
    )
    # Both counted, every time (no short cut): a list, not a generator.
    hits = [rate_limit_hit(scope=scope, key=key, rate=rate) for scope, key, rate in limits]
    if any(hits):
        form.add_error(None, _rate_limited_message())
        form.rate_limited = True
        return None
    try:
        registration = registration_create(
            session_id=session.pk,
            name=data["name"],
            phone=data["phone"],
            party_size=data["party_size"],
            email=data["email"],
            organisation=data["organisation"],
            language=data["language"],
            consent_version=settings.PRIVACY_NOTICE_VERSION,
            user=request.user,
            join_waitlist=data["join_waitlist"],
            phone_verified=phone_verified,
            browser_key=_browser_key(request),
            session=session,
        )
    except RegistrationError as error:
        if error.code == "duplicate" and _owns(request, error.registration):
            messages.info(
                request,
                _("This phone number is already registered for this session. Here is the ticket."),
            )
            response = redirect(_manage_url(error.registration))
            _remember_ticket(request, response, error.registration.ticket_code)
            return response
        field = {
            "party_too_large": "party_size",
            "full": "join_waitlist",
            "noshow_restricted": "join_waitlist",
            "invalid_phone": "phone",
            "duplicate": "phone",
        }.get(error.code)
        message = error.message
        if error.code == "duplicate":
            message = _(
                "This phone number is already registered for this session. The ticket can "
                "be sent again to the e-mail address or phone number given when registering: "
                "use the form below to send it."
            )
        form.add_error(field, message)
        if error.code in ("full", "noshow_restricted"):
            # Offer the waiting list with the box ticked; everything typed is kept.
            form.data = form.data.copy()
            form.data["join_waitlist"] = "on"
        form.duplicate = error.code == "duplicate"
        form.busy = error.code == "busy"
        form.full = error.code == "full"
        return None
    if registration.status == Registration.Status.CONFIRMED:
        messages.success(request, _("You are registered. Your ticket is below."))
    else:
        messages.info(
            request,
            _(
                "You are on the waiting list. If places become free you move up in order, "
                "and we tell you by e-mail."
            ),
        )
    response = redirect(_manage_url(registration))
    _remember_ticket(request, response, registration.ticket_code)
    return response


@require_POST
def ticket_resend(request: HttpRequest, session_id: int) -> HttpResponse:
    """E-mail the ticket of a phone number's registration again, to the address on file.

    The answer is the same whether or not the number is registered, so the form cannot be
    used to find out who registered.
    """
    session = get_object_or_404(Session.objects.select_related("activity"), pk=session_id)
    form = TicketResendForm(request.POST)
    limited = rate_limit_hit(
        scope="resend-ip", key=client_ip(request), rate=settings.REGISTRATION_RATE_IP
    )
    if limited or not form.is_valid():
        messages.error(
            request, _rate_limited_message() if limited else _("Enter a valid mobile number.")
        )
        return redirect("events:register", session_id=session.pk)
    if not rate_limit_hit(
        scope="resend-phone", key=form.cleaned_data["phone"], rate=settings.REGISTRATION_RATE_PHONE
    ):
        registration = Registration.objects.filter(
            session=session,
            phone=form.cleaned_data["phone"],
            status__in=Registration.ACTIVE_STATUSES,
        ).first()
        if registration is not None:
            registration_ticket_resend(registration=registration)
    messages.info(
        request,
        _(
            "If this number is registered for the session, the ticket has been sent again: "
            "to the e-mail address given when registering, or else by text message to the "
            "number."
        ),
    )
    return redirect("events:register", session_id=session.pk)


def _registration_from_token(request: HttpRequest, token: str) -> Registration | HttpResponse:
    try:
        code = manage_token_read(token)
    except TokenInvalid as error:
        return render(
            request,
            "events/registration/link_invalid.html",
            {"expired": error.expired},
            status=410 if error.expired else 404,
        )
    registration = (
        Registration.objects.select_related("session__activity").filter(ticket_code=code).first()
    )
    if registration is None:
        return render(
            request, "events/registration/link_invalid.html", {"expired": False}, status=404
        )
    return registration


@never_cache  # the ticket and its link: never kept by a browser or a shared cache
def manage(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration_from_token(request, token)
    if isinstance(registration, HttpResponse):
        return registration
    # The page's language, not the one the registration was made in.
    details = ticket_details(registration=registration, language=get_language())
    session = registration.session
    changeable = registration_can_change(registration, now=timezone.now())
    party_form = None
    if changeable and session.max_party_size > 1:
        party_form = PartySizeForm(initial={"party_size": registration.party_size}, session=session)
    context = {
        **details,
        "token": token,
        "qr": (
            ticket_qr_svg(details["qr_token"], title=_("Ticket QR code"))
            if details["qr_token"]
            else ""
        ),
        "changeable": changeable,
        "party_form": party_form,
        "waitlist_position": _waitlist_position(registration),
        "meeting_link": meeting_link_for(
            registration=registration, session_cancelled=details["session_cancelled"]
        ),
        # The holder of this link is the visitor: after the visit, they rate it here too.
        "rating_prompt": rating_prompt(
            kind="open_day_visit", object_id=registration.pk, holder=True
        ),
    }
    return render(request, "events/registration/ticket.html", context)


def _waitlist_position(registration: Registration) -> int | None:
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        session_id=registration.session_id,
        status=Registration.Status.WAITLISTED,
        created_at__lt=registration.created_at,
    ).count()
    return ahead + 1


def manage_ics(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration_from_token(request, token)
    if isinstance(registration, HttpResponse):
        return registration
    response = HttpResponse(
        registration_ics(registration=registration, language=get_language()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="open-day-{registration.ticket_code}.ics"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def manage_party_size(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration_from_token(request, token)
    if isinstance(registration, HttpResponse):
        return registration
    form = PartySizeForm(request.POST, session=registration.session)
    if not form.is_valid():
        messages.error(request, _("Choose a number of people from the list."))
        return redirect("events:registration_manage", token=token)
    try:
        registration_change_party_size(
            registration_id=registration.pk,
            party_size=form.cleaned_data["party_size"],
            by=request.user,
        )
    except RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The number of people has been changed."))
    return redirect("events:registration_manage", token=token)


@require_http_methods(["GET", "POST"])
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration_from_token(request, token)
    if isinstance(registration, HttpResponse):
        return registration
    if request.method == "POST":
        try:
            registration_cancel(
                registration_id=registration.pk,
                by=request.user,
                note="cancelled by registrant",
                by_registrant=True,
            )
        except RegistrationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Your registration has been cancelled. Thank you for freeing your place."),
            )
        return redirect("events:registration_manage", token=token)
    context = {
        **ticket_details(registration=registration, language=get_language()),
        "token": token,
    }
    return render(request, "events/registration/cancel_confirm.html", context)


@login_required
def my_registrations(request: HttpRequest) -> HttpResponse:
    registrations = list(registration_list_for_user(user=request.user))
    activities = activities_in_language(
        activities={r.session.activity for r in registrations}, language=get_language()
    )
    items = [
        {
            "registration": registration,
            "activity": activities[registration.session.activity_id],
            "manage_url": _manage_url(registration),
        }
        for registration in registrations
    ]
    return render(request, "events/registration/mine.html", {"items": items})


urlpatterns = [
    path("session/<id:session_id>/", register, name="register"),
    path("session/<id:session_id>/resend/", ticket_resend, name="ticket_resend"),
    path("ticket/<str:token>/", manage, name="registration_manage"),
    path("ticket/<str:token>/calendar.ics", manage_ics, name="registration_ics"),
    path("ticket/<str:token>/party-size/", manage_party_size, name="registration_party_size"),
    path("ticket/<str:token>/cancel/", manage_cancel, name="registration_cancel"),
    path("mine/", my_registrations, name="my_registrations"),
]
