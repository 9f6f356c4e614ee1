/*
 * RNN Tutor widget: a launcher button and a chat panel for any course page.
 *
 *   <script src="https://tutor.example/widget.js" data-tutor-url="https://tutor.example"></script>
 *
 * Plain JavaScript, no build step. Everything lives in a shadow root with its own CSS, so
 * the page's stylesheets cannot reach in and ours cannot leak out. Replies stream from
 * POST /v1/chat/stream (Server-Sent Events read with fetch + ReadableStream); the final
 * reply_html is already sanitized by the server and is inserted through a <template>
 * (never eval). SVG plots are shown as data: images, so their markup never becomes DOM.
 * The session id is kept in localStorage and the history reloaded from
 * GET /v1/sessions/{id}/messages.
 */
(function () {
  "use strict";
  if (window.__rnnTutorWidget) return;
  window.__rnnTutorWidget = true;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var BASE = ((script && script.getAttribute("data-tutor-url")) ||
    (script && script.src ? new URL(script.src, location.href).origin : location.origin)).replace(/\/+$/, "");
  var KEY = "rnn-tutor:session:" + BASE;
  var OPEN_KEY = "rnn-tutor:open:" + BASE;
  var STARTERS = ["Why do RNNs forget?", "Walk me through a trace", "Quiz me"];

  var CSS = [
    ":host{all:initial !important;position:fixed !important;right:16px !important;bottom:16px !important;",
    "z-index:2147483000 !important;display:block !important;width:auto !important;height:auto !important;",
    "font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif !important;color:#1f2328 !important}",
    "*,*::before,*::after{box-sizing:border-box}[hidden]{display:none !important}",
    ".launcher{display:flex;align-items:center;gap:8px;margin-left:auto;padding:12px 18px;border:0;border-radius:999px;",
    "background:#0f6b73;color:#fff;font-weight:600;font-size:15px;line-height:1;font-family:inherit;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25)}",
    ".launcher:hover{background:#0c585f}",
    ":focus-visible{outline:3px solid #f2a900;outline-offset:2px}",
    ".panel{display:none;flex-direction:column;width:430px;max-width:calc(100vw - 32px);height:600px;",
    "max-height:calc(100vh - 96px);margin-bottom:12px;background:#fff;border-radius:14px;overflow:hidden;",
    "box-shadow:0 12px 40px rgba(0,0,0,.28);border:1px solid #d8dee4}",
    ".panel.open{display:flex}",
    "header{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#0f6b73;color:#fff}",
    "header h2{flex:1;margin:0;font-weight:600;font-size:15px;line-height:1.2;font-family:inherit}",
    "header small{display:block;font-weight:400;font-size:12px;opacity:.85}",
    "header button{border:1px solid rgba(255,255,255,.5);background:transparent;color:#fff;border-radius:8px;",
    "padding:5px 9px;font-size:13px;line-height:1;font-family:inherit;cursor:pointer}",
    "header button:hover{background:rgba(255,255,255,.15)}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px;background:#f6f8fa}",
    ".msg{max-width:92%;padding:9px 12px;border-radius:12px;word-wrap:break-word;overflow-wrap:anywhere}",
    ".user{align-self:flex-end;background:#0f6b73;color:#fff;white-space:pre-wrap;border-bottom-right-radius:4px}",
    ".assistant{align-self:flex-start;background:#fff;border:1px solid #d8dee4;border-bottom-left-radius:4px}",
    ".assistant.streaming .body{white-space:pre-wrap}",
    ".error{align-self:stretch;background:#fff1f0;border:1px solid #f3b5b0;color:#8c1d18}",
    ".body p{margin:0 0 8px}.body p:last-child{margin-bottom:0}",
    ".body pre{overflow-x:auto;background:#f0f2f4;padding:8px;border-radius:6px;font:12px/1.4 ui-monospace,monospace}",
    ".body code{font-family:ui-monospace,monospace;font-size:12.5px}",
    ".body ul,.body ol{margin:4px 0 8px;padding-left:20px}",
    ".body .scroll{overflow-x:auto;max-width:100%}.body .scroll:focus-visible{outline:2px solid #0f6b73}",
    ".body table,.trace table{border-collapse:collapse;font-size:12px;margin:6px 0}",
    ".body td,.body th,.trace td{white-space:nowrap}",
    ".trace summary{cursor:pointer;color:#57606a;font-size:12.5px}",
    ".body th,.body td,.trace th,.trace td{border:1px solid #d8dee4;padding:2px 6px;text-align:right}",
    ".body math{font-size:1.05em}",
    ".cites{margin:8px 0 0;padding:8px 0 0;border-top:1px solid #eaeef2;font-size:12.5px}",
    ".cites strong{display:block;margin-bottom:2px;color:#57606a;font-weight:600}",
    ".cites a{color:#0b5cad;display:block;text-decoration:none;min-height:24px;line-height:24px}.cites a:hover{text-decoration:underline}",
    ".trace{margin-top:8px;overflow-x:auto}.trace caption{text-align:left;font-weight:600;color:#57606a;padding-bottom:2px}",
    "figure{margin:8px 0 0}figure img{max-width:100%;height:auto;background:#fff;border:1px solid #eaeef2;border-radius:6px}",
    "figcaption{font-size:12px;color:#57606a}",
    ".exercise{margin-top:8px;padding:10px;border:1px solid #f2a900;background:#fffaf0;border-radius:10px}",
    ".exercise h3{margin:0 0 6px;font-weight:600;font-size:13px;line-height:1.3;font-family:inherit;color:#7a5300}",
    ".exercise .q{margin:0 0 8px;white-space:pre-wrap}",
    ".exercise form{display:flex;flex-wrap:wrap;gap:6px}",
    ".exercise input{flex:1 1 120px;min-width:0;padding:6px 8px;border:1px solid #afb8c1;border-radius:8px;font-size:14px;font-family:inherit}",
    ".btn{padding:6px 10px;border-radius:8px;border:1px solid #afb8c1;background:#fff;color:#1f2328;",
    "font-size:13px;line-height:1.2;font-family:inherit;cursor:pointer}.btn:hover{background:#f3f4f6}",
    ".btn.primary{background:#0f6b73;border-color:#0f6b73;color:#fff}.btn:disabled{opacity:.55;cursor:default}",
    ".rate{display:flex;gap:4px;margin-top:6px;align-items:center;font-size:12px;color:#57606a}",
    ".rate button{display:flex;border:1px solid transparent;background:transparent;color:#57606a;border-radius:6px;cursor:pointer;padding:3px 5px}",
    ".rate svg{width:16px;height:16px;fill:currentColor}.rate button.down svg{transform:scaleY(-1)}",
    ".rate button:hover{border-color:#d8dee4}.rate button[aria-pressed=true]{background:#e7f3f4;border-color:#0f6b73}",
    ".chips{display:flex;flex-wrap:wrap;gap:6px;padding:8px 12px 0;background:#fff}",
    ".chips button{padding:6px 10px;border-radius:999px;border:1px solid #0f6b73;background:#fff;color:#0f6b73;",
    "font-size:13px;line-height:1.2;font-family:inherit;cursor:pointer}.chips button:hover{background:#e7f3f4}",
    ".compose{display:flex;gap:8px;padding:10px 12px;background:#fff;border-top:1px solid #eaeef2}",
    ".compose textarea{flex:1;resize:none;min-height:40px;max-height:120px;padding:9px 10px;border:1px solid #afb8c1;",
    "border-radius:10px;font-size:14px;line-height:1.35;font-family:inherit;color:#1f2328;background:#fff}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    ".typing{color:#57606a;font-style:italic}",
    "@media (max-width:480px){:host{right:8px !important;bottom:8px !important;left:8px !important}",
    ".panel{width:100%;max-width:100%;height:calc(100vh - 80px);max-height:none}}",
  ].join("");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  var tables = 0;
  function fromHtml(html) {
    var t = document.createElement("template");
    t.innerHTML = html; // server-sanitized (nh3); template content never runs scripts
    // A wide table scrolls sideways inside the narrow panel: wrap it in a focusable,
    // labelled region so keyboard users can scroll it too (WCAG 2.1.1).
    t.content.querySelectorAll("table").forEach(function (table) {
      tables += 1; // landmarks need distinct names: the columns, and a number
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      }).filter(Boolean).join(", ").slice(0, 60);
      var region = el("div", { class: "scroll", role: "region", tabindex: "0",
        "aria-label": "Table " + tables + (heads ? ": " + heads : "") });
      table.parentNode.insertBefore(region, table);
      region.appendChild(table);
    });
    return t.content;
  }

  function svgDataUrl(svg) {
    var bytes = new TextEncoder().encode(svg), bin = "";
    for (var i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return "data:image/svg+xml;base64," + btoa(bin);
  }

  function fmt(v) { return typeof v === "number" ? (Math.round(v * 10000) / 10000).toFixed(4) : String(v); }

  // ---- DOM -----------------------------------------------------------------------------
  var host = document.createElement("rnn-tutor");
  var root = host.attachShadow({ mode: "open" });
  root.appendChild(el("style", { text: CSS }));
  var launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false",
    "aria-controls": "rnn-tutor-panel", text: "Ask the tutor" });
  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
  var chips = el("div", { class: "chips", role: "group", "aria-label": "Suggested questions" });
  var input = el("textarea", { id: "rnn-tutor-input", rows: "1", placeholder: "Ask about this lesson…",
    "aria-label": "Your question for the tutor", maxlength: "4000" });
  var send = el("button", { class: "btn primary", type: "submit", text: "Send" });
  var form = el("form", { class: "compose", "aria-label": "Ask the tutor" }, [input, send]);
  var newChat = el("button", { type: "button", text: "New chat", "aria-label": "Start a new chat" });
  var closeBtn = el("button", { type: "button", text: "✕", "aria-label": "Close the tutor" });
  var status = el("div", { class: "sr", role: "status" });
  var panel = el("section", { class: "panel", id: "rnn-tutor-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "rnn-tutor-title" }, [
    // role none: inside the dialog this is its title bar, not a second page banner
    el("header", { role: "none" }, [el("h2", { id: "rnn-tutor-title" }, [document.createTextNode("RNN Tutor"),
      el("small", { text: "Why sequences need memory" })]), newChat, closeBtn]),
    log, chips, form, status]);
  root.appendChild(panel);
  root.appendChild(launcher);

  STARTERS.forEach(function (q) {
    chips.appendChild(el("button", { type: "button", text: q, onclick: function () { input.focus(); ask(q); } }));
  });

  var sessionId = localStorage.getItem(KEY);
  var nextIndex = 0; // seq of the next stored message in this session (user, then assistant)
  var busy = false;

  function setOpen(open) {
    panel.classList.toggle("open", open);
    launcher.setAttribute("aria-expanded", String(open));
    launcher.textContent = open ? "Close tutor" : "Ask the tutor";
    try { sessionStorage.setItem(OPEN_KEY, open ? "1" : ""); } catch (e) { /* private mode */ }
    if (open) { input.focus(); log.scrollTop = log.scrollHeight; } else launcher.focus();
  }
  launcher.addEventListener("click", function () { setOpen(!panel.classList.contains("open")); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.stopPropagation(); setOpen(false); } });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); ask(input.value); });
  newChat.addEventListener("click", function () {
    sessionId = null; nextIndex = 0; localStorage.removeItem(KEY);
    log.replaceChildren(); chips.hidden = false; status.textContent = "Started a new chat."; input.focus();
  });

  function scroll() { log.scrollTop = log.scrollHeight; }

  function addUser(text) {
    chips.hidden = true;
    log.appendChild(el("div", { class: "msg user", text: text }));
    scroll();
  }

  function addError(message) {
    log.appendChild(el("div", { class: "msg error", role: "alert", text: message }));
    scroll();
  }

  // ---- rendering a reply ---------------------------------------------------------------
  function citations(list) {
    if (!list || !list.length) return null;
    var box = el("div", { class: "cites" }, [el("strong", { text: "Sources" })]);
    var seen = {};
    list.forEach(function (c) {
      var label = c.section.split(" > ").slice(-1)[0] || c.source;
      if (seen[label]) return; seen[label] = true;
      var a = el(c.url ? "a" : "span", { text: "§ " + label, title: c.quote || c.section });
      if (c.url) { a.href = /^https?:/.test(c.url) ? c.url : BASE + c.url; a.target = "_blank"; a.rel = "noopener"; }
      box.appendChild(a);
    });
    return box;
  }

  function traceTable(trace) {
    if (!trace || !trace.steps || !trace.steps.length) return null;
    var hasC = trace.steps.some(function (s) { return s.c; });
    var head = el("tr", {}, ["t", "x", "h"].concat(hasC ? ["c"] : []).map(function (h) { return el("th", { scope: "col", text: h }); }));
    var rows = trace.steps.slice(0, 30).map(function (s) {
      var cells = [s.t, s.x.map(fmt).join(", "), s.h.map(fmt).join(", ")];
      if (hasC) cells.push((s.c || []).map(fmt).join(", "));
      return el("tr", {}, cells.map(function (v) { return el("td", { text: String(v) }); }));
    });
    var table = el("table", { "data-trace-cell": trace.cell }, [
      el("caption", { class: "sr", text: trace.cell.toUpperCase() + " trace" }),
      el("thead", {}, [head]), el("tbody", {}, rows)]);
    var label = "Trace data: " + trace.cell.toUpperCase() + ", hidden size " + trace.hidden_size + ", " +
      trace.steps.length + " steps" + (trace.steps.length > 30 ? " (first 30 shown)" : "");
    return el("details", { class: "trace" }, [el("summary", { text: label }), table]);
  }

  function plots(list) {
    return (list || []).map(function (p) {
      return el("figure", {}, [el("img", { src: svgDataUrl(p.svg), alt: p.title }), el("figcaption", { text: p.title })]);
    });
  }

  function exerciseCard(ex) {
    if (!ex) return null;
    var id = ex.id || ex.exercise_id || "";
    var closed = ex.status === "solved" || ex.status === "revealed";
    var asks = (ex.asks || []).join(", ");
    var answer = el("input", { type: "text", "aria-label": "Your answer" + (asks ? " (" + asks + ")" : ""),
      placeholder: asks ? asks + " = …" : "Your answer", autocomplete: "off" }); // full keyboard: minus signs
    var check = el("button", { class: "btn primary", type: "submit", text: "Check" });
    var hint = el("button", { class: "btn", type: "button", text: "Hint", onclick: function () { ask("hint"); } });
    var give = el("button", { class: "btn", type: "button", text: "Give up", onclick: function () { ask("I give up"); } });
    // no accessible name: a named form is a landmark, and every card in the log has one
    var f = el("form", {}, [answer, check, hint, give]);
    f.addEventListener("submit", function (e) { e.preventDefault(); if (answer.value.trim()) ask(answer.value.trim()); });
    if (closed) [answer, check, hint, give].forEach(function (b) { b.disabled = true; });
    var state = ex.status === "solved" ? "Solved" : ex.status === "revealed" ? "Answer revealed" :
      "Open" + (ex.attempts ? " · " + ex.attempts + " attempt" + (ex.attempts > 1 ? "s" : "") : "") +
      (ex.hints_used ? " · " + ex.hints_used + " hint" + (ex.hints_used > 1 ? "s" : "") : "");
    return el("div", { class: "exercise", "data-exercise-id": id, "data-status": ex.status || "open",
      role: "group", "aria-label": "Exercise" }, [
      el("h3", { text: "Exercise" + (ex.level ? " · " + String(ex.level).replace(/_/g, " ") : "") + " · " + state }),
      asks ? el("p", { class: "q", text: "Give " + asks + (ex.tolerance ? " (within ±" + ex.tolerance + ")" : "") }) : null,
      f]);
  }

  function thumb() {
    var NS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(NS, "svg"), path = document.createElementNS(NS, "path");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z");
    svg.appendChild(path);
    return svg;
  }

  function rating(index) {
    if (index === null || index === undefined || !sessionId) return null;
    var row = el("div", { class: "rate", role: "group", "aria-label": "Rate this answer" });
    var note = el("span", { text: "" });
    function rate(value, btn) {
      [up, down].forEach(function (b) { b.disabled = true; });
      btn.setAttribute("aria-pressed", "true");
      fetch(BASE + "/v1/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session_id: sessionId, message_index: index, rating: value }) })
        .then(function (r) { note.textContent = r.ok ? "Thanks for the feedback" : "Could not save feedback"; });
    }
    var up = el("button", { type: "button", class: "up", "aria-label": "Helpful", "aria-pressed": "false",
      onclick: function () { rate("up", up); } }, [thumb()]);
    var down = el("button", { type: "button", class: "down", "aria-label": "Not helpful", "aria-pressed": "false",
      onclick: function () { rate("down", down); } }, [thumb()]);
    row.appendChild(up); row.appendChild(down); row.appendChild(note);
    return row;
  }

  function fillAssistant(node, reply, index) {
    var body = el("div", { class: "body" });
    body.appendChild(fromHtml(reply.reply_html));
    body.querySelectorAll("a[href]").forEach(function (a) { // lesson links point at the tutor
      var href = a.getAttribute("href");
      if (href.charAt(0) === "/" && href.charAt(1) !== "/") a.setAttribute("href", BASE + href);
      a.target = "_blank"; a.rel = "noopener";
    });
    node.classList.remove("streaming");
    node.replaceChildren(body);
    [citations(reply.citations), traceTable(reply.trace)].concat(plots(reply.plots), [exerciseCard(reply.exercise), rating(index)])
      .forEach(function (c) { if (c) node.appendChild(c); });
    node.setAttribute("aria-busy", "false");
  }

  // ---- talking to the server -----------------------------------------------------------
  function parseSse(buffer, onEvent) {
    var frames = buffer.split("\n\n");
    var rest = frames.pop();
    frames.forEach(function (frame) {
      var event = "message", data = [];
      frame.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) event = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
      });
      if (data.length) onEvent(event, JSON.parse(data.join("\n")));
    });
    return rest;
  }

  async function ask(text, retried) {
    text = (text || "").trim();
    if (!text || busy) return;
    busy = true; send.disabled = true;
    if (!retried) { addUser(text); input.value = ""; }
    var node = el("div", { class: "msg assistant streaming", "aria-busy": "true" },
      [el("div", { class: "body" }, [el("span", { class: "typing", text: "Thinking…" })])]);
    log.appendChild(node); scroll();
    try {
      var res = await fetch(BASE + "/v1/chat/stream", { method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ message: text, session_id: sessionId }) });
      if (!res.ok) {
        var err = await res.json().catch(function () { return {}; });
        var e = (err && err.error) || { code: "http_" + res.status, message: "The tutor answered " + res.status + "." };
        node.remove();
        if (e.code === "session_not_found" && !retried) {
          sessionId = null; localStorage.removeItem(KEY); nextIndex = 0; busy = false;
          return ask(text, true);
        }
        addError(e.message);
        return;
      }
      var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = "", streamed = "", final = null;
      while (true) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer = parseSse(buffer + decoder.decode(chunk.value, { stream: true }), function (event, data) {
          if (event === "delta") {
            streamed += data.text;
            node.firstChild.textContent = streamed; scroll();
          } else if (event === "error") {
            addError(data.message || "Something went wrong.");
          } else if (event === "done") {
            final = data;
          }
        });
      }
      if (final) {
        sessionId = final.session_id; localStorage.setItem(KEY, sessionId);
        var index = typeof final.message_index === "number" ? final.message_index : nextIndex + 1;
        nextIndex = index + 1;
        fillAssistant(node, final, index);
        status.textContent = "The tutor replied.";
        var top = node.previousElementSibling || node; // the learner's question, then the reply
        log.scrollTop = Math.max(0, top.offsetTop - log.offsetTop - 8);
      } else if (!streamed) { node.remove(); scroll(); }
    } catch (err) {
      node.remove();
      addError("Could not reach the tutor (" + err.message + "). Check your connection and try again.");
    } finally {
      busy = false; send.disabled = false;
    }
  }

  async function loadHistory() {
    if (!sessionId) return;
    try {
      var res = await fetch(BASE + "/v1/sessions/" + encodeURIComponent(sessionId) + "/messages");
      if (res.status === 404) { sessionId = null; localStorage.removeItem(KEY); return; }
      if (!res.ok) return;
      var data = await res.json();
      data.messages.forEach(function (m, i) {
        var index = m.index === undefined ? i : m.index;
        if (m.role === "user") addUser(m.content);
        else {
          var node = el("div", { class: "msg assistant" });
          log.appendChild(node);
          fillAssistant(node, { reply_html: m.content_html || "", citations: m.citations }, index);
          if (!m.content_html) node.firstChild.textContent = m.content;
        }
      });
      nextIndex = data.messages.length;
      scroll();
    } catch (e) { /* offline: start with an empty log */ }
  }

  function mount() {
    document.body.appendChild(host);
    loadHistory();
    var wasOpen = false;
    try { wasOpen = !!sessionStorage.getItem(OPEN_KEY); } catch (e) { /* private mode */ }
    if (wasOpen) { panel.classList.add("open"); launcher.setAttribute("aria-expanded", "true"); launcher.textContent = "Close tutor"; }
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
