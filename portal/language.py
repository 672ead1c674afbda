"""Django's LocaleMiddleware, except for the paths outside the language prefixes
(``UNPREFIXED_PATHS``: the REST API under ``/api/``), whose language is chosen by the
``lang`` query parameter, else ``Accept-Language``, else the default, and never by the
language cookie: their answers then depend only on the address and that header (``Vary:
Accept-Language``), so shared caches may keep them.

Django's own middleware would also answer a 404 of a path without a language prefix by
redirecting to the prefixed path when that one resolves, and Wagtail's catch-all page route
makes every path resolve: an API client asking for a missing row would get a redirect to a
web page instead of the API's 404 body.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header


def text_in_language(zh: str, en: str) -> str:
    """Of a text stored in Chinese with an optional English version (labs, instruments):
    the English one when the active language is English and one was written."""
    return en if (translation.get_language() or "").startswith("en") and en else zh


def _unprefixed(request: HttpRequest) -> bool:
    return request.path_info.startswith(tuple(settings.UNPREFIXED_PATHS))


def language_from_query_or_header(request: HttpRequest) -> str:
    """``?lang=`` when it names a language of the site, else the first of
    ``Accept-Language`` the site has, else ``LANGUAGE_CODE``."""
    supported = {code for code, _name in settings.LANGUAGES}
    chosen = request.GET.get("lang", "")
    if chosen in supported:
        return chosen
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if not _unprefixed(request):
            super().process_request(request)
            return
        language = language_from_query_or_header(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not _unprefixed(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
