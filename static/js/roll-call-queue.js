/*
 * Omzien: taps at the door survive a dropped connection (roll-call page only).
 *
 * Every tap (a name, or the number of others) is put in a queue in localStorage first,
 * then sent, one at a time and in order; it leaves the queue only when the server has
 * answered. A tap holds the end state (present or not, the number), never "toggle", so
 * sending it twice changes nothing (the server marks idempotently). Taps for the same
 * person replace each other: only the last one counts. The queue is sent again on the
 * "online" event, by a retry timer and when the page loads. A refused token (403, e.g.
 * after signing in again) or a lapsed session keeps the taps and asks to reload.
 *
 * Without this script (or without JavaScript) each tap is a plain form post; htmx stays
 * as it was for pages where this script is not loaded. The script has no words of its
 * own: they are data attributes on #roll-call-queue, translated by Django.
 */
(function () {
  "use strict";

  var RETRY_FIRST_MS = 2000;
  var RETRY_MAX_MS = 30000;
  var TIMEOUT_MS = 15000;

  function storageWorks() {
    try {
      localStorage.setItem("omzien.roll-call.test", "1");
      localStorage.removeItem("omzien.roll-call.test");
      return true;
    } catch (e) {
      return false;
    }
  }

  function start() {
    var box = document.getElementById("roll-call-queue");
    // Without storage to keep taps in (some private modes), taps go as before.
    if (!box || !window.fetch || !storageWorks()) return;
    var text = box.dataset;
    var status = document.getElementById("queue-status");
    var reload = document.getElementById("queue-reload");
    var key = text.key;
    var sending = false;
    var stuck = false; // a send failed: rows say "waiting to be sent" until all are sent
    var blocked = false; // 403 or signed out: keep everything until the page is reloaded
    // What the status line last said: "waiting" (then "all sent" follows), "offline",
    // "refused" (stays until the next tap), "sent" or "".
    var said = "";
    var retryMs = RETRY_FIRST_MS;
    var timer = null;

    function load() {
      try {
        var list = JSON.parse(localStorage.getItem(key) || "[]");
        return Array.isArray(list) ? list : [];
      } catch (e) {
        return [];
      }
    }

    function save(list) {
      if (list.length) localStorage.setItem(key, JSON.stringify(list));
      else localStorage.removeItem(key);
    }

    function newId() {
      if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
      return String(Date.now()) + "-" + String(Math.random()).slice(2);
    }

    function token() {
      var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
      return input ? input.value : "";
    }

    function isMark(form) {
      return form.getAttribute("action") === text.markUrl;
    }

    function isHeadCount(form) {
      return form.getAttribute("action") === text.headCountUrl;
    }

    // --- what the page shows -------------------------------------------------------

    function showRow(participant, present, waiting, done) {
      var row = document.getElementById("p-" + participant);
      if (!row) return;
      var button = row.querySelector("button");
      var next = row.querySelector('input[name="present"]');
      var state = row.querySelector(".roll-call__state");
      if (next) next.value = present ? "0" : "1";
      if (button) {
        button.setAttribute("aria-pressed", present ? "true" : "false");
        button.classList.toggle("roll-call__button--present", present);
      }
      if (state) {
        if (waiting) state.textContent = present ? text.presentWaiting : text.absentWaiting;
        else state.textContent = present ? text.present : text.absent;
      }
      // data-queued: in the queue (also while being sent); data-waiting: it failed or
      // the phone is offline. The server's own row, swapped in when sent, has neither.
      row.toggleAttribute("data-queued", !done);
      row.toggleAttribute("data-waiting", waiting);
    }

    function say(message, kind) {
      status.textContent = message || "";
      status.classList.toggle("message", Boolean(message));
      ["warning", "success", "error"].forEach(function (name) {
        status.classList.toggle("message--" + name, Boolean(message) && kind === name);
      });
      reload.hidden = kind !== "error" || !blocked;
    }

    function showAll() {
      var list = load();
      var waiting = stuck || blocked || !navigator.onLine;
      list.forEach(function (tap) {
        if (tap.kind === "mark") showRow(tap.participant, tap.present, waiting);
      });
      if (blocked) {
        said = "waiting";
        say(text.blocked, "error");
      } else if (list.length && waiting) {
        said = "waiting";
        var words = list.length === 1 ? text.waitingOne : text.waitingOther;
        say(words.replace("{n}", String(list.length)), "warning");
      } else if (!list.length && !navigator.onLine) {
        if (said !== "refused") {
          said = said === "waiting" ? "waiting" : "offline";
          say(text.offline, "warning");
        }
      } else if (!list.length && said === "waiting") {
        said = "sent";
        say(text.sent, "success");
      } else if (!list.length && said === "offline") {
        said = "";
        say("", "");
      }
    }

    // --- the queue -----------------------------------------------------------------

    function add(tap) {
      var list = load().filter(function (old) {
        if (tap.kind === "head_count") return old.kind !== "head_count";
        return !(old.kind === "mark" && old.participant === tap.participant);
      });
      tap.id = newId();
      list.push(tap);
      try {
        save(list);
      } catch (e) {
        return false; // storage full: this tap goes the ordinary way
      }
      if (said === "refused") {
        said = "";
        say("", "");
      }
      if (tap.kind === "mark") {
        showRow(tap.participant, tap.present, stuck || blocked || !navigator.onLine);
      }
      showAll();
      send();
      return true;
    }

    function remove(id) {
      save(
        load().filter(function (tap) {
          return tap.id !== id;
        })
      );
    }

    function retryLater() {
      if (timer || blocked) return;
      timer = window.setTimeout(function () {
        timer = null;
        send();
      }, retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    }

    function swapIn(html, tap) {
      var holder = document.createElement("template");
      holder.innerHTML = html;
      var count = holder.content.getElementById("present-count");
      var here = document.getElementById("present-count");
      if (count && here) {
        count.removeAttribute("hx-swap-oob");
        here.replaceWith(count);
      }
      if (tap.kind !== "mark") return;
      var later = load().some(function (other) {
        return other.kind === "mark" && other.participant === tap.participant;
      });
      var row = holder.content.getElementById("p-" + tap.participant);
      var old = document.getElementById("p-" + tap.participant);
      if (row && old && !later) {
        old.replaceWith(row);
        if (window.htmx) window.htmx.process(row);
      }
    }

    function body(tap) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", token());
      if (tap.kind === "mark") {
        data.append("participant", String(tap.participant));
        data.append("present", tap.present ? "1" : "0");
      } else {
        data.append("head_count", String(tap.headCount));
      }
      return data;
    }

    function send() {
      if (sending || blocked) return;
      var list = load();
      if (!list.length) {
        stuck = false;
        retryMs = RETRY_FIRST_MS;
        showAll();
        return;
      }
      if (!navigator.onLine) {
        showAll();
        return;
      }
      var tap = list[0];
      var url = tap.kind === "mark" ? text.markUrl : text.headCountUrl;
      var controller = window.AbortController ? new AbortController() : null;
      var watchdog = controller
        ? window.setTimeout(function () {
            controller.abort();
          }, TIMEOUT_MS)
        : null;
      sending = true;
      fetch(url, {
        method: "POST",
        body: body(tap),
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
        redirect: "manual",
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          // A redirect is the sign-in page (the session lapsed); 403 a refused token.
          if (response.type === "opaqueredirect" || response.status === 403) {
            blocked = true;
            return null;
          }
          if (response.ok) {
            return response.text().then(function (html) {
              remove(tap.id);
              swapIn(html, tap);
              return true;
            });
          }
          if (response.status === 422 || response.status === 404 || response.status === 400) {
            // Refused for good (a closed record, a cancelled date): drop it and say why.
            return response.text().then(function (reason) {
              remove(tap.id);
              if (tap.kind === "mark") showRow(tap.participant, !tap.present, false, true);
              var plain = response.status === 422 && reason.length < 300;
              said = "refused";
              say(plain ? reason : text.refused, "error");
              return true;
            });
          }
          return false; // 5xx, 429: try again later
        })
        .catch(function () {
          return false; // no connection, or no answer in time
        })
        .then(function (done) {
          if (watchdog) window.clearTimeout(watchdog);
          sending = false;
          if (done) {
            retryMs = RETRY_FIRST_MS;
            send();
          } else {
            if (done === false) stuck = true;
            showAll();
            retryLater();
          }
        });
    }

    // --- taps ----------------------------------------------------------------------

    // Capture phase: this runs before htmx's own listener on the form, which then never
    // sees the submit; the queue sends instead.
    document.addEventListener(
      "submit",
      function (event) {
        var form = event.target;
        if (!(form instanceof HTMLFormElement)) return;
        if (isMark(form)) {
          var who = form.querySelector('input[name="participant"]');
          var present = form.querySelector('input[name="present"]');
          if (!who || !present) return;
          if (!add({ kind: "mark", participant: who.value, present: present.value === "1" })) {
            return;
          }
          event.preventDefault();
          event.stopPropagation();
        } else if (isHeadCount(form)) {
          var field = form.querySelector('input[name="head_count"]');
          var value = field ? field.value.trim() : "";
          // Anything but a plain number goes the ordinary way, for the page's own message.
          if (!/^\d{1,5}$/.test(value)) return;
          if (!add({ kind: "head_count", headCount: parseInt(value, 10) })) return;
          event.preventDefault();
          event.stopPropagation();
        }
      },
      true
    );

    window.addEventListener("online", function () {
      retryMs = RETRY_FIRST_MS;
      if (timer) {
        window.clearTimeout(timer);
        timer = null;
      }
      send();
    });
    window.addEventListener("offline", showAll);
    // Another tab of the same page changed the queue.
    window.addEventListener("storage", function (event) {
      if (event.key === key) showAll();
    });

    if (load().length) said = "waiting";
    showAll();
    send();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
