"""The check-in screen offline: installable (web app manifest and service worker), with the
session's ticket list for the browser and the endpoint that applies the check-ins it queued
while the network was down. The rules live in ``events.services.offline``;
``static/js/checkin-offline.js`` is the browser's side.

The manifest and the service worker hold no data and are served to anyone (a browser
fetches a manifest without cookies); the ticket list and the sync need the permission
``events.check_in``, like the screen. The worker's scope, the check-in URLs, covers the
lab-visit doors too (``labvisits.checkin_views``, under ``checkin/visit/``): they use this
worker and manifest, with their own ticket list and sync.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from events.models import Session
from events.services.checkin import checkin_counts
from events.services.offline import checkin_offline_sync, offline_ticket_list
from events.views.checkin import checkin_staff_required
from portal.offline import offline_list_response, offline_sync_response

# What the service worker keeps for the screen to open without a network (the pages
# themselves are kept as they are visited).
SHELL_STATIC = (
    "css/portal.css",
    "css/components.css",
    "js/checkin.js",
    "js/checkin-offline.js",
    "vendor/jsqr/jsQR.js",
    "img/checkin-icon.svg",
    "img/checkin-icon-192.png",
    "img/checkin-icon-512.png",
)
NO_CACHE = "no-cache, max-age=0"


@require_GET
def checkin_manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest of the check-in screen, in the page's language."""
    home = reverse("events:checkin_home")
    manifest = {
        "name": _("Open day check-in"),
        "short_name": _("Check-in"),
        "description": _("Check visitors in at the door, also when the network drops."),
        "lang": get_language(),
        "start_url": home,
        "scope": home,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#b8131f",
        "icons": [
            {"src": static("img/checkin-icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/checkin-icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("img/checkin-icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = HttpResponse(
        json.dumps(manifest, ensure_ascii=False),
        content_type="application/manifest+json; charset=utf-8",
    )
    response["Cache-Control"] = NO_CACHE
    return response


@require_GET
def checkin_service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from the check-in URLs so that its scope covers them."""
    scope = reverse("events:checkin_home")
    shell = [static(name) for name in SHELL_STATIC]
    # The cache's name changes with the files (their URLs carry a hash in production), so a
    # new release replaces the old shell.
    version = hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12]
    body = render_to_string(
        "events/checkin/service_worker.js",
        {"shell": json.dumps(shell), "scope": json.dumps(scope), "version": version},
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = scope
    # Browsers check for a new worker at most daily anyway; never keep an old one longer.
    response["Cache-Control"] = NO_CACHE
    return response


@require_GET
@checkin_staff_required
def checkin_offline_list(request: HttpRequest, session_id: int) -> JsonResponse:
    """The session's ticket list for the screen to check tickets against offline."""
    session = get_object_or_404(Session, pk=session_id)
    return offline_list_response(lambda: offline_ticket_list(session_id=session.pk))


@require_POST
@checkin_staff_required
def checkin_offline_sync_view(request: HttpRequest, session_id: int) -> JsonResponse:
    """Apply the check-ins the screen queued offline (``portal.offline``)."""
    session = get_object_or_404(Session, pk=session_id)
    return offline_sync_response(
        request,
        sync=lambda scans, device: checkin_offline_sync(
            session_id=session.pk, scans=scans, device=device, by=request.user
        ),
        counts=lambda: checkin_counts(session_id=session.pk),
    )


urlpatterns = [
    path("manifest.webmanifest", checkin_manifest, name="checkin_manifest"),
    path("service-worker.js", checkin_service_worker, name="checkin_service_worker"),
    path("<id:session_id>/tickets.json", checkin_offline_list, name="checkin_offline_list"),
    path("<id:session_id>/sync/", checkin_offline_sync_view, name="checkin_offline_sync"),
]
