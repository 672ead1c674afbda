from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import PlainErrorsMixin
from ratings.models import Level


class RatingForm(PlainErrorsMixin, forms.Form):
    """The five levels, best first, and an optional comment."""

    level = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=Level.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
