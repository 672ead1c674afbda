"""Filters of the staff lists (django-filter), safe at the edges of their input.

A date at the edge of the calendar or a key beyond 64 bits would otherwise reach the
database and fail there (a 500); here they are refused as invalid input, like a typing
error (``portal.forms``).
"""

from __future__ import annotations

import django_filters
from django_filters.fields import DateRangeField, RangeField

from portal.forms import DateField, ModelChoiceField


class BoundedDateRangeField(DateRangeField):
    def __init__(self, *args, **kwargs):
        RangeField.__init__(self, (DateField(), DateField()), *args, **kwargs)


class DateFromToRangeFilter(django_filters.DateFromToRangeFilter):
    field_class = BoundedDateRangeField


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ModelChoiceField
