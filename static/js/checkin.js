/*
 * Check-in screen: camera QR scanner, ticket forms posted in the background, live counters.
 *
 * When the network is down, tickets typed or scanned on a session's screen are checked
 * offline by static/js/checkin-offline.js (PortalOfflineDoor).
 *
 * Everything here is an enhancement: without JavaScript the forms post and redirect back
 * with a message. The camera needs a secure context (HTTPS, or localhost); the typed code
 * always works. QR decoding uses the browser's BarcodeDetector when it reads QR codes,
 * else jsQR (static/vendor/jsqr/), loaded only when the camera is first started.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-checkin]");
  if (!root || !window.fetch) {
    return;
  }

  var resultBox = document.getElementById("checkin-result");
  var ticketForm = root.querySelector("[data-ticket-form]");
  var override = root.querySelector("[data-override]");
  var overrideForm = override && override.querySelector("[data-override-form]");
  var RETRY_MS = 1500; // a request lost to the network is sent once more, with the same nonce
  var POLL_MS = 10000;
  var REPEAT_MS = 4000; // the same QR in front of the camera is not posted again within this

  function text(name) {
    return root.getAttribute("data-text-" + name) || "";
  }

  // ---- Result region and counters ---------------------------------------------------

  // ok: true (checked in), false (refused) or null (still checking).
  function showResult(message, ok) {
    var state = ok === null ? "" : ok ? " checkin-result--ok" : " checkin-result--refused";
    resultBox.className = "checkin-result" + state;
    resultBox.textContent = message;
  }

  function updateCounts(counts) {
    if (!counts) {
      return;
    }
    Object.keys(counts).forEach(function (name) {
      var node = root.querySelector('[data-count="' + name + '"]');
      if (node) {
        node.textContent = counts[name];
      }
    });
  }

  function pollCounts() {
    if (document.hidden) {
      return;
    }
    fetch(root.getAttribute("data-counts-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(updateCounts)
      .catch(function () {
        /* The next poll tries again. */
      });
  }

  window.setInterval(pollCounts, POLL_MS);
  document.addEventListener("visibilitychange", pollCounts);

  // ---- Posting a ticket -------------------------------------------------------------

  // A random id per scan: the server counts a retried request (same nonce) once and
  // answers it as the first time.
  function newNonce() {
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

  function send(form, data, retries) {
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json();
      })
      .catch(function (error) {
        if (retries > 0) {
          return new Promise(function (resolve) {
            window.setTimeout(resolve, RETRY_MS);
          }).then(function () {
            return send(form, data, retries - 1);
          });
        }
        throw error;
      });
  }

  // After a refusal outside the check-in time, staff allowed to override get the form
  // that sends the same ticket again with a reason.
  function offerOverride(data, answer) {
    if (!overrideForm) {
      return;
    }
    if (!answer || !answer.can_override) {
      override.hidden = true;
      return;
    }
    ["ticket", "registration", "q"].forEach(function (name) {
      overrideForm.elements[name].value = data.get(name) || "";
    });
    override.hidden = false;
    overrideForm.elements.reason.focus();
  }

  function postTicket(form, ticket) {
    var data = new FormData(form);
    if (ticket !== undefined) {
      data.set("ticket", ticket);
    }
    data.set("nonce", newNonce());
    showResult(text("checking"), null);
    // Offline (static/js/checkin-offline.js), a typed or scanned ticket is checked against
    // the ticket list on this device and queued; so is one whose post did not get through.
    var offlineDoor = form === ticketForm ? window.PortalOfflineDoor : null;
    var offlineCheckIn = function () {
      return offlineDoor.checkIn(data.get("ticket") || "", data.get("nonce"));
    };
    var request =
      offlineDoor && offlineDoor.isOffline()
        ? offlineCheckIn()
        : send(form, data, 1).catch(function (error) {
            if (offlineDoor) {
              return offlineCheckIn();
            }
            throw error;
          });
    return request
      .then(function (answer) {
        showResult(answer.message, answer.ok);
        updateCounts(answer.counts);
        if (navigator.vibrate) {
          navigator.vibrate(answer.ok ? 80 : [60, 60, 60]);
        }
        if (form === overrideForm) {
          if (answer.ok || !answer.can_override) {
            override.hidden = true;
            form.elements.reason.value = "";
          }
        } else {
          offerOverride(data, answer);
        }
        return answer;
      })
      .catch(function () {
        showResult(text("offline"), false);
        return null;
      });
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-checkin-ajax")) {
      return;
    }
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    if (button) {
      button.disabled = true;
    }
    postTicket(form).then(function (answer) {
      if (button) {
        button.disabled = false;
      }
      if (form === overrideForm) {
        if (answer && answer.ok) {
          ticketForm.elements.ticket.focus();
        }
      } else if (form === ticketForm) {
        if (answer) {
          form.elements.ticket.value = "";
        }
        if (!answer || !answer.can_override) {
          form.elements.ticket.focus();
        }
      } else if (answer && (answer.ok || answer.code === "already_checked_in")) {
        // A search result: it is checked in now, so its button has done its job.
        var item = form.closest("li");
        var status = item && item.querySelector("[data-status]");
        if (status) {
          status.textContent = text("checked-in");
        }
        form.remove();
      }
    });
  });

  // ---- Camera scanner ---------------------------------------------------------------

  var scanner = root.querySelector("[data-scanner]");
  var startButton = scanner.querySelector("[data-scanner-start]");
  var stopButton = scanner.querySelector("[data-scanner-stop]");
  var view = scanner.querySelector("[data-scanner-view]");
  var video = scanner.querySelector("[data-scanner-video]");
  var hint = scanner.querySelector("[data-scanner-hint]");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var detector = null;
  var busy = false;
  var lastToken = "";
  var lastTokenAt = 0;

  scanner.hidden = false;
  if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    startButton.hidden = true;
    hint.textContent = window.isSecureContext ? text("no-camera") : text("insecure");
    return;
  }

  function loadDecoder() {
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats()
        .then(function (formats) {
          if (formats.indexOf("qr_code") !== -1) {
            detector = new window.BarcodeDetector({ formats: ["qr_code"] });
            return;
          }
          return loadJsQR();
        })
        .catch(loadJsQR);
    }
    return loadJsQR();
  }

  function loadJsQR() {
    if (window.jsQR) {
      return Promise.resolve();
    }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = root.getAttribute("data-jsqr-src");
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function decodeFrame() {
    if (detector) {
      return detector.detect(video).then(function (codes) {
        return codes.length ? codes[0].rawValue : "";
      });
    }
    var width = video.videoWidth;
    var height = video.videoHeight;
    if (!width || !height) {
      return Promise.resolve("");
    }
    // Decoding a smaller picture is faster and still reads a ticket held up to the camera.
    var scale = Math.min(1, 640 / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, {
      inversionAttempts: "dontInvert",
    });
    return Promise.resolve(code ? code.data : "");
  }

  function scan() {
    if (!stream) {
      return;
    }
    if (busy || video.readyState < 2) {
      window.requestAnimationFrame(scan);
      return;
    }
    busy = true;
    decodeFrame()
      .then(function (token) {
        var now = Date.now();
        if (!token || (token === lastToken && now - lastTokenAt < REPEAT_MS)) {
          return null;
        }
        lastToken = token;
        lastTokenAt = now;
        return postTicket(ticketForm, token);
      })
      .catch(function () {
        /* An unreadable frame: try the next one. */
      })
      .then(function () {
        busy = false;
        window.requestAnimationFrame(scan);
      });
  }

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
    stream = null;
    video.srcObject = null;
    view.hidden = true;
    startButton.hidden = false;
    hint.textContent = "";
    startButton.focus();
  }

  startButton.addEventListener("click", function () {
    startButton.disabled = true;
    loadDecoder()
      .then(function () {
        return navigator.mediaDevices.getUserMedia({
          video: { facingMode: "environment" },
          audio: false,
        });
      })
      .then(function (mediaStream) {
        stream = mediaStream;
        video.srcObject = stream;
        return video.play();
      })
      .then(function () {
        view.hidden = false;
        startButton.hidden = true;
        hint.textContent = text("scanning");
        stopButton.focus();
        window.requestAnimationFrame(scan);
      })
      .catch(function () {
        stop();
        hint.textContent = text("no-camera");
      })
      .then(function () {
        startButton.disabled = false;
      });
  });

  stopButton.addEventListener("click", stop);
  window.addEventListener("pagehide", stop);
})();
