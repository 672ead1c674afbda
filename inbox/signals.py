"""Remember the language a user signs in with, so messages reach them in it."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation


@receiver(user_logged_in, dispatch_uid="inbox_language_on_login")
def remember_language(sender, request, user, **kwargs) -> None:
    from inbox.services import user_language_set

    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
    if language:
        user_language_set(user=user, language=language)
