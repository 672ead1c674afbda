"""Template tags for the site frame: navigation, language links, breadcrumbs, page meta.

Each tag prepares plain values (lists of dicts, strings) so the templates only loop and
print. Lookups that need the database happen here, once per request where possible.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from cms.selectors import privacy_notice_url, shared_fragment

register = template.Library()

# BCP 47 tags for hreflang and <html lang>; Django's language codes are lower-case.
HREFLANG = {"zh-hans": "zh-Hans", "en": "en"}


def _request(context) -> HttpRequest | None:
    return context.get("request")


def _site(request: HttpRequest | None) -> Site | None:
    if request is None:
        return None
    if not hasattr(request, "_portal_site"):
        request._portal_site = Site.find_for_request(request)
    return request._portal_site


def _home_for_locale(request: HttpRequest | None, locale: Locale | None) -> Page | None:
    """The site's home page in ``locale`` (the home page itself if it has no translation).

    Remembered on the request: the header, the menu and the language links all ask.
    """
    site = _site(request)
    if site is None:
        return None
    cache = request.__dict__.setdefault("_portal_homes", {})
    key = locale.pk if locale is not None else None
    if key not in cache:
        root = site.root_page
        if locale is None or root.locale_id == locale.pk:
            cache[key] = root
        else:
            cache[key] = root.get_translation_or_none(locale) or root
    return cache[key]


def _locales(request: HttpRequest) -> dict[str, Locale]:
    """Every locale by language code, read once per request (the tags all ask)."""
    if not hasattr(request, "_portal_locales"):
        request._portal_locales = {locale.language_code: locale for locale in Locale.objects.all()}
    return request._portal_locales


def _active_locale(request: HttpRequest | None) -> Locale | None:
    if request is None:
        return Locale.get_active()
    if not hasattr(request, "_portal_locale"):
        try:
            code = get_supported_content_language_variant(get_language())
        except LookupError:
            code = None
        locale = _locales(request).get(code)
        # Same answer as ``Locale.get_active()``, which falls back to the default locale.
        request._portal_locale = locale if locale is not None else Locale.get_active()
    return request._portal_locale


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + url


@register.filter
def absolute_url(url: str) -> str:
    """Prefix a site-relative URL with the portal's public address (``SITE_URL``)."""
    return _absolute(str(url or ""))


@register.filter
def webcal_url(url: str) -> str:
    """A calendar subscription (``webcal://``) of a site-relative URL on the portal's public
    address, whatever host the request came in by (the page may be cached for all)."""
    absolute = _absolute(str(url or ""))
    return "webcal://" + absolute.split("://", 1)[-1]


@register.filter
def hreflang(language_code: str) -> str:
    """Django language code to BCP 47 (``zh-hans`` -> ``zh-Hans``)."""
    return HREFLANG.get(language_code, language_code)


def _route_suffix(request: HttpRequest, page: Page) -> str:
    """The part of the path below ``page``'s own URL (a routable page's sub-route)."""
    page_url = page.get_url(request) or ""
    if page_url and request.path.startswith(page_url):
        return request.path[len(page_url) :]
    return ""


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """One entry per language: where this page is in that language, and whether it is current.

    A Wagtail page links to its live translation (keeping a routable page's sub-route, e.g. an
    expert's profile), otherwise to that language's home page. Other views use Django's
    ``translate_url``. Computed once per request: the header and the <head> both use it.
    """
    request = _request(context)
    if request is None:
        return []
    cached = getattr(request, "_portal_language_links", None)
    if cached is not None:
        return cached
    page = context.get("page")
    current = get_language()
    links = []
    translations: dict[str, Page] = {}
    suffix = ""
    if isinstance(page, Page) and page.pk:
        suffix = _route_suffix(request, page)
        for translation in page.get_translations(inclusive=True).live().select_related("locale"):
            translations[translation.locale.language_code] = translation
    locales = _locales(request)
    for code, name in settings.LANGUAGES:
        exists = True
        if isinstance(page, Page) and page.pk:
            target = translations.get(code)
            if target is not None:
                url = (target.get_url(request) or "") + suffix
            else:
                exists = False
                home = _home_for_locale(request, locales.get(code))
                url = home.get_url(request) if home else f"/{code}/"
        else:
            url = translate_url(request.path, code)
        links.append(
            {
                "code": code,
                "name": name,
                "hreflang": hreflang(code),
                "url": url,
                "full_url": _absolute(url),
                "is_current": code == current,
                # False when the page has no translation and ``url`` is that language's
                # home page: fine for the switcher, wrong for an hreflang alternate.
                "exists": exists,
            }
        )
    request._portal_language_links = links
    return links


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The page's own address without tracking or filter parameters (pagination kept)."""
    request = _request(context)
    if request is None:
        return settings.SITE_URL + "/"
    url = request.path
    page_number = request.GET.get("page", "")
    if page_number.isdigit() and page_number != "1":
        url += f"?page={page_number}"
    return _absolute(url)


@register.simple_tag(takes_context=True)
def main_menu(context) -> list[dict]:
    """Top-level live pages of this language's home page that are marked "show in menus".

    ``aria_current`` is "page" for the page itself and "true" for a page inside its section.
    """
    request = _request(context)
    page = context.get("page")
    home = _home_for_locale(request, _active_locale(request))
    if home is None:
        return []
    current_path = page.url_path if isinstance(page, Page) else None
    items = [
        {
            "title": home.title,
            "url": home.get_url(request),
            "aria_current": "page" if current_path == home.url_path else "",
            "is_home": True,
        }
    ]
    for title, url, url_path in _menu_children(request, home):
        aria_current = ""
        if current_path == url_path:
            aria_current = "page"
        elif current_path and current_path.startswith(url_path):
            aria_current = "true"
        items.append({"title": title, "url": url, "aria_current": aria_current, "is_home": False})
    return items


def _menu_children(request: HttpRequest | None, home: Page) -> list[tuple[str, str, str]]:
    """(title, URL, url_path) of the home page's live public menu pages.

    The same for every visitor, so shared through the cache until the next publish (which
    is what changes titles, order and "show in menus"). A view restriction added without
    publishing shows in the menu within ``PAGE_CACHE_SECONDS``; the page itself is
    protected at once.
    """
    site = _site(request)

    def compute() -> list[tuple[str, str, str]]:
        return [
            (child.title, child.get_url(request), child.url_path)
            for child in home.get_children().live().public().in_menu()
        ]

    return shared_fragment(f"menu:{site.pk if site else 0}:{home.pk}", compute)


@register.simple_tag(takes_context=True)
def home_url(context) -> str:
    """This language's home page, for the site name in the header."""
    request = _request(context)
    home = _home_for_locale(request, _active_locale(request))
    if home is not None:
        return home.get_url(request) or "/"
    return f"/{get_language()}/"


@register.simple_tag(takes_context=True)
def account_entry_url(context, url_name: str, home: str = "") -> str:
    """The header's sign-in (or sign-up) link, carrying the page to come back to afterwards
    as ``next``: the current page, except the home page ``home`` (without it, signing in
    leads to the page of the user's role, ``enterprises.adapter``). On allauth's own pages
    the link keeps the ``next`` they were opened with, when it is a page of this site."""
    url = reverse(url_name)
    request = _request(context)
    if request is None:
        return url
    match = request.resolver_match
    if match is not None and (match.url_name or "").startswith("account_"):
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = ""
    elif request.path == home:
        target = ""
    else:
        target = request.get_full_path()
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: target})}" if target else url


@register.simple_tag(takes_context=True)
def breadcrumb_items(context, page=None, current_title: str = "") -> list[dict]:
    """Ancestors of ``page`` from the home page down, then the page itself (no link).

    ``current_title`` names a view below the page (e.g. an expert's profile on the roster
    page): the page is then linked and the trail ends with that title. Empty on the home
    page, where a trail of one item would only repeat the heading.
    """
    request = _request(context)
    page = page if page is not None else context.get("page")
    if not isinstance(page, Page) or (page.depth <= 2 and not current_title):
        return []
    site = _site(request)

    def compute() -> list[dict]:
        ancestors = page.get_ancestors().filter(depth__gte=2).live()
        return [{"title": a.title, "url": a.get_url(request)} for a in ancestors]

    # Ancestors are the same for every visitor; a publish or move purges the entry.
    if page.pk is None:  # the preview of a page not saved yet
        items = compute()
    else:
        items = list(shared_fragment(f"breadcrumbs:{site.pk if site else 0}:{page.pk}", compute))
    if current_title:
        items.append({"title": page.title, "url": page.get_url(request)})
        items.append({"title": current_title, "url": ""})
    else:
        items.append({"title": page.title, "url": ""})
    return items


@register.simple_tag
def share_image(page=None):
    """The image to show when ``page`` is shared: its social image, else its cover or hero."""
    if not page:
        return None
    for attribute in ("social_image", "cover_image", "hero_image"):
        image = getattr(page, attribute, None)
        if image is not None:
            return image
    return None


def public_security_record_url(number: str) -> str:
    """The public record of a public-security filing number (渝公网安备 50011302000000号) on
    the national filing system, found by the number's digits; empty without digits."""
    digits = "".join(ch for ch in number if ch.isascii() and ch.isdigit())
    if not digits:
        return ""
    return f"https://beian.mps.gov.cn/#/query/webSearch?code={digits}"


@register.simple_tag(takes_context=True)
def contact_details(context, site_settings) -> dict:
    """The footer's contact details from ``SiteSettings`` in the visitor's language."""
    english = get_language() == "en"

    def pick(zh: str, en: str) -> str:
        return (en or zh) if english else zh

    if site_settings is None:
        return {}
    return {
        "organisation": pick(site_settings.organisation, site_settings.organisation_en),
        "address": pick(site_settings.address, site_settings.address_en),
        "service_hours": pick(site_settings.service_hours, site_settings.service_hours_en),
        "phone": site_settings.phone,
        "email": site_settings.email,
        "icp_number": site_settings.icp_number,
        "public_security_number": site_settings.public_security_number,
        "public_security_url": public_security_record_url(site_settings.public_security_number),
        "site_code": site_settings.site_code,
        "privacy_url": privacy_notice_url(site_settings=site_settings),
    }


@register.simple_tag(takes_context=True)
def expert_profile_url(context, roster_page, expert) -> str:
    """Address of ``expert``'s profile on the roster page (empty without a roster page)."""
    if roster_page is None or expert is None:
        return ""
    return roster_page.expert_url(expert)


@register.simple_tag(takes_context=True)
def news_tag_links(context, page) -> list[dict]:
    """The article's tags, each linking to its news index filtered by that tag."""
    request = _request(context)
    parent = page.get_parent()
    index_url = parent.get_url(request) if parent else ""
    return [
        {"name": tag.name, "url": f"{index_url}?{urlencode({'tag': tag.name})}"}
        for tag in page.tags.all()
    ]
