// A form marked data-submit-once sends once: a second click while the first request is
// on its way does nothing (the server refuses a replay too: lib/review.py).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-submit-once")) return;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
});

// A form marked data-warn-unsaved asks before the page is left with changes typed in it and
// not sent; sending it does not ask. A form that comes back with what was typed (its errors
// shown, data-unsaved) holds unsaved work from the start. Other pages reuse it as it is.
(function () {
  var initial = new WeakMap();

  function state(form) {
    var parts = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      parts.push(name + "=" + (typeof value === "string" ? value : value.name + ":" + value.size));
    });
    return parts.join("&");
  }

  function remember() {
    document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
      if (!initial.has(form)) initial.set(form, state(form));
    });
  }

  function unsaved(form) {
    if (form.dataset.leaving) return false;
    if (form.hasAttribute("data-unsaved")) return true;
    return initial.has(form) && initial.get(form) !== state(form);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", remember);
  } else {
    remember();
  }
  document.addEventListener("submit", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-warn-unsaved")) {
      event.target.dataset.leaving = "1";
    }
  });
  // A page shown again from the back-forward cache starts a fresh watch.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
      delete form.dataset.leaving;
      delete form.dataset.sent;
    });
  });
  window.addEventListener("beforeunload", function (event) {
    var forms = document.querySelectorAll("form[data-warn-unsaved]");
    for (var i = 0; i < forms.length; i++) {
      if (unsaved(forms[i])) {
        event.preventDefault();
        event.returnValue = "";
        return;
      }
    }
  });
})();
