"""Form fields every app uses."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

# The range of a database integer key (PostgreSQL bigint, SQLite INTEGER).
KEY_MIN, KEY_MAX = -(2**63), 2**63 - 1
# The dates a form or a filter takes; anything outside is a typing error (and 0001-01-01
# would become year 0 in UTC, 9999-12-31 plus a day an overflow: a 500).
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2999, 12, 31)


class DateField(forms.DateField):
    """Django's field, taking only dates from ``FIRST_DAY`` to ``LAST_DAY``."""

    def validate(self, value) -> None:
        super().validate(value)
        if value and not FIRST_DAY <= value <= LAST_DAY:
            raise ValidationError(
                _("Enter a date between %(first)s and %(last)s."),
                code="out_of_range",
                params={
                    "first": date_format(FIRST_DAY, "SHORT_DATE_FORMAT"),
                    "last": date_format(LAST_DAY, "SHORT_DATE_FORMAT"),
                },
            )


def _beyond_a_key(value) -> bool:
    """Whether ``value`` is a number no integer key can be."""
    try:
        number = int(str(value))
    except ValueError:
        return False  # not a number: Django's own checks refuse it
    return not KEY_MIN <= number <= KEY_MAX


class ModelChoiceField(forms.ModelChoiceField):
    """Django's field, refusing a number beyond 64 bits as an invalid choice, where the
    database would raise an overflow error (a 500)."""

    def to_python(self, value):
        if self.to_field_name is None and value not in self.empty_values and _beyond_a_key(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing a number no integer key can be (beyond 64 bits) as an
    invalid choice, where the database would raise an overflow error (a 500)."""

    def _check_values(self, value):
        if self.to_field_name is None and value is not None:
            for item in value if isinstance(value, list | tuple) else [value]:
                if _beyond_a_key(item):
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": item},
                    )
        return super()._check_values(value)


# Bidirectional controls (they reorder what follows: "\u202eexe.pdf" shows as "fdp.exe") and
# invisible zero-width characters: never part of a name.
_INVISIBLE = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def text_visible(value: str) -> str:
    """``value`` without bidirectional controls or zero-width characters, its whitespace
    runs made single spaces."""
    return " ".join(_INVISIBLE.sub("", value).split())


class NameField(forms.CharField):
    """A person's or an organisation's name, as it will be shown: no bidirectional control
    or zero-width character, single spaces."""

    def to_python(self, value):
        value = super().to_python(value)
        return text_visible(value) if value else value


# Django's wording of these errors is a programmer's ("Ensure this value has at most 60
# characters (it has 61).", "Select a valid choice. 0 is not one of the available
# choices."); the public forms say it plainly.
PLAIN_ERROR_MESSAGES = {
    "max_length": _("Please use at most %(limit_value)d characters."),
    "invalid_choice": _("Please choose one of the options."),
}


def _django_error_messages(field: forms.Field) -> dict:
    """The messages a field of this class has unless its form gave others."""
    messages: dict = {}
    for klass in reversed(type(field).__mro__):
        messages.update(getattr(klass, "default_error_messages", {}))
    return messages


def field_errors_plain(field: forms.Field) -> None:
    """Gives ``field`` the plain messages of ``PLAIN_ERROR_MESSAGES`` where it would show
    Django's own; a message the form chose stays."""
    django = _django_error_messages(field)
    for code, plain in PLAIN_ERROR_MESSAGES.items():
        if code == "max_length" and not isinstance(field, forms.CharField):
            continue  # a file's "max_length" is about its name, with other parameters
        if field.error_messages.get(code) is django.get(code):
            field.error_messages[code] = plain


class PlainErrorsMixin:
    """For the public forms: every field, including those added in ``__init__``, answers
    an over-long text or an unknown choice with a plain message."""

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        for field in self.fields.values():
            field_errors_plain(field)
        super().full_clean()  # type: ignore[misc]
