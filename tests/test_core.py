"""The core every app builds on (``portal``): the one domain error base, phones, tickets,
e-mail rendering and calendar parts."""

from __future__ import annotations

import datetime
import inspect
import zoneinfo

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from consultations.exceptions import ConsultationError
from consultations.services.availability import AvailabilityError
from enterprises.services import EnterpriseError
from events.exceptions import RegistrationError, SessionError
from labvisits.exceptions import LabVisitError
from portal.calendar import calendar_new, local_time, when
from portal.errors import Busy, DomainError
from portal.forms import PlainErrorsMixin
from portal.mail import email_render
from portal.phones import InvalidPhone, phone_display, phone_grouped, phone_mask, phone_normalise
from portal.privacy import PrivacyError
from portal.tickets import (
    TICKET_ALPHABET,
    TicketUnreadable,
    qr_token_make,
    ticket_code_new,
    ticket_code_read,
)
from verification.services import VerificationError

pytestmark = pytest.mark.django_db

APP_ERRORS = [
    RegistrationError,
    SessionError,
    LabVisitError,
    ConsultationError,
    AvailabilityError,
    EnterpriseError,
    PrivacyError,
    VerificationError,
    InvalidPhone,
    TicketUnreadable,
    Busy,
]


@pytest.mark.parametrize("error_class", APP_ERRORS, ids=lambda c: c.__name__)
def test_every_domain_error_has_a_message_and_a_code(error_class):
    assert issubclass(error_class, DomainError)
    if error_class in (InvalidPhone, TicketUnreadable) or error_class is Busy:
        error = error_class("Refused.")
    else:
        error = error_class("Refused.", code="some_rule")
    assert str(error) == error.message == "Refused."
    assert error.code in ("some_rule", "invalid_phone", "unknown_ticket", "busy")


@pytest.mark.parametrize(
    "error_class", [c for c in APP_ERRORS if c not in (InvalidPhone, TicketUnreadable, Busy)]
)
def test_the_code_is_keyword_only(error_class):
    assert inspect.signature(error_class).parameters["code"].kind == inspect.Parameter.KEYWORD_ONLY
    with pytest.raises(TypeError):
        error_class("Refused.", "some_rule")


def test_the_extra_details_of_some_errors_are_kept():
    assert RegistrationError("x", code="duplicate", registration=None).registration is None
    assert VerificationError("x", code="wrong_code", attempts_left=2).attempts_left == 2


def test_busy_says_nothing_was_saved():
    with translation.override("en"):
        assert Busy().code == "busy"
        assert "Nothing has been saved or changed" in Busy().message


# --- Phones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812341234",
        "+86 138-1234-1234",
        "１３８１２３４１２３４",  # full-width digits
        "＋８６　１３８　１２３４　１２３４",  # full-width plus, ideographic spaces
        "138\u30001234－1234",  # ideographic space, full-width hyphen
        "138\u20141234\u20131234",  # em and en dashes
    ],
)
def test_phone_normalise_accepts_what_input_methods_type(raw):
    assert phone_normalise(raw) == "+8613812341234"


@pytest.mark.parametrize(
    "raw", ["１２３", "２３８１２３４１２３４", "１３８１２３４１２３４５", ""]
)
def test_phone_normalise_refuses_full_width_non_mobiles(raw):
    with pytest.raises(InvalidPhone):
        phone_normalise(raw)


def test_phone_grouped_for_people_to_read():
    assert phone_grouped("+8613812345678") == "138 1234 5678"
    assert phone_grouped("023-63861234") == "023-6386 1234"
    assert phone_grouped("0755-1234567") == "0755-123 4567"
    assert phone_grouped("call the office") == "call the office"
    assert phone_grouped("") == ""


def test_phone_mask_for_staff_and_for_the_text_message_logs():
    assert phone_mask("+8613812341234") == "138 **** 1234"
    assert phone_mask("+8613812341234", grouped=False) == "138****1234"
    assert phone_mask("") == "****"
    assert phone_mask("+8613812341234", keep_prefix=True) == "+86138****1234"
    assert phone_mask("+14155550123", keep_prefix=True) == "+141****0123"
    assert phone_mask("12345", keep_prefix=True) == "*2345"
    assert phone_mask("", keep_prefix=True) == ""


def test_phone_display_masks_unless_the_viewer_may_see_numbers_in_full(django_user_model):
    assert phone_display("+8613812341234", user=AnonymousUser()) == "138 **** 1234"
    admin = django_user_model.objects.create(username="root", is_superuser=True)
    assert phone_display("+8613812341234", user=admin) == "138 1234 1234"
    # downloads keep the compact form a spreadsheet reads back
    assert phone_display("+8613812341234", user=admin, grouped=False) == "13812341234"
    assert phone_display("+8613812341234", user=AnonymousUser(), grouped=False) == "138****1234"
    assert phone_display("", user=admin) == ""


# --- Tickets -----------------------------------------------------------------------------


def test_ticket_codes_use_no_look_alikes_and_read_back_from_qr_or_typing():
    code = ticket_code_new()
    assert len(code) == 8 and set(code) <= set(TICKET_ALPHABET)
    assert ticket_code_read(qr_token_make(code)) == code
    assert ticket_code_read(f" {code[:4].lower()}-{code[4:]} ") == code


@pytest.mark.parametrize("ticket", ["", "AB", qr_token_make("ABCD2345")[:-3]])
def test_a_forged_or_impossible_ticket_is_unreadable(ticket):
    with pytest.raises(TicketUnreadable) as raised:
        ticket_code_read(ticket)
    assert raised.value.code == "unknown_ticket"


# --- E-mails and calendars ---------------------------------------------------------------


def test_email_render_gives_a_one_line_subject_text_and_html():
    context = {"subject": "Line one\n  and   two", "message": "The body."}
    with translation.override("en"):
        rendered = email_render(template="notice", context=context)
    assert rendered.subject == "Portal notice: Line one and two"
    assert "The body." in rendered.text
    assert rendered.html == ""  # the template has no HTML part


class _Span:
    def __init__(self, starts_at, ends_at):
        self.starts_at, self.ends_at = starts_at, ends_at


def test_calendar_parts_write_the_portal_time_zone():
    utc = zoneinfo.ZoneInfo("UTC")
    span = _Span(
        datetime.datetime(2026, 5, 1, 1, 0, tzinfo=utc),
        datetime.datetime(2026, 5, 1, 3, 0, tzinfo=utc),
    )
    assert local_time(span.starts_at).hour == 9  # Asia/Shanghai
    calendar = calendar_new(prodid="-//test//EN", method="PUBLISH", spans=[span])
    text = calendar.to_ical().decode()
    assert "METHOD:PUBLISH" in text and "BEGIN:VTIMEZONE" in text
    with translation.override("en"):
        assert when(span).startswith("When: ")


# --- Form errors -------------------------------------------------------------------------


def test_plain_errors_keep_a_forms_own_message_and_a_files_name_length():
    class Form(PlainErrorsMixin, forms.Form):
        title = forms.CharField(max_length=5, error_messages={"max_length": "Short, please."})
        kind = forms.ChoiceField(choices=[("a", "A")])
        upload = forms.FileField(max_length=5, required=False)

    with translation.override("en"):
        form = Form({"title": "toolong", "kind": "b"})
        assert form.errors == {
            "title": ["Short, please."],
            "kind": ["Please choose one of the options."],
        }
        upload = SimpleUploadedFile("too-long.txt", b"x")
        form = Form({"title": "ok", "kind": "a"}, {"upload": upload})
        assert [e.code for e in form.errors.as_data()["upload"]] == ["max_length"]
        assert "Ensure this filename has at most 5 characters" in form.errors["upload"][0]
