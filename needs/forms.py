"""Forms of the needs pages. They check shapes; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from needs.selectors import Responder
from portal.choices import District, Field
from portal.forms import DateField, NameField, PlainErrorsMixin
from portal.phones import InvalidPhone, phone_normalise

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BoardFilterForm(forms.Form):
    """The board's GET filters; an unknown value is ignored (the whole board shows)."""

    field = forms.ChoiceField(
        label=_("Testing field"), choices=[("", _("All fields")), *Field.choices], required=False
    )
    district = forms.ChoiceField(
        label=_("District"),
        choices=[("", _("All districts")), *District.choices],
        required=False,
    )


class NeedForm(PlainErrorsMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        help_text=_("What you need, in a few words, e.g. brake disc noise testing."),
    )
    field = forms.ChoiceField(label=_("Testing field"), choices=Field.choices)
    district = forms.ChoiceField(label=_("District"), choices=District.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The product, the tests or standards you have in mind, quantities, timing."),
    )
    deadline = DateField(
        label=_("Offers accepted until"),
        widget=DATE_INPUT,
        help_text=_("A date after today. The need leaves the board after this day."),
    )
    budget_note = forms.CharField(label=_("Budget (optional)"), max_length=200, required=False)
    contact_name = NameField(label=_("Contact person"), max_length=60)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=20,
        help_text=_("A mainland China mobile number. Shown only to the responder you accept."),
    )

    def clean_contact_phone(self) -> str:
        try:
            return phone_normalise(self.cleaned_data["contact_phone"])
        except InvalidPhone as error:
            raise ValidationError(error.message) from None


class OfferForm(PlainErrorsMixin, forms.Form):
    responder = forms.ChoiceField(label=_("Offer on behalf of"))
    message = forms.CharField(
        label=_("Message to the enterprise"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    approach = forms.CharField(
        label=_("Proposed approach"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The tests, standards, equipment or method you propose."),
    )
    fee_note = forms.CharField(label=_("Fee (optional)"), max_length=200, required=False)
    earliest_start = DateField(label=_("Earliest start"), widget=DATE_INPUT)

    def __init__(self, *args, responders: list[Responder], **kwargs):
        super().__init__(*args, **kwargs)
        self.responders = {r.key: r for r in responders}
        self.fields["responder"].choices = [(r.key, r.name) for r in responders]
        if len(responders) == 1:
            self.fields["responder"].initial = responders[0].key
            self.fields["responder"].widget = forms.HiddenInput()

    def clean_responder(self) -> Responder:
        return self.responders[self.cleaned_data["responder"]]


class ConfirmForm(forms.Form):
    """A POST with nothing but the CSRF token (accept, withdraw)."""
