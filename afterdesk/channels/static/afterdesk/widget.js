/*
 * Afterdesk chat widget (docs/channels.md, "Chat widget"). One tag on the seller's store:
 *
 *   <script src="https://desk.example/static/afterdesk/widget.js" data-widget="KEY" defer></script>
 *
 * Optional attributes (the store's own words, in its buyers' language): data-title, data-label
 * (the button), data-placeholder, data-send, data-close (the close button's name).
 * Plain JavaScript, no dependencies, no cookies: the conversation token lives in the buyer's
 * localStorage and travels in the X-Widget-Token header. Text is shown with textContent only.
 * Styles are set through the CSSOM (element.style), which a store's Content-Security-Policy
 * without 'unsafe-inline' still allows.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.getAttribute("data-widget")) {
    return;
  }
  var key = script.getAttribute("data-widget");
  var endpoint = new URL(script.src).origin + "/widget/" + encodeURIComponent(key);
  var storageKey = "afterdesk-widget:" + key;
  var POLL_MS = 4000;
  var MAX_CHARS = 2000;
  var saved = load();
  var shown = {};
  var last = 0;
  var timer = null;
  var ui = build();

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey) || "{}") || {};
    } catch (error) {
      return {};
    }
  }

  function save() {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(saved));
    } catch (error) {
      /* private mode: the conversation lasts as long as the page */
    }
  }

  function attr(name, fallback) {
    return script.getAttribute(name) || fallback;
  }

  function styled(tag, styles, props) {
    var node = document.createElement(tag);
    Object.keys(styles).forEach(function (name) {
      node.style[name] = styles[name];
    });
    Object.keys(props || {}).forEach(function (name) {
      node[name] = props[name];
    });
    return node;
  }

  function build() {
    var font = "14px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif";
    var root = styled("div", {
      position: "fixed", right: "16px", bottom: "16px", zIndex: "2147483000", font: font,
    }, { id: "afterdesk-widget" });
    var open = styled("button", {
      background: "#1f4b99", color: "#fff", border: "0", borderRadius: "20px",
      padding: "10px 16px", cursor: "pointer", font: font,
    }, { id: "afterdesk-widget-open", type: "button", textContent: attr("data-label", "Chat with us") });
    var panel = styled("div", {
      display: "none", flexDirection: "column", width: "320px", height: "420px",
      background: "#fff", color: "#1b1b1b", border: "1px solid #c9ced6", borderRadius: "8px",
      boxShadow: "0 4px 16px rgba(0,0,0,.15)", overflow: "hidden",
    }, { id: "afterdesk-widget-panel" });
    panel.setAttribute("role", "dialog");
    var header = styled("div", {
      display: "flex", justifyContent: "space-between", alignItems: "center",
      background: "#1f4b99", color: "#fff", padding: "8px 12px",
    });
    var title = styled("strong", {}, { textContent: attr("data-title", "Customer service") });
    var close = styled("button", {
      background: "transparent", color: "#fff", border: "0", cursor: "pointer", font: font,
    }, { type: "button", textContent: "×" });
    close.setAttribute("aria-label", attr("data-close", "Close"));
    header.appendChild(title);
    header.appendChild(close);
    var list = styled("div", {
      flex: "1", overflowY: "auto", padding: "8px 12px", background: "#f6f7f9",
    }, { id: "afterdesk-widget-messages" });
    list.setAttribute("aria-live", "polite");
    var status = styled("div", { color: "#a11", padding: "0 12px", minHeight: "0" },
      { id: "afterdesk-widget-status" });
    var form = styled("form", { display: "flex", gap: "6px", padding: "8px", borderTop: "1px solid #e1e4e8" });
    var input = styled("textarea", {
      flex: "1", resize: "none", height: "40px", font: font, padding: "6px",
      border: "1px solid #c9ced6", borderRadius: "4px",
    }, { id: "afterdesk-widget-input", maxLength: MAX_CHARS, placeholder: attr("data-placeholder", "Write a message…") });
    var send = styled("button", {
      background: "#1f4b99", color: "#fff", border: "0", borderRadius: "4px",
      padding: "0 12px", cursor: "pointer", font: font,
    }, { id: "afterdesk-widget-send", type: "submit", textContent: attr("data-send", "Send") });
    form.appendChild(input);
    form.appendChild(send);
    panel.appendChild(header);
    panel.appendChild(list);
    panel.appendChild(status);
    panel.appendChild(form);
    root.appendChild(panel);
    root.appendChild(open);
    document.body.appendChild(root);

    open.addEventListener("click", function () {
      panel.style.display = "flex";
      open.style.display = "none";
      input.focus();
      start();
    });
    close.addEventListener("click", function () {
      panel.style.display = "none";
      open.style.display = "";
      stop();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      post(input.value);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        post(input.value);
      }
    });
    return { list: list, status: status, input: input, send: send, title: title };
  }

  function show(message) {
    if (shown[message.id]) {
      return;
    }
    shown[message.id] = true;
    last = Math.max(last, message.id);
    var mine = message.from === "buyer";
    var bubble = styled("div", {
      margin: "6px 0", padding: "6px 10px", borderRadius: "10px", maxWidth: "85%",
      whiteSpace: "pre-wrap", wordWrap: "break-word",
      background: mine ? "#1f4b99" : "#fff", color: mine ? "#fff" : "#1b1b1b",
      marginLeft: mine ? "auto" : "0", border: mine ? "0" : "1px solid #e1e4e8",
    }, { textContent: message.text });
    bubble.className = "afterdesk-widget-message afterdesk-widget-" + (mine ? "buyer" : "agent");
    ui.list.appendChild(bubble);
    ui.list.scrollTop = ui.list.scrollHeight;
  }

  function problem(text) {
    ui.status.textContent = text || "";
  }

  function request(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (saved.token) {
      headers["X-Widget-Token"] = saved.token;
    }
    return window.fetch(endpoint + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      mode: "cors",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          if (response.status === 403 && data.field === "X-Widget-Token") {
            saved = {};  // a conversation the desk no longer knows: start a new one
            save();
          }
          throw new Error(data.message || "error " + response.status);
        }
        return data;
      });
    });
  }

  function post(text) {
    text = (text || "").trim();
    if (!text) {
      return;
    }
    ui.send.disabled = true;
    var clientId = window.crypto && window.crypto.randomUUID
      ? window.crypto.randomUUID()
      : String(Date.now()) + Math.random().toString(16).slice(2);
    request("POST", "/messages", { text: text.slice(0, MAX_CHARS), client_id: clientId })
      .then(function (data) {
        if (data.token) {
          saved.token = data.token;
          save();
        }
        if (data.message && data.message.id) {
          show(data.message);
        }
        ui.input.value = "";
        problem("");
        start();
      })
      .catch(function (error) {
        problem(error.message);
      })
      .then(function () {
        ui.send.disabled = false;
      });
  }

  function poll() {
    if (!saved.token) {
      return;
    }
    request("GET", "/messages?since=" + last)
      .then(function (data) {
        (data.messages || []).forEach(show);
      })
      .catch(function (error) {
        problem(error.message);
      });
  }

  function start() {
    poll();
    if (timer === null) {
      timer = window.setInterval(poll, POLL_MS);
    }
  }

  function stop() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  request("GET", "/config").then(function (config) {
    if (config.name && !script.getAttribute("data-title")) {
      ui.title.textContent = config.name;
    }
    if (config.greeting) {
      show({ id: 0, from: "agent", text: config.greeting });
    }
  }).catch(function () { /* the chat still works with the defaults */ });
})();
