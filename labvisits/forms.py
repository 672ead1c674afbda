"""Forms of the lab-visit pages. They check shapes; the rules live in the services."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from experts.models import Lab
from labvisits.models import Instrument
from labvisits.services import (
    SLOT_CAPACITY_MAX,
    visitor_names_mismatch_error,
    visitor_names_split,
)
from portal.forms import DateField, ModelChoiceField, NameField, PlainErrorsMixin
from portal.phones import InvalidPhone, phone_normalise


class LabVisitRequestForm(PlainErrorsMixin, forms.Form):
    group_size = forms.IntegerField(label=_("Number of visitors"), min_value=1)
    visitor_names = forms.CharField(
        label=_("Names of the visitors"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One name per line, one line for each visitor."),
    )
    purpose = forms.CharField(
        label=_("Purpose of the visit"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What your enterprise wants to see or learn, e.g. a test method or a product."),
    )
    contact_name = NameField(label=_("Contact person"), max_length=60)
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=20, help_text=_("A mainland China mobile number.")
    )

    def __init__(self, *args, max_group: int, machine_time: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group_size"].widget.attrs["max"] = max_group
        self.max_group = max_group
        if machine_time:
            # Machine time on a shared instrument: the group is the people who come to run
            # the tests, the purpose is the samples and tests (stored as the visit's).
            self.fields["group_size"].label = _("Number of operators")
            self.fields["visitor_names"].label = _("Names of the operators")
            self.fields["visitor_names"].help_text = _(
                "One name per line, one line for each person who comes to run the tests."
            )
            self.fields["purpose"].label = _("Samples and tests to run")
            self.fields["purpose"].help_text = _(
                "The samples you bring (material, number, size) and the tests or conditions "
                "you need."
            )

    def clean_group_size(self) -> int:
        size = self.cleaned_data["group_size"]
        if size > self.max_group:
            raise ValidationError(
                _("A visit to this lab may bring 1 to %(max)d people."),
                params={"max": self.max_group},
            )
        return size

    def clean_contact_phone(self) -> str:
        try:
            return phone_normalise(self.cleaned_data["contact_phone"])
        except InvalidPhone as error:
            raise ValidationError(error.message) from None

    def clean(self):
        data = super().clean()
        size, names = data.get("group_size"), data.get("visitor_names")
        if size and names:
            # The service checks the same (and the table's constraint counts the lines).
            count = len(visitor_names_split(names))
            if count != size:
                self.add_error(
                    "visitor_names", visitor_names_mismatch_error(names=count, size=size).message
                )
        return data


class DecideForm(PlainErrorsMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("decline", _("Decline"))],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason (required to decline)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(PlainErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class VisitSlotForm(PlainErrorsMixin, forms.Form):
    lab = ModelChoiceField(label=_("Lab"), queryset=Lab.objects.none())
    instrument = ModelChoiceField(
        label=_("Shared instrument (optional)"),
        queryset=Instrument.objects.none(),
        required=False,
        help_text=_("Choose one to offer machine time on it instead of a lab visit."),
    )
    date = DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Start"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("End"), widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(
        label=_("Visitors in total"),
        min_value=1,
        max_value=SLOT_CAPACITY_MAX,
        help_text=_("Several groups may share a slot; each group is limited by the lab."),
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args, labs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs
        self.fields["lab"].label_from_instance = lambda lab: lab.display_name
        self.fields["instrument"].queryset = Instrument.objects.filter(
            lab__in=labs, active=True
        ).select_related("lab")
        self.fields["instrument"].label_from_instance = lambda i: (
            f"{i.display_name} · {i.lab.display_name}"
        )

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("start") and data.get("end"):
            tz = timezone.get_current_timezone()
            data["starts_at"] = datetime.datetime.combine(data["date"], data["start"], tzinfo=tz)
            data["ends_at"] = datetime.datetime.combine(data["date"], data["end"], tzinfo=tz)
        return data
