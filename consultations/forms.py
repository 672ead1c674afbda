"""Forms of the consultation booking pages. Rules live in the services; these only parse."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.attachments import MAX_FILES
from enterprises.services import EnterpriseError, contact_phone_normalise
from portal.choices import Field, Service
from portal.forms import NameField, PlainErrorsMixin


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django docs, "Uploading multiple files")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


# The booking form's query parameters that carry a need from find-an-expert, and the
# most of each a link carries: a Chinese character takes 9 bytes in a URL, and servers
# refuse a request line longer than 8 KB (nginx's default buffer), so a longer need is
# cut (the enterprise can complete it in the form).
NEED_PARAM, PRODUCT_PARAM = "need", "product"
NEED_MAX, PRODUCT_MAX = 600, 200


def need_query(*, service: str, field: str = "", need: str = "", product: str = "") -> str:
    """The query string (without "?") that opens the booking form with this need."""
    params = {"service": service, "field": field}
    params[NEED_PARAM] = (need or "").strip()[:NEED_MAX]
    params[PRODUCT_PARAM] = (product or "").strip()[:PRODUCT_MAX]
    return urlencode({k: v for k, v in params.items() if v})


def need_initial(query) -> dict[str, str]:
    """Initial values of the booking form from a need carried in ``query`` (a QueryDict):
    the need as the description, the product or standard as such. Only text; the form
    escapes it when it renders, and it is checked again when sent."""
    initial = {}
    need = (query.get(NEED_PARAM) or "").strip()[:NEED_MAX]
    product = (query.get(PRODUCT_PARAM) or "").strip()[:PRODUCT_MAX]
    if need:
        initial["description"] = need
    if product:
        initial["product_or_standard"] = product
    return initial


class ConsultationRequestForm(PlainErrorsMixin, forms.Form):
    service = forms.ChoiceField(label=_("Service"), choices=Service.choices)
    field = forms.ChoiceField(
        label=_("Field (optional)"), choices=[("", "—"), *Field.choices], required=False
    )
    topic = forms.CharField(label=_("Topic"), max_length=200)
    description = forms.CharField(
        label=_("Describe the problem"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    product_or_standard = forms.CharField(
        label=_("Product or standard concerned (optional)"), max_length=200, required=False
    )
    attachments = MultipleFileField(
        label=_("Attachments (optional)"),
        required=False,
        help_text=_("Up to %(count)d PDF, PNG or JPEG files.") % {"count": MAX_FILES},
    )
    contact_name = NameField(label=_("Contact person"), max_length=60)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20)

    def clean_contact_phone(self) -> str:
        """A mobile or a fixed line stored as the enterprise's own (``+86`` and 11 digits,
        ``023-63861234``), so texts reach it and pages show it grouped; anything else (an
        extension, a foreign number) kept as typed."""
        raw = self.cleaned_data["contact_phone"]
        try:
            return contact_phone_normalise(raw)
        except EnterpriseError:
            return raw


class ReasonForm(PlainErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SlotChoiceForm(PlainErrorsMixin, forms.Form):
    slot = forms.TypedChoiceField(label=_("New time"), coerce=int)

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [
            (s.pk, f"{timezone.localtime(s.starts_at):%Y-%m-%d %H:%M}") for s in slots
        ]


class RespondForm(PlainErrorsMixin, forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("1", _("Accept")), ("0", _("Refuse"))], coerce=lambda v: v == "1"
    )


class CompleteForm(PlainErrorsMixin, forms.Form):
    summary = forms.CharField(
        label=_("Summary"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    recommendations = forms.CharField(
        label=_("Recommendations (optional)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
