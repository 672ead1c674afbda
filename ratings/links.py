"""The signed link to a rating page: ``kind:id`` signed with its own salt, so nobody can
rate another person's visit by changing a number, and nobody needs to sign in (an open-day
visitor may have no account). A link is good for ``RATING_LINK_MAX_AGE_DAYS``."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

SALT = "ratings.link"


def rating_token_make(*, kind: str, object_id: int) -> str:
    return signing.dumps([kind, object_id], salt=SALT)


def rating_token_read(token: str) -> tuple[str, int] | None:
    """(kind, id) of ``token``; None when it is forged, damaged or too old."""
    max_age = datetime.timedelta(days=getattr(settings, "RATING_LINK_MAX_AGE_DAYS", 60))
    try:
        kind, object_id = signing.loads(token, salt=SALT, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(kind, str) or not isinstance(object_id, int):
        return None
    return kind, object_id


def rating_path(*, kind: str, object_id: int, language: str | None = None) -> str:
    """The site path of the rating page of ``kind`` ``object_id`` in ``language``."""
    token = rating_token_make(kind=kind, object_id=object_id)
    with translation.override(language or translation.get_language()):
        return reverse("ratings:rate", kwargs={"token": token})
