"""E-mails rendered from templates: ``emails/<template>_subject.txt``, ``emails/<template>.txt``
and, if it exists, ``emails/<template>.html``. The caller activates the recipient's
language first."""

from __future__ import annotations

from typing import NamedTuple

from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string


class RenderedEmail(NamedTuple):
    subject: str  # on one line: the template's line breaks and runs of spaces collapsed
    text: str
    html: str  # "" when the template has no HTML part


def email_render(*, template: str, context: dict) -> RenderedEmail:
    """The subject, plain text and HTML of e-mail ``template`` rendered with ``context``."""
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context)
    try:
        html = render_to_string(f"emails/{template}.html", context)
    except TemplateDoesNotExist:
        html = ""
    return RenderedEmail(subject=subject, text=text, html=html)
