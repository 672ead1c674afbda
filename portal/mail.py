"""E-mails rendered from templates: ``emails/<template>_subject.txt``, ``emails/<template>.txt``
and, if it exists, ``emails/<template>.html``. The caller activates the recipient's
language first."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


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


def greeting_name(user: AbstractBaseUser | None) -> str:
    """The name a message to ``user`` greets them by: their full name, or "" for the
    neutral greeting of ``emails/_greeting.txt``. Never the login name or the e-mail
    address (a greeting "Hello ent_8412," or "Hello li@example.com," reads as a
    machine's; callers that know the person's own name, such as a booking's contact
    person, pass that instead)."""
    if user is None:
        return ""
    get_full_name = getattr(user, "get_full_name", None)
    return (get_full_name() if get_full_name else "").strip()
