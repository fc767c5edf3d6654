// A form marked data-submit-once sends once: a second click while the first request is
// on its way does nothing (the server refuses a replay too: lib/review.py).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-submit-once")) return;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
});

// htmx swaps a 400 answer too: it carries the form again with the reasons beside the fields
// (lib/refusals.form_page), which the person must see.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr && event.detail.xhr.status === 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// A form marked data-warn-unsaved warns before the page is left with what was typed in it
// and not yet saved. Sending it (normally or through htmx) counts as saving; an htmx form
// that autosaves is clean again only if nothing was typed while its request was on the way.
// A form that came back with what was typed and its errors (data-unsaved) holds unsaved
// work from the start.
(function () {
  function markReturned() {
    document.querySelectorAll("form[data-warn-unsaved][data-unsaved]").forEach(function (form) {
      if (!form.dataset.edits) form.dataset.edits = "1";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", markReturned);
  } else {
    markReturned();
  }
  // A page shown again from the back-forward cache can be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.sent;
    });
  });
  function tracked(node) {
    return node && node.closest ? node.closest("form[data-warn-unsaved]") : null;
  }
  function edited(event) {
    var form = tracked(event.target);
    if (!form) return;
    form.dataset.edits = String(Number(form.dataset.edits || 0) + 1);
  }
  document.addEventListener("input", edited);
  document.addEventListener("change", edited);
  document.addEventListener("submit", function (event) {
    var form = tracked(event.target);
    if (form && !form.hasAttribute("hx-post")) form.dataset.edits = "0";
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = tracked(event.detail.elt);
    if (form) form.dataset.sending = form.dataset.edits || "0";
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = tracked(event.detail.elt);
    if (!form) return;
    var sent = Number(form.dataset.sending || 0);
    if (event.detail.successful) {
      form.dataset.edits = String(Math.max(0, Number(form.dataset.edits || 0) - sent));
    } else if (form.hasAttribute("data-autosave")) {
      // A 400 carries its own status; a refusal (403, 404) or no answer at all is said here.
      var code = event.detail.xhr ? event.detail.xhr.status : 0;
      var status = document.getElementById("autosave-status");
      if (status && code !== 400) {
        status.textContent = code === 403 || code === 404 ? status.dataset.refused : status.dataset.failed;
      }
    }
  });
  window.addEventListener("beforeunload", function (event) {
    var dirty = Array.prototype.some.call(
      document.querySelectorAll("form[data-warn-unsaved]"),
      function (form) { return Number(form.dataset.edits || 0) > 0; }
    );
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
})();
