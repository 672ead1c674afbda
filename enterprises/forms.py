"""Forms of the enterprise pages. Rules are checked by the services; the forms check what
the input itself can tell (the credit code's format, the phone's shape)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from enterprises.services import EnterpriseError, contact_phone_normalise
from enterprises.validators import credit_code_validate
from portal.forms import NameField, PlainErrorsMixin

CREDIT_CODE_HELP = _(
    "18 characters, printed on the business licence (营业执照). Spaces are ignored; "
    "the letters I, O, S, V and Z never occur."
)


class CreditCodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Unified social credit code"))
        kwargs.setdefault("help_text", CREDIT_CODE_HELP)
        kwargs.setdefault("max_length", 40)  # room for spaces and hyphens typed in
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return credit_code_validate(value) if value else value


class EnterpriseProfileForm(PlainErrorsMixin, forms.Form):
    name = NameField(
        label=_("Enterprise name"),
        max_length=200,
        help_text=_("The full name as on the business licence."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    industry = forms.ChoiceField(
        label=_("Industry"), choices=Enterprise._meta.get_field("industry").choices
    )
    district = forms.ChoiceField(
        label=_("District"), choices=Enterprise._meta.get_field("district").choices
    )
    zone = forms.ChoiceField(
        label=_("Functional zone"),
        choices=[("", _("None")), *Enterprise._meta.get_field("zone").choices],
        required=False,
        help_text=_(
            "A national-level zone such as the Liangjiang New Area, if the enterprise lies in one."
        ),
    )
    size = forms.ChoiceField(label=_("Size"), choices=Enterprise.Size.choices)
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    contact_name = NameField(
        label=_("Contact person"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        help_text=_("A mobile number, or a fixed line with its area code, e.g. 023-6386 1234."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_contact_phone(self) -> str:
        try:
            return contact_phone_normalise(self.cleaned_data["contact_phone"])
        except EnterpriseError as error:
            raise ValidationError(error.message, code=error.code) from None


class EnterpriseCreateForm(EnterpriseProfileForm):
    credit_code = CreditCodeField()
    # Left empty, the district is read from the credit code (``enterprise_create``).
    district = forms.ChoiceField(
        label=_("District"),
        choices=[
            ("", _("Take it from the credit code")),
            *Enterprise._meta.get_field("district").choices,
        ],
        required=False,
        help_text=_(
            "Characters 3-8 of the credit code name the district that issued it; choose "
            "another if the enterprise has moved."
        ),
    )

    field_order = ["name", "credit_code"]


class JoinForm(PlainErrorsMixin, forms.Form):
    credit_code = CreditCodeField(
        help_text=_(
            "The credit code of the enterprise you work for. Its owner on the portal "
            "approves your request."
        )
    )
