// Afterdesk's few behaviours beyond htmx. Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";

  // A form with data-confirm (publish a scorecard, freeze a payout, undo a publish) asks its
  // question first; Cancel sends nothing.
  document.addEventListener("submit", function (event) {
    var question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // The language switch submits as soon as a language is picked.
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosubmit]");
    if (form) form.submit();
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target.matches && target.matches("input, textarea, select, [contenteditable]");
    // Ctrl/Cmd+Enter in a text area sends its form (reply, note).
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.tagName === "TEXTAREA") {
      event.preventDefault();
      target.form.requestSubmit();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    // "/" focuses the inbox search; "r" and "n" jump to the reply and note boxes.
    var focus = { "/": "#inbox-filters input[type=search]", r: "#form-reply textarea", n: "#form-note textarea" }[event.key];
    var element = focus && document.querySelector(focus);
    if (element) {
      event.preventDefault();
      element.focus();
    }
  });

  // An htmx request that fails (a 500, a 503 while the database is busy, the network gone)
  // would otherwise change nothing on screen: say so in a live region, with the server's own
  // message when it sent one (the busy page's, a JSON `detail`).
  function showRequestError(text) {
    var region = document.getElementById("request-error");
    if (!region) {
      region = document.createElement("p");
      region.id = "request-error";
      region.className = "request-error";
      region.setAttribute("role", "alert");
      document.body.appendChild(region);
    }
    region.textContent = text;
    region.hidden = false;
    window.clearTimeout(region.hideTimer);
    region.hideTimer = window.setTimeout(function () { region.hidden = true; }, 10000);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var message = document.body.dataset.requestFailed || "The request failed.";
    var detail = "";
    try {
      detail = JSON.parse(xhr.responseText).detail || "";
    } catch (ignored) {
      var page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      var paragraph = page.querySelector("main p");
      detail = paragraph ? paragraph.textContent.trim() : "";
    }
    showRequestError(message + " (" + xhr.status + ")" + (detail ? " " + detail : ""));
  });
  document.addEventListener("htmx:sendError", function () {
    showRequestError(document.body.dataset.requestUnsent || "The server could not be reached.");
  });
})();
