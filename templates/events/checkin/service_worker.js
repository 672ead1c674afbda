{% comment %}
The check-in screen's service worker (events.views.checkin_offline.checkin_service_worker).
Context: shell (JSON list of the static files to keep), scope (JSON string: the check-in
URLs of this language), version (changes with the files).
{% endcomment %}/*
 * Check-in screen service worker: keeps the screen's files (CSS, scripts, the QR decoder,
 * icons) and the check-in pages last opened (a session's, and a lab-visit slot's under
 * <scope>visit/: the scope covers both doors), so that the screen opens again without a
 * network. Pages come from the network first; the copy is used only when it cannot be
 * reached. Ticket lists, counters and check-ins are never answered from the cache: the
 * page itself checks tickets against its downloaded list and queues check-ins offline
 * (static/js/checkin-offline.js).
 */
"use strict";

var CACHE = "portal-checkin-{{ version }}";
var SHELL = {{ shell|safe }};
var SCOPE = {{ scope|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        return cache.addAll(SHELL);
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("portal-checkin-") === 0 && name !== CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function isScreen(url, request) {
  // A check-in page opened without a search (search results show masked names: they are
  // not kept on the device).
  return request.mode === "navigate" && url.pathname.indexOf(SCOPE) === 0 && !url.search;
}

// The page that registered the worker was loaded before the worker ran: it asks for its
// own copy to be kept ({keep: "/en/open-day/checkin/12/"}).
self.addEventListener("message", function (event) {
  var path = event.data && event.data.keep;
  if (typeof path !== "string" || path.indexOf(SCOPE) !== 0 || path.indexOf("?") !== -1) {
    return;
  }
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return fetch(path, { credentials: "same-origin" }).then(function (response) {
        if (response.ok && !response.redirected) {
          return cache.put(path, response);
        }
      });
    })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (isScreen(url, request)) {
    event.respondWith(
      fetch(request)
        .then(function (response) {
          if (response.ok && !response.redirected) {
            var copy = response.clone();
            caches.open(CACHE).then(function (cache) {
              cache.put(request, copy);
            });
          }
          return response;
        })
        .catch(function () {
          return caches.match(request).then(function (cached) {
            return cached || Response.error();
          });
        })
    );
    return;
  }
  if (SHELL.indexOf(url.pathname) !== -1) {
    event.respondWith(
      caches.match(request).then(function (cached) {
        return cached || fetch(request);
      })
    );
  }
});
