/*
 * Check-in screen offline (portal.offline; the session door's events.services.offline and
 * the lab-visit door's labvisits.offline). The same script at both doors: what differs (the
 * URLs, the storage key, the wording) comes from the data attributes of the panel
 * (templates/includes/checkin_offline_panel.html).
 *
 * While online the screen downloads the door's ticket list (hashes of the ticket codes,
 * party sizes, checked-in flags; no names or phones) into localStorage and registers the
 * service worker that keeps the screen's files. When the network is down (the browser says
 * so, or a ticket could not be posted), static/js/checkin.js hands typed and scanned
 * tickets to PortalOfflineDoor.checkIn: the code is hashed as the server does
 * (SHA-256 of the door's salt + the code) and checked against the list; an accepted
 * ticket is queued with its scan nonce and time. When the network returns (the "online"
 * event, and a retry timer) the queue is posted to the sync endpoint; every item it
 * answered is dropped from the queue.
 *
 * Without JavaScript none of this runs: the forms post to the server as always.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-offline]");
  var root = document.querySelector("[data-checkin]");
  if (!box || !root || !window.fetch || !window.localStorage || !window.JSON) {
    return;
  }

  var SYNC_EVERY_MS = 15000; // retry timer while check-ins wait
  var LIST_EVERY_MS = 60000; // refresh the ticket list while online and nothing waits
  var BATCH = 100; // check-ins per sync request (the server takes up to 200)
  // The door (a session, a lab-visit slot) whose list and queue these are.
  var door = box.getAttribute("data-door");
  // Each member of staff has their own list and queue on a shared device: a check-in
  // queued by one is synced (and credited) by that member only, when they open the screen.
  var prefix = "portal.checkin." + box.getAttribute("data-staff") + "." + door + ".";
  var statusNode = box.querySelector("[data-offline-status]");
  var queueNode = box.querySelector("[data-offline-queue]");
  var listNode = box.querySelector("[data-offline-list]");
  var refusedNode = box.querySelector("[data-offline-refused]");
  var syncButton = box.querySelector("[data-offline-sync]");
  var downloadButton = box.querySelector("[data-offline-download]");
  var resultBox = document.getElementById("checkin-result");
  var csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  var canHash = !!(window.crypto && window.crypto.subtle && window.TextEncoder);
  var offline = !navigator.onLine;
  var syncing = null;

  function text(name, values) {
    var message = box.getAttribute("data-text-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      message = message.split("%(" + key + ")s").join(String(values[key]));
    });
    return message;
  }

  function load(name, fallback) {
    try {
      var value = JSON.parse(window.localStorage.getItem(prefix + name));
      return value === null ? fallback : value;
    } catch (error) {
      return fallback;
    }
  }

  function save(name, value) {
    window.localStorage.setItem(prefix + name, JSON.stringify(value));
  }

  function randomId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  // This browser's id, sent with its check-ins: staff see which device scanned a ticket twice.
  function deviceId() {
    var key = "portal.checkin.device";
    var id = window.localStorage.getItem(key);
    if (!id) {
      id = randomId();
      window.localStorage.setItem(key, id);
    }
    return id;
  }

  function timeOf(iso) {
    var date = new Date(iso);
    return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2);
  }

  // ---- The screen ---------------------------------------------------------------------

  function render() {
    var list = load("list", null);
    var queue = load("queue", []);
    box.classList.toggle("checkin-offline--offline", offline);
    var status;
    if (!offline) {
      status = text("online");
    } else if (!canHash) {
      status = text("unsupported");
    } else {
      status = list ? text("offline") : text("offline-no-list");
    }
    if (statusNode.textContent !== status) {
      statusNode.textContent = status;
    }
    var waiting =
      queue.length === 0
        ? text("queued-none")
        : queue.length === 1
          ? text("queued-one")
          : text("queued-many", { count: queue.length });
    if (queueNode.textContent !== waiting) {
      queueNode.textContent = waiting;
    }
    queueNode.setAttribute("data-count", String(queue.length));
    listNode.textContent = list
      ? text("list", { count: list.tickets.length, time: timeOf(list.downloaded_at) })
      : text("no-list");
    syncButton.hidden = queue.length === 0;
  }

  function updateCounts(counts) {
    Object.keys(counts || {}).forEach(function (name) {
      var node = root.querySelector('[data-count="' + name + '"]');
      if (node) {
        node.textContent = counts[name];
      }
    });
  }

  // ---- The ticket list ----------------------------------------------------------------

  function downloadList() {
    return fetch(box.getAttribute("data-list-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("list " + response.status);
        }
        return response.json();
      })
      .then(function (list) {
        list.downloaded_at = new Date().toISOString();
        save("list", list);
        offline = false;
        render();
        return list;
      })
      .catch(function () {
        render();
        return null;
      });
  }

  // The code as the server reads it (portal.tickets.ticket_code_read): a QR token is
  // "CODE:signature", a typed code ignores spaces, dashes and case.
  function normalise(ticket) {
    var code = (ticket || "").trim();
    if (code.indexOf(":") !== -1) {
      code = code.split(":")[0];
    }
    code = code.replace(/[\s-]/g, "").toUpperCase();
    return /^[A-Z0-9]{4,12}$/.test(code) ? code : "";
  }

  function hash(salt, code) {
    return window.crypto.subtle
      .digest("SHA-256", new TextEncoder().encode(salt + code))
      .then(function (digest) {
        return Array.prototype.map
          .call(new Uint8Array(digest), function (b) {
            return ("0" + b.toString(16)).slice(-2);
          })
          .join("");
      });
  }

  function refused(code, message) {
    return { ok: false, code: code, message: message, offline: true, counts: null };
  }

  // Check a ticket against the list and queue it. ``nonce`` is the scan's nonce: when the
  // online post failed, it may have reached the server, and the same nonce then syncs as
  // "already applied" instead of counting the party twice.
  function checkIn(ticket, nonce) {
    offline = true;
    var list = load("list", null);
    if (!canHash) {
      render();
      return Promise.resolve(refused("unsupported", text("unsupported")));
    }
    if (!list) {
      render();
      return Promise.resolve(refused("no_list", text("offline-no-list")));
    }
    var code = normalise(ticket);
    if (!code) {
      render();
      return Promise.resolve(refused("unknown_ticket", text("unknown")));
    }
    var now = new Date();
    if (now < new Date(list.opens_at)) {
      render();
      return Promise.resolve(refused("too_early", text("too-early")));
    }
    if (now >= new Date(list.ends_at)) {
      render();
      return Promise.resolve(refused("ended", text("ended")));
    }
    return hash(list.salt, code).then(function (digest) {
      var entry = null;
      list.tickets.forEach(function (row) {
        if (row.hash === digest) {
          entry = row;
        }
      });
      if (!entry) {
        render();
        return refused("unknown_ticket", text("unknown"));
      }
      var queue = load("queue", []);
      var queued = queue.some(function (item) {
        return item.hash === digest;
      });
      if (entry.checked_in || queued) {
        render();
        return refused("already_checked_in", text("already"));
      }
      queue.push({
        nonce: nonce || randomId(),
        ticket: ticket.trim(),
        hash: digest,
        party_size: entry.party_size,
        scanned_at: now.toISOString(),
      });
      save("queue", queue);
      render();
      return {
        ok: true,
        code: "queued",
        message: text("accepted", { count: entry.party_size }),
        offline: true,
        counts: null,
      };
    });
  }

  // ---- Syncing ------------------------------------------------------------------------

  function showRefused(results) {
    results.forEach(function (result) {
      if (result.result !== "refused") {
        return;
      }
      var item = document.createElement("li");
      item.textContent = text("refused", { message: result.message });
      refusedNode.appendChild(item);
    });
  }

  function postBatch(batch) {
    return fetch(box.getAttribute("data-sync-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": csrfInput ? csrfInput.value : "",
      },
      body: JSON.stringify({
        device: deviceId(),
        items: batch.map(function (item) {
          return { nonce: item.nonce, ticket: item.ticket, scanned_at: item.scanned_at };
        }),
      }),
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("sync " + response.status);
      }
      return response.json();
    });
  }

  function sync() {
    if (syncing) {
      return syncing;
    }
    var queue = load("queue", []);
    if (!queue.length) {
      return Promise.resolve(null);
    }
    var tally = { checked_in: 0, already_applied: 0, conflict: 0, refused: 0 };
    function step() {
      var batch = load("queue", []).slice(0, BATCH);
      if (!batch.length) {
        return Promise.resolve(tally);
      }
      return postBatch(batch).then(function (answer) {
        var answered = {};
        answer.results.forEach(function (result) {
          answered[result.nonce] = true;
          tally[result.result] = (tally[result.result] || 0) + 1;
        });
        // Read the queue again: tickets may have been queued while the request ran.
        save(
          "queue",
          load("queue", []).filter(function (item) {
            return !answered[item.nonce];
          })
        );
        showRefused(answer.results);
        updateCounts(answer.counts);
        offline = false;
        render();
        return answer.results.length ? step() : tally;
      });
    }
    syncing = step()
      .then(function (result) {
        resultBox.className = "checkin-result checkin-result--ok";
        resultBox.textContent = text("synced", {
          checked_in: result.checked_in + result.already_applied,
          conflict: result.conflict,
          refused: result.refused,
        });
        return downloadList().then(function () {
          return result;
        });
      })
      .catch(function () {
        offline = !navigator.onLine || offline;
        render();
        if (load("queue", []).length) {
          queueNode.textContent = queueNode.textContent + " " + text("sync-failed");
        }
        return null;
      })
      .then(function (value) {
        syncing = null;
        return value;
      });
    return syncing;
  }

  // ---- Wiring -------------------------------------------------------------------------

  window.PortalOfflineDoor = {
    // Whether checkin.js should not even try the network: the browser says it is offline,
    // or the server could not be reached lately (until a sync or a list download succeeds,
    // tried every SYNC_EVERY_MS), so that each ticket does not wait for a network timeout.
    isOffline: function () {
      return !navigator.onLine || offline;
    },
    checkIn: checkIn,
    sync: sync,
  };

  window.addEventListener("online", function () {
    offline = false;
    render();
    sync().then(function () {
      return downloadList();
    });
  });
  window.addEventListener("offline", function () {
    offline = true;
    render();
  });
  window.setInterval(function () {
    if (load("queue", []).length) {
      sync();
    } else if (offline && navigator.onLine) {
      downloadList();
    }
  }, SYNC_EVERY_MS);
  window.setInterval(function () {
    if (navigator.onLine && !load("queue", []).length) {
      downloadList();
    }
  }, LIST_EVERY_MS);
  syncButton.addEventListener("click", function () {
    sync();
  });
  downloadButton.addEventListener("click", function () {
    downloadList();
  });

  box.hidden = false;
  render();
  if (navigator.onLine) {
    sync().then(function () {
      return downloadList();
    });
  }
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker
      .register(box.getAttribute("data-sw-url"), { scope: box.getAttribute("data-sw-scope") })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        // Keep this screen for opening it again offline (not a search: no names kept).
        if (registration.active && !window.location.search) {
          registration.active.postMessage({ keep: window.location.pathname });
        }
      })
      .catch(function () {
        /* The screen still works offline once loaded; only a reload needs the worker. */
      });
  }
})();
