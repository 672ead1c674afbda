from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminPageForm

from events.choices import SessionFormat
from portal.forms import NameField, PlainErrorsMixin
from portal.phones import InvalidPhone, phone_normalise
from verification.forms import code_field


class ActivityPageForm(WagtailAdminPageForm):
    """Refuses to delete a session that people have registered for."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("sessions")
        if formset is None:
            return cleaned
        needs_venue = False
        for form in formset.forms:
            session = form.instance
            if not _marked_for_deletion(form):
                needs_venue |= self._clean_session_format(form)
            if not session.pk or not _marked_for_deletion(form):
                continue
            if session.registrations.exists():
                form.add_error(
                    None,
                    _(
                        "This session cannot be deleted: people have registered for it. "
                        "Cancel the session's registrations first, or change its time instead."
                    ),
                )
                self.add_error(
                    None,
                    _("A session with registrations cannot be deleted (see the sessions below)."),
                )
        if needs_venue and not (cleaned.get("venue") and cleaned.get("address")):
            for name in ("venue", "address"):
                if not cleaned.get(name):
                    self.add_error(
                        name,
                        _("Required: a session of this activity takes place in person."),
                    )
        return cleaned

    @staticmethod
    def _clean_session_format(form) -> bool:
        """An in-person or hybrid session needs a number of places (a room has a limit);
        returns whether the session needs the activity's venue."""
        form.is_valid()  # the rows are cleaned after the page form: clean this one now
        data = getattr(form, "cleaned_data", None) or {}
        session_format = data.get("format") or SessionFormat.IN_PERSON
        if session_format == SessionFormat.ONLINE:
            return False
        if data and data.get("capacity") is None and "capacity" not in form.errors:
            form.add_error(
                "capacity", _("Required for a session in person: the places in the room.")
            )
        return bool(data)


def _marked_for_deletion(form) -> bool:
    """Whether the editor ticked a formset row's delete box (read from the raw data, as the
    row itself may not have been validated yet when the page form is cleaned)."""
    field = form.fields.get("DELETE")
    if field is None:
        return False
    raw = field.widget.value_from_datadict(form.data, form.files, form.add_prefix("DELETE"))
    return bool(field.clean(raw))


def _consent_label(privacy_url: str) -> SafeString:
    if privacy_url:
        return format_html(
            _("I have read and agree to the {link}privacy notice{end}."),
            link=format_html('<a href="{}" target="_blank" rel="noopener">', privacy_url),
            end=mark_safe("</a>"),  # noqa: S308 - a constant closing tag
        )
    return conditional_escape(_("I agree that my details are kept to manage this registration."))


# Made once: ``lazy()`` builds a proxy class each time it is called.
_consent_label_lazy = lazy(_consent_label, SafeString)


class RegistrationForm(PlainErrorsMixin, forms.Form):
    """The public registration form of one session. Rules are checked by the service; the
    form only checks what can be told from the input itself."""

    name = NameField(
        label=gettext_lazy("Name"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile phone"),
        max_length=30,
        help_text=gettext_lazy(
            "A mainland China mobile number, e.g. 138 1234 5678. It identifies your ticket "
            "at the entrance; one number can register once per session."
        ),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("E-mail (optional)"),
        required=False,
        max_length=254,
        help_text=gettext_lazy(
            "Optional, but without it we cannot send you the ticket, changes or reminders "
            "by e-mail."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    organisation = NameField(
        label=gettext_lazy("Organisation (optional)"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    party_size = forms.TypedChoiceField(label=gettext_lazy("Number of people"), coerce=int)
    language = forms.ChoiceField(
        label=gettext_lazy("Language for e-mails"),
        choices=settings.LANGUAGES,
    )
    join_waitlist = forms.BooleanField(
        label=gettext_lazy("If no places are left, put me on the waiting list"),
        required=False,
    )
    consent = forms.BooleanField(
        required=True,
        error_messages={
            "required": gettext_lazy(
                "Please agree to the privacy notice: we need your consent to keep your "
                "registration."
            )
        },
    )
    # Honeypot: hidden from people (CSS and aria-hidden), filled in by naive bots.
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, session, privacy_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        # Set by the view from the service's answer: the phone holds a registration
        # already; the session's lock was not granted in time (try again).
        self.duplicate = False
        self.busy = False
        self.full = False
        self.rate_limited = False
        self.fields["party_size"].choices = [
            (n, str(n)) for n in range(1, session.max_party_size + 1)
        ]
        if session.max_party_size == 1:
            self.fields["party_size"].widget = forms.HiddenInput()
            self.fields["party_size"].initial = 1
        # Built when the label is shown: ``privacy_url`` may be lazy (the view reads the
        # site settings only for a page it renders).
        self.fields["consent"].label = _consent_label_lazy(privacy_url)
        # The code that proves the number (``verification``), right after it.
        self.code_notice = ""
        self.phone_proved = ""
        if settings.PHONE_VERIFICATION:
            fields = list(self.fields.items())
            at = [name for name, _field in fields].index("phone") + 1
            self.fields = dict([*fields[:at], ("code", code_field()), *fields[at:]])

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Please enter your name."))
        return name

    def clean_phone(self) -> str:
        try:
            return phone_normalise(self.cleaned_data["phone"])
        except InvalidPhone as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class PartySizeForm(PlainErrorsMixin, forms.Form):
    party_size = forms.TypedChoiceField(label=gettext_lazy("Number of people"), coerce=int)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_size"].choices = [
            (n, str(n)) for n in range(1, session.max_party_size + 1)
        ]


class TicketResendForm(PlainErrorsMixin, forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Mobile phone you registered with"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self) -> str:
        try:
            return phone_normalise(self.cleaned_data["phone"])
        except InvalidPhone as error:
            raise forms.ValidationError(error.message, code=error.code) from None
