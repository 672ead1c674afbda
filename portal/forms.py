"""Form fields every app uses."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

# The range of a database integer key (PostgreSQL bigint, SQLite INTEGER).
KEY_MIN, KEY_MAX = -(2**63), 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing a number no integer key can be (beyond 64 bits) as an
    invalid choice, where the database would raise an overflow error (a 500)."""

    def _check_values(self, value):
        if self.to_field_name is None and value is not None:
            for item in value if isinstance(value, list | tuple) else [value]:
                try:
                    number = int(str(item))
                except ValueError:
                    continue  # not a number: Django's own check refuses it
                if not KEY_MIN <= number <= KEY_MAX:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": item},
                    )
        return super()._check_values(value)
