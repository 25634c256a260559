// The inbox as a work queue (docs/ui.md, "The inbox as a work queue"): keyboard shortcuts,
// ticking rows for the bulk actions, and the list's live refresh. Loaded as a file: the CSP
// allows no inline script. Reply/note shortcuts (r, n) and "/" live in app.js.
(function () {
  "use strict";

  var POLL_MS = window.afterdeskPollMs || 30000;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#ticket-list tr.queue-row"));
  }

  function currentIndex(list) {
    var active = document.activeElement;
    for (var i = 0; i < list.length; i++) {
      if (list[i].contains(active) || list[i].classList.contains("is-current")) return i;
    }
    return -1;
  }

  function select(list, index) {
    if (!list.length) return;
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row) { row.classList.remove("is-current"); });
    var row = list[index];
    row.classList.add("is-current");
    var link = row.querySelector("a.open");
    if (link) link.focus();
  }

  function typing(target) {
    return target && target.matches && target.matches("input, textarea, select, [contenteditable]");
  }

  function inboxKey(event) {
    var list = rows();
    var index = currentIndex(list);
    switch (event.key) {
      case "j": select(list, index + 1); return true;
      case "k": select(list, index < 0 ? 0 : index - 1); return true;
      case "o":
        if (index >= 0) list[index].querySelector("a.open").click();
        return true;
      case "x":
        if (index >= 0) {
          var box = list[index].querySelector("input[type=checkbox]");
          box.checked = !box.checked;
        }
        return true;
      case "a":
        var action = document.querySelector("#id_bulk_action");
        if (!action) return false;
        action.value = "assign";
        document.querySelector("#bulk-form select[name=agent]").focus();
        return true;
      case "N":
        var next = document.querySelector("#next-ticket");
        if (next) window.location.assign(next.href);
        return true;
      case "?":
        var help = document.querySelector("#shortcuts");
        if (help && !help.open) help.showModal();
        return true;
    }
    return false;
  }

  function ticketKey(event) {
    switch (event.key) {
      case "a":
        var agent = document.querySelector("#form-assign select[name=agent]");
        if (agent) agent.focus();
        return Boolean(agent);
      case "s":
        var status = document.querySelector("#form-status select[name=status]");
        if (!status) return false;
        status.value = "solved";
        status.form.querySelector("button[type=submit]").focus();
        return true;
      case "u":
        var back = document.querySelector("#back-to-inbox");
        if (back) window.location.assign(back.href);
        return Boolean(back);
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    var handled = document.querySelector("#ticket-list") ? inboxKey(event) : ticketKey(event);
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("#shortcuts-open")) {
      document.querySelector("#shortcuts").showModal();
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.id !== "pick-all") return;
    rows().forEach(function (row) {
      row.querySelector("input[type=checkbox]").checked = event.target.checked;
    });
  });

  // Forms that act on "the list as it is now" carry the current filters (the URL changes as
  // the filters do, without a page load).
  document.addEventListener("submit", function (event) {
    var name = event.target.getAttribute && event.target.getAttribute("data-carry-query");
    if (!name) return;
    var field = event.target.querySelector("input[name=" + name + "]");
    if (field) field.value = window.location.search.replace(/^\?/, "");
  }, true);

  // Live updates: the list is fetched again every POLL_MS while the tab is visible, nobody
  // is ticking rows or typing in the filters, and the same row stays the current one.
  function busy() {
    if (document.visibilityState !== "visible") return true;
    if (document.querySelector("#ticket-list input[type=checkbox]:checked")) return true;
    var active = document.activeElement;
    return Boolean(active && active.closest && active.closest("#inbox-filters, #bulk-form, .queue-views"));
  }

  function refresh() {
    var list = document.querySelector("#ticket-list");
    if (!list || !window.htmx || busy()) return;
    var current = document.querySelector("#ticket-list tr.is-current");
    var keep = current && current.getAttribute("data-ticket");
    window.htmx.ajax("GET", window.location.pathname + window.location.search, {
      target: "#ticket-list",
      swap: "outerHTML",
    }).then(function () {
      if (!keep) return;
      var list = rows();
      for (var i = 0; i < list.length; i++) {
        if (list[i].getAttribute("data-ticket") === keep) select(list, i);
      }
    });
  }

  // Any swap of the list (a filter's change, the search box losing the focus after Enter, the
  // live refresh) keeps the keyboard's current row when the new list still holds its ticket:
  // without this, "j" then Enter could land between two swaps and open nothing.
  var kept = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "ticket-list") return;
    var current = document.querySelector("#ticket-list tr.is-current");
    kept = current && current.getAttribute("data-ticket");
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!kept || !event.detail.target || !document.querySelector("#ticket-list")) return;
    var list = rows();
    for (var i = 0; i < list.length; i++) {
      if (list[i].getAttribute("data-ticket") === kept) select(list, i);
    }
    kept = null;
  });

  if (document.querySelector("#ticket-list")) window.setInterval(refresh, POLL_MS);
})();
