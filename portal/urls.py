from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from api.endpoints import api, route_not_found
from api.staff import router as staff_router  # noqa: F401  (adds /api/v1/staff/ to api)
from cms import views as cms_views
from portal import views as portal_views

urlpatterns = [
    path("healthz", portal_views.healthz, name="healthz"),
    path("cms-admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("sitemap.xml", sitemap),
    # The public REST API, not language-prefixed: ?lang= or Accept-Language choose the
    # language of its content (api/).
    # ninja's own root view raises Http404, which Django would answer with a web page.
    path("api/v1/", route_not_found),
    path("api/v1/", api.urls),
    re_path(r"^api/", route_not_found, name="api_not_found"),
]

urlpatterns += i18n_patterns(
    path("search/", cms_views.search, name="search"),
    path("accounts/", include("portal.account_urls")),
    path("accounts/", include("allauth.urls")),
    path("open-day/", include("events.urls")),
    path("enterprise/", include("enterprises.urls")),
    path("consultations/", include("consultations.urls")),
    path("", include("labvisits.urls")),  # lab-visits/ and its door under open-day/checkin/
    path("needs/", include("needs.urls")),
    path("notifications/", include("inbox.urls")),
    path("phone/verify/", include("verification.views")),
    path("in-numbers/", include("stats.urls")),
    path("rate/", include("ratings.views")),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)

# A database outage answers 503 with Retry-After instead of the 500 page.
handler500 = portal_views.server_error

# Media in development only. With DEBUG off, the reverse proxy serves MEDIA_ROOT at
# MEDIA_URL, or pages link media straight to the object storage (README, "Media and
# uploaded files"); static() adds nothing when MEDIA_URL is another server's address.
if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
