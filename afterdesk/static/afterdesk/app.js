// Afterdesk's few behaviours beyond htmx. Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";

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
})();
