"""Forms of the availability page and of the expert matching page. They check only what
the input itself tells; the rules live in ``consultations.services.availability``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consultations.models import Availability, Mode
from experts.models import Expert
from portal.choices import District, Field, Service
from portal.forms import DateField, ModelMultipleChoiceField, PlainErrorsMixin
from portal.models import ServiceType

SLOT_LENGTH_CHOICES = [
    (30, _("30 minutes")),
    (45, _("45 minutes")),
    (60, _("1 hour")),
    (90, _("1.5 hours")),
    (120, _("2 hours")),
    (180, _("3 hours")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class _BlockForm(PlainErrorsMixin, forms.Form):
    """Fields shared by a weekly rule and a single block."""

    start_time = forms.TimeField(label=_("Start time"), widget=TimeInput())
    end_time = forms.TimeField(label=_("End time"), widget=TimeInput())
    slot_minutes = forms.TypedChoiceField(
        label=_("Length of one consultation"),
        choices=SLOT_LENGTH_CHOICES,
        coerce=int,
        initial=60,
        help_text=_("The time is split into consultations of this length."),
    )
    mode = forms.ChoiceField(label=_("Where"), choices=Mode.choices)
    services = ModelMultipleChoiceField(
        label=_("Services offered"),
        queryset=ServiceType.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one service.")},
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args, expert: Expert, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = expert.services.all()
        if not self.is_bound:
            self.fields["services"].initial = list(expert.services.all())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The end time must be later than the start time."))
        return cleaned


class WeeklyRuleForm(_BlockForm):
    kind = Availability.Kind.WEEKLY

    weekday = forms.TypedChoiceField(
        label=_("Day of the week"), choices=Availability.Weekday.choices, coerce=int
    )
    start_date = DateField(label=pgettext_lazy("start of a date range", "From"), widget=DateInput())
    end_date = DateField(
        label=pgettext_lazy("end date", "Until (optional)"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty to repeat until you change it."),
    )

    field_order = ["weekday", "start_date", "end_date", "start_time", "end_time"]

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("start_date"), cleaned.get("end_date")
        if first and last and last < first:
            self.add_error("end_date", _("The last date must not be before the first date."))
        return cleaned


class SingleBlockForm(_BlockForm):
    kind = Availability.Kind.SINGLE

    date = DateField(label=_("Date"), widget=DateInput())

    field_order = ["date", "start_time", "end_time"]


class ExceptionForm(PlainErrorsMixin, forms.Form):
    date = DateField(label=_("Date"), widget=DateInput())
    start_time = forms.TimeField(
        label=_("From (optional)"),
        required=False,
        widget=TimeInput(),
        help_text=_("Leave both times empty for the whole day."),
    )
    end_time = forms.TimeField(
        label=pgettext_lazy("end time", "Until (optional)"), required=False, widget=TimeInput()
    )
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if (start is None) != (end is None) and not self.errors:
            self.add_error(
                None, _("Give both a start and an end time, or neither for the whole day.")
            )
        elif start and end and end <= start:
            self.add_error("end_time", _("The end time must be later than the start time."))
        return cleaned


class MatchForm(PlainErrorsMixin, forms.Form):
    """What the enterprise needs. Read from the query string (GET)."""

    service = forms.ChoiceField(label=_("Service"), choices=Service.choices)
    field = forms.ChoiceField(
        label=_("Field"), choices=[("", _("Any field")), *Field.choices], required=False
    )
    product = forms.CharField(
        label=_("Product or standard (optional)"), max_length=200, required=False
    )
    text = forms.CharField(
        label=_("Describe your need (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    district = forms.ChoiceField(
        label=_("Your district"),
        choices=[("", _("Any district")), *District.choices],
        required=False,
    )
