from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.forms import PlainErrorsMixin
from portal.phones import InvalidPhone, phone_normalise


def _code_help() -> str:
    return _(
        "We send a 6-digit code by text message to the number above: press “Send code”. "
        "Not needed if you verified this number on this device, or on your account, in the "
        "last %(days)d days."
    ) % {"days": settings.PHONE_VERIFICATION_DAYS}


_code_help_lazy = lazy(_code_help, str)


def code_field() -> forms.CharField:
    """The verification code as forms ask for it (optional: a number verified before needs
    none; the view says when one is missing)."""
    return forms.CharField(
        label=gettext_lazy("Verification code"),
        required=False,
        max_length=12,
        help_text=_code_help_lazy(),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "size": "8",
            }
        ),
    )


class PhoneVerifyForm(PlainErrorsMixin, forms.Form):
    """Prove a number ahead of time: the number, then the code sent to it."""

    phone = forms.CharField(
        label=gettext_lazy("Mobile phone"),
        max_length=30,
        help_text=gettext_lazy("A mainland China mobile number, e.g. 138 1234 5678."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    code = code_field()

    def clean_phone(self) -> str:
        try:
            return phone_normalise(self.cleaned_data["phone"])
        except InvalidPhone as error:
            raise forms.ValidationError(error.message, code="invalid_phone") from None
