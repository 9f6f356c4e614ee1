/*
 * RNN Tutor widget: a launcher button and a chat panel for any course page.
 *
 *   <script src="https://tutor.example/widget.js" data-tutor-url="https://tutor.example"></script>
 *
 * Optional: data-timeout="90" (seconds without any news from the tutor before a reply is
 * given up as timed out).
 *
 * Plain JavaScript, no build step. Everything lives in a shadow root with its own CSS, so
 * the page's stylesheets cannot reach in and ours cannot leak out; the widget sets its own
 * direction (ltr) and follows the learner's font size, colour scheme and motion setting.
 * Replies stream from POST /v1/chat/stream?done=compact (Server-Sent Events read with
 * fetch + ReadableStream): "delta" texts, "block" events with the sanitized HTML of each
 * finished Markdown block (shown at once, so formatting and MathML appear while the rest
 * streams), "trace", "exercise" and "plot" events as soon as the lab has made them (each
 * drawn at once under the reply's text, and never again), citations, and a short "done"
 * that only finishes the reply (final HTML, sources, footer). Server HTML is
 * inserted through a <template> (never eval); SVG plots are shown as data: images, so
 * their markup never becomes DOM. The session id is kept in localStorage and the
 * conversation redrawn from GET /v1/sessions/{id}/messages, exercise cards included:
 * only the current exercise's card is live, older ones show what became of them.
 * A failed or cut-off turn keeps the learner's words and offers Retry.
 */
(function () {
  "use strict";
  if (window.__rnnTutorWidget) return;
  window.__rnnTutorWidget = true;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var BASE = ((script && script.getAttribute("data-tutor-url")) ||
    (script && script.src ? new URL(script.src, location.href).origin : location.origin)).replace(/\/+$/, "");
  var TIMEOUT_S = Number(script && script.getAttribute("data-timeout")) || 90;
  var KEY = "rnn-tutor:session:" + BASE;
  var OPEN_KEY = "rnn-tutor:open:" + BASE;
  var STARTERS = ["Why do RNNs forget?", "Walk me through a trace", "Quiz me"];

  // Sizes are in em of the host, whose font-size is the browser's own "medium": the
  // learner's font setting scales everything, and no page (not even html{font-size:40px},
  // which would move rem) can.
  var CSS = [
    ":host{all:initial !important;direction:ltr !important;unicode-bidi:isolate !important;",
    "position:fixed !important;right:1em !important;bottom:1em !important;z-index:2147483000 !important;",
    "display:block !important;width:auto !important;height:auto !important;",
    "font:normal 400 medium/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif !important}",
    ".w{--bg:#fff;--fg:#1f2328;--muted:#57606a;--line:#d8dee4;--soft:#f6f8fa;--code:#f0f2f4;",
    "--accent:#0f6b73;--accent-hover:#0c585f;--on-accent:#fff;--accent-text:#0f6b73;--accent-soft:#e7f3f4;",
    "--link:#0b5cad;--ex-bg:#fffaf0;--ex-line:#f2a900;--ex-fg:#7a5300;--bad-bg:#fff1f0;--bad-line:#f3b5b0;--bad-fg:#8c1d18;",
    "color:var(--fg);display:flex;flex-direction:column;align-items:flex-end}",
    "@media (prefers-color-scheme:dark){.w{--bg:#1c2128;--fg:#e6edf3;--muted:#a3adb8;--line:#444c56;--soft:#12161b;",
    "--code:#262c34;--accent-text:#6fd0d8;--accent-soft:#173b3f;--link:#8cc4ff;--ex-bg:#2a2415;--ex-line:#b07d00;",
    "--ex-fg:#f3cd77;--bad-bg:#3b1f1f;--bad-line:#8c3a35;--bad-fg:#ffb8b0}}",
    "*,*::before,*::after{box-sizing:border-box}[hidden]{display:none !important}",
    "button,input,textarea{font-family:inherit;color:inherit}",
    ".launcher{position:relative;display:flex;align-items:center;gap:.5em;min-height:44px;padding:.75em 1.15em;border:0;",
    "border-radius:999px;background:var(--accent);color:var(--on-accent);font-weight:600;font-size:.9375em;line-height:1;",
    "cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25)}.launcher:hover{background:var(--accent-hover)}",
    ".badge{min-width:1.5em;height:1.5em;padding:0 .4em;border-radius:999px;background:#b3261e;color:#fff;",
    "font-size:.8em;line-height:1.5em;text-align:center}",
    ":focus-visible{outline:3px solid #f2a900;outline-offset:2px}",
    ".panel{display:none;flex-direction:column;width:27em;max-width:calc(100vw - 2em);height:38em;",
    "max-height:calc(100vh - 6em);max-height:calc(100dvh - 6em);margin-bottom:.75em;background:var(--bg);",
    "border-radius:14px;overflow:hidden;box-shadow:0 12px 40px rgba(0,0,0,.28);border:1px solid var(--line)}",
    ".panel.open{display:flex}",
    "header{display:flex;align-items:center;gap:.5em;padding:.25em .5em .25em .75em;background:var(--accent);color:var(--on-accent)}",
    "header h2{flex:1;margin:0;font-weight:600;font-size:.9375em;line-height:1.2}",
    "header small{display:block;font-weight:400;font-size:.8em;opacity:.9}",
    "header button{min-height:44px;min-width:44px;border:1px solid rgba(255,255,255,.55);background:transparent;",
    "color:var(--on-accent);border-radius:8px;padding:0 .75em;font-size:.875em;line-height:1;cursor:pointer}",
    "header button:hover{background:rgba(255,255,255,.15)}",
    ".notice{margin:0;padding:.5em .75em;background:var(--bad-bg);color:var(--bad-fg);border-bottom:1px solid var(--bad-line);",
    "font-size:.875em;display:flex;gap:.5em;align-items:center;flex-wrap:wrap}",
    ".logwrap{position:relative;flex:1;min-height:0;display:flex}",
    ".log{flex:1;overflow-y:auto;padding:.75em;display:flex;flex-direction:column;gap:.625em;background:var(--soft);",
    "font-size:.9375em}",
    ".msg{max-width:92%;padding:.6em .8em;border-radius:12px;overflow-wrap:anywhere}",
    ".user{align-self:flex-end;background:var(--accent);color:var(--on-accent);white-space:pre-wrap;border-bottom-right-radius:4px}",
    ".user.failed{background:var(--bad-bg);color:var(--bad-fg);border:1px dashed var(--bad-line)}",
    ".assistant{align-self:flex-start;width:92%;background:var(--bg);border:1px solid var(--line);border-bottom-left-radius:4px}",
    ".assistant.incomplete{border-style:dashed}",
    ".note{align-self:flex-end;display:flex;gap:.5em;align-items:center;flex-wrap:wrap;font-size:.875em;color:var(--bad-fg)}",
    ".assistant .note{align-self:auto;margin-top:.5em}",
    ".error{align-self:stretch;background:var(--bad-bg);border:1px solid var(--bad-line);color:var(--bad-fg)}",
    ".body p{margin:0 0 .5em}.body p:last-child{margin-bottom:0}",
    ".tail{white-space:pre-wrap;color:var(--muted)}",
    ".body pre{overflow-x:auto;background:var(--code);padding:.5em;border-radius:6px;font:.85em/1.4 ui-monospace,monospace}",
    ".body code{font-family:ui-monospace,monospace;font-size:.9em;overflow-wrap:anywhere}",
    ".body ul,.body ol{margin:.25em 0 .5em;padding-left:1.25em}",
    ".body a,.cites a{color:var(--link)}",
    ".scroll{overflow-x:auto;max-width:100%}.scroll:focus-visible{outline:2px solid var(--accent)}",
    ".scroll-hint{margin:.25em 0 0;font-size:.8em;color:var(--muted)}",
    ".body table,.trace table{border-collapse:collapse;font-size:.85em;margin:.4em 0}",
    ".body td,.body th,.trace td{white-space:nowrap}",
    ".body th,.body td,.trace th,.trace td{border:1px solid var(--line);padding:.15em .4em;text-align:right}",
    ".body math{font-size:1.05em}.nobr{white-space:nowrap}",
    ".trace{margin-top:.5em;overflow-x:auto}.trace summary{cursor:pointer;color:var(--muted);font-size:.875em;min-height:1.5em}",
    ".cites{margin:.5em 0 0;padding:.5em 0 0;border-top:1px solid var(--line);font-size:.875em}",
    ".cites strong{display:block;margin-bottom:2px;color:var(--muted);font-weight:600}",
    ".cites a{display:block;text-decoration:none;min-height:1.9em;line-height:1.9em}.cites a:hover{text-decoration:underline}",
    "figure{margin:.5em 0 0}figure button{display:block;width:100%;padding:0;border:1px solid var(--line);border-radius:6px;",
    "background:#fff;cursor:zoom-in}figure img{display:block;width:100%;height:auto}",
    "figcaption{font-size:.8em;color:var(--muted)}",
    "dialog{width:min(96vw,60em);max-height:96vh;padding:.75em;border:1px solid var(--line);border-radius:10px;",
    "background:var(--bg);color:var(--fg)}dialog img{display:block;width:100%;height:auto;background:#fff}",
    "dialog::backdrop{background:rgba(0,0,0,.6)}dialog .bar{display:flex;justify-content:space-between;align-items:center;gap:.5em}",
    ".exercise{margin-top:.5em;padding:.6em;border:1px solid var(--ex-line);background:var(--ex-bg);border-radius:10px}",
    ".exercise h3{margin:0 0 .4em;font-weight:600;font-size:.875em;line-height:1.3;color:var(--ex-fg)}",
    ".exercise .q{margin:0 0 .5em}",
    ".exercise form{display:flex;flex-wrap:wrap;gap:.4em}",
    ".exercise input{flex:1 1 100%;min-width:0;min-height:44px;padding:.4em .5em;border:1px solid #8c959f;border-radius:8px;",
    "font-size:1em;background:var(--bg)}",
    ".exercise .say{flex:1 1 100%;margin:0;font-size:.875em;color:var(--bad-fg)}",
    ".btn{min-height:44px;padding:.4em .8em;border-radius:8px;border:1px solid #8c959f;background:var(--bg);color:var(--fg);",
    "font-size:.875em;line-height:1.2;cursor:pointer}.btn:hover{background:var(--soft)}",
    ".btn.primary{background:var(--accent);border-color:var(--accent);color:var(--on-accent)}",
    ".btn:disabled{opacity:.55;cursor:default}",
    ".foot{display:flex;gap:.25em;margin-top:.4em;align-items:center;flex-wrap:wrap;font-size:.8em;color:var(--muted)}",
    ".foot time{margin-right:auto;opacity:0}.assistant:hover .foot time,.assistant:focus-within .foot time{opacity:1}",
    ".foot button{display:flex;align-items:center;justify-content:center;min-width:2.25em;min-height:2.25em;",
    "border:1px solid transparent;background:transparent;color:var(--muted);border-radius:6px;cursor:pointer;padding:0 .4em;font-size:1em}",
    ".foot svg{width:1.2em;height:1.2em;fill:currentColor}.foot button.down svg{transform:scaleY(-1)}",
    ".foot button:hover{border-color:var(--line)}.foot button[aria-pressed=true]{background:var(--accent-soft);border-color:var(--accent)}",
    ".comment{display:flex;flex-wrap:wrap;gap:.4em;margin-top:.4em}.comment label{flex:1 1 100%;font-size:.875em}",
    ".comment textarea{flex:1 1 100%;min-height:4em;padding:.4em;border:1px solid #8c959f;border-radius:8px;font-size:1em;background:var(--bg)}",
    ".chips{display:flex;flex-wrap:wrap;gap:.4em;padding:.5em .75em 0;background:var(--bg)}",
    ".chips button{min-height:44px;padding:.4em .75em;border-radius:999px;border:1px solid var(--accent-text);",
    "background:var(--bg);color:var(--accent-text);font-size:.875em;line-height:1.2;cursor:pointer}.chips button:hover{background:var(--accent-soft)}",
    ".jump{position:absolute;right:1em;bottom:.75em;min-height:44px;padding:0 1em;border-radius:999px;border:1px solid var(--line);",
    "background:var(--bg);color:var(--fg);box-shadow:0 2px 8px rgba(0,0,0,.2);font-size:.875em;cursor:pointer}",
    ".compose{display:flex;gap:.5em;align-items:flex-end;padding:.6em .75em;background:var(--bg);border-top:1px solid var(--line)}",
    ".compose textarea{flex:1;resize:none;min-height:44px;max-height:9em;padding:.55em .6em;border:1px solid #8c959f;",
    "border-radius:10px;font-size:1em;line-height:1.35;background:var(--bg);overflow-y:auto}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    ".typing{color:var(--muted);font-style:italic}.typing::after{content:'';display:inline-block;width:1.2em;",
    "animation:dots 1.2s steps(4) infinite;text-align:left}",
    "@keyframes dots{0%{content:''}25%{content:'.'}50%{content:'..'}75%{content:'...'}}",
    ".log{scroll-behavior:smooth}",
    "@media (prefers-reduced-motion:reduce){.log{scroll-behavior:auto}.typing::after{animation:none;content:'…'}}",
    // A phone, or a desktop zoomed to 400 %: the open panel is the whole (visual) viewport.
    "@media (max-width:480px),(max-height:480px){",
    ":host(.full){inset:0 auto auto 0 !important;width:100% !important}",
    ":host(.full) .panel{width:100%;max-width:none;height:100vh;height:100dvh;max-height:none;margin:0;border:0;border-radius:0;box-shadow:none}",
    ":host(.full) .launcher{display:none}.msg{max-width:100%}.assistant{width:100%}}",
    "@media (max-width:480px),(max-height:480px),(pointer:coarse){.foot button{min-width:44px;min-height:44px}",
    ".cites a{min-height:44px;line-height:44px}}",
    // Short screens (landscape phones, 400 % zoom): the panel scrolls as one page, the
    // header scrolls away and the input stays at the bottom, so the conversation gets
    // nearly the whole height instead of a sliver.
    "@media (max-height:480px){:host(.full) .panel.open{display:block;overflow-y:auto}",
    ":host(.full) .logwrap{display:block}:host(.full) .log{overflow:visible}:host(.full) .compose{position:sticky;bottom:0;z-index:1}",
    ":host(.full) .jump{position:sticky;left:100%;bottom:4.5em;margin:-3.25em .75em .5em auto;display:block}}",
  ].join("");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
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
    // A header cell that is only a formula ("x_t") also gets the formula in words, which
    // every screen reader and checker reads (not all read MathML).
    t.content.querySelectorAll("th").forEach(function (th) {
      var maths = th.querySelectorAll("math");
      if (!maths.length) return;
      var words = Array.prototype.map.call(th.childNodes, function (n) { return spoken(n); }).join("").trim();
      var plain = Array.prototype.filter.call(th.childNodes, function (n) { return n.nodeType === 3; })
        .map(function (n) { return n.textContent; }).join("").trim();
      if (plain) return;
      maths.forEach(function (m) { m.setAttribute("aria-hidden", "true"); });
      th.appendChild(el("span", { class: "sr", text: words }));
    });
    t.content.querySelectorAll("a[href]").forEach(function (a) { // lesson links point at the tutor
      var href = a.getAttribute("href");
      if (href.charAt(0) === "/" && href.charAt(1) !== "/") a.setAttribute("href", BASE + href);
      a.target = "_blank"; a.rel = "noopener";
    });
    return t.content;
  }

  // MathML read out in words: x_t is "x sub t", x^2 "x to the 2".
  function spoken(node) {
    if (node.nodeType === 3) return node.textContent;
    var kids = Array.prototype.map.call(node.childNodes, spoken);
    var name = (node.localName || "").toLowerCase();
    if (name === "msub" && kids.length === 2) return kids[0] + " sub " + kids[1];
    if (name === "msup" && kids.length === 2) return kids[0] + " to the " + kids[1];
    return kids.join("");
  }

  // Once laid out, a table wider than the panel says that it scrolls.
  function hintScroll(node) {
    requestAnimationFrame(function () {
      node.querySelectorAll(".scroll").forEach(function (region) {
        var next = region.nextElementSibling;
        var hinted = next && next.classList.contains("scroll-hint");
        if (region.scrollWidth > region.clientWidth + 2 && !hinted) {
          region.parentNode.insertBefore(el("p", { class: "scroll-hint", text: "Wide table: scroll sideways to see every column." }), next);
        }
      });
    });
  }

  function svgDataUrl(svg) {
    var bytes = new TextEncoder().encode(svg), bin = "";
    for (var i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return "data:image/svg+xml;base64," + btoa(bin);
  }

  function fmt(v) { return typeof v === "number" ? (Math.round(v * 10000) / 10000).toFixed(4) : String(v); }

  // "h_1" as MathML (the exercise's asks are names with a subscript); other text as text.
  var MATHML = "http://www.w3.org/1998/Math/MathML";
  function mathName(name) {
    var m = /^([A-Za-z]+)_\(?([A-Za-z0-9+-]+)\)?$/.exec(name);
    if (!m) return document.createTextNode(name);
    var math = document.createElementNS(MATHML, "math"), sub = document.createElementNS(MATHML, "msub");
    var base = document.createElementNS(MATHML, "mi"), idx = document.createElementNS(MATHML, /^\d+$/.test(m[2]) ? "mn" : "mi");
    base.textContent = m[1]; idx.textContent = m[2];
    sub.appendChild(base); sub.appendChild(idx); math.appendChild(sub);
    return math;
  }

  function when(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d)) d = new Date();
    return { iso: d.toISOString(), short: d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
      long: d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) };
  }

  // ---- DOM -----------------------------------------------------------------------------
  var host = document.createElement("rnn-tutor");
  host.setAttribute("dir", "ltr"); host.setAttribute("lang", "en");
  var root = host.attachShadow({ mode: "open" });
  root.appendChild(el("style", { text: CSS }));
  var badge = el("span", { class: "badge", hidden: "", "aria-hidden": "true" });
  var launchText = el("span", { text: "Ask the tutor" });
  var launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false",
    "aria-controls": "rnn-tutor-panel" }, [launchText, badge]);
  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
  var jump = el("button", { class: "jump", type: "button", text: "↓ Latest", hidden: "", "aria-label": "Jump to the latest message" });
  var notice = el("div", { class: "notice", role: "alert", hidden: "" });
  var chips = el("div", { class: "chips", role: "group", "aria-label": "Suggested questions" });
  var input = el("textarea", { id: "rnn-tutor-input", rows: "1", placeholder: "Ask about this lesson…",
    "aria-label": "Your question for the tutor (Shift+Enter for a new line)", maxlength: "4000" });
  var send = el("button", { class: "btn primary send", type: "submit", text: "Send" });
  var stop = el("button", { class: "btn stop", type: "button", text: "Stop", hidden: "", "aria-label": "Stop the answer" });
  var form = el("form", { class: "compose", "aria-label": "Ask the tutor" }, [input, send, stop]);
  var newChat = el("button", { type: "button", text: "New chat", "aria-label": "Start a new chat" });
  var closeBtn = el("button", { type: "button", text: "✕", "aria-label": "Close the tutor" });
  var status = el("div", { class: "sr", role: "status" });
  var viewer = el("dialog", { "aria-label": "Plot" });
  var panel = el("section", { class: "panel", id: "rnn-tutor-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "rnn-tutor-title" }, [
    // role none: inside the dialog this is its title bar, not a second page banner
    el("header", { role: "none" }, [el("h2", { id: "rnn-tutor-title" }, ["RNN Tutor",
      el("small", { text: "Why sequences need memory" })]), newChat, closeBtn]),
    notice, el("div", { class: "logwrap" }, [log, jump]), chips, form, status]);
  var wrap = el("div", { class: "w" }, [panel, launcher, viewer]);
  root.appendChild(wrap);

  STARTERS.forEach(function (q) {
    chips.appendChild(el("button", { type: "button", text: q, onclick: function () { input.focus(); ask(q); } }));
  });

  var sessionId = localStorage.getItem(KEY);
  var nextIndex = 0; // seq of the next stored message in this session (user, then assistant)
  var current = null; // the turn under way: {controller, reason}
  var unread = 0;

  // ---- panel, viewport, input ----------------------------------------------------------
  function isOpen() { return panel.classList.contains("open"); }
  function setOpen(open, quiet) {
    panel.classList.toggle("open", open);
    host.classList.toggle("full", open);
    launcher.setAttribute("aria-expanded", String(open));
    launchText.textContent = open ? "Close tutor" : "Ask the tutor";
    if (open) { unread = 0; showBadge(); fitViewport(); }
    try { sessionStorage.setItem(OPEN_KEY, open ? "1" : ""); } catch (e) { /* private mode */ }
    if (quiet) return;
    if (open) { input.focus(); toEnd(); } else launcher.focus();
  }
  function showBadge() {
    badge.hidden = !unread; badge.textContent = String(unread);
    launcher.setAttribute("aria-label", unread ? "Ask the tutor (" + unread + " new repl" + (unread > 1 ? "ies" : "y") + ")" : launchText.textContent);
    if (!unread) launcher.removeAttribute("aria-label");
  }
  launcher.addEventListener("click", function () { setOpen(!isOpen()); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.stopPropagation(); setOpen(false); } });

  // On a phone the on-screen keyboard shrinks the visual viewport, not the layout one:
  // size the full-screen panel to what is visible, so the input stays above the keyboard.
  var SMALL = window.matchMedia("(max-width:480px),(max-height:480px)");
  function fitViewport() {
    var vv = window.visualViewport;
    if (!vv || !isOpen() || !SMALL.matches) { panel.style.height = ""; wrap.style.transform = ""; return; }
    panel.style.height = vv.height + "px";
    wrap.style.transform = vv.offsetTop ? "translateY(" + vv.offsetTop + "px)" : "";
    toEnd();
  }
  if (window.visualViewport) {
    window.visualViewport.addEventListener("resize", fitViewport);
    window.visualViewport.addEventListener("scroll", fitViewport);
  }
  window.addEventListener("resize", fitViewport);

  function grow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 9 * parseFloat(getComputedStyle(input).fontSize)) + "px";
  }
  input.addEventListener("input", grow);
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (current) { status.textContent = "The tutor is still answering: wait, or press Stop."; return; }
    ask(input.value);
  });
  stop.addEventListener("click", function () { if (current) current.abort("stopped"); });
  newChat.addEventListener("click", function () {
    if (current) current.abort("stopped");
    sessionId = null; nextIndex = 0; localStorage.removeItem(KEY); cards = [];
    log.replaceChildren(); notice.hidden = true; chips.hidden = false;
    status.textContent = "Started a new chat."; input.focus();
  });

  function scroller() { return log.scrollHeight > log.clientHeight + 1 ? log : panel; }
  function nearEnd() { var s = scroller(); return s.scrollHeight - s.scrollTop - s.clientHeight < 80; }
  function toEnd() { log.scrollTop = log.scrollHeight; panel.scrollTop = panel.scrollHeight; jump.hidden = true; }
  function follow() { if (nearEnd()) toEnd(); else jump.hidden = false; }
  function onScroll() { if (nearEnd()) jump.hidden = true; else if (log.childElementCount) jump.hidden = false; }
  log.addEventListener("scroll", onScroll); panel.addEventListener("scroll", onScroll);
  jump.addEventListener("click", function () { toEnd(); input.focus(); });

  function addUser(text, iso) {
    chips.hidden = true;
    var t = when(iso);
    var node = el("div", { class: "msg user", title: "Sent " + t.long, "data-time": t.iso }, [el("span", { class: "text", text: text })]);
    log.appendChild(node);
    toEnd();
    return node;
  }

  // A failure note under a message, with Retry; ``onRetry`` null means no Retry.
  function failNote(anchor, text, onRetry) {
    var note = el("div", { class: "note", role: "alert" }, [el("span", { text: text })]);
    if (onRetry) note.appendChild(el("button", { class: "btn", type: "button", text: "Retry", onclick: onRetry }));
    anchor.insertAdjacentElement(anchor.classList.contains("assistant") ? "beforeend" : "afterend", note);
    return note;
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

  // The trace's numbers are shown unless the reply's own table shows them all already.
  function traceWanted(trace, body) {
    if (!trace || !trace.steps || !trace.steps.length) return false;
    var hasC = trace.steps.some(function (s) { return s.c; });
    return !(body && body.querySelector("table") && trace.hidden_size === 1 && !hasC && trace.steps.length <= 12);
  }

  function traceTable(trace) {
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

  function enlarge(p) {
    viewer.replaceChildren(el("div", { class: "bar" }, [el("strong", { text: p.title }),
      el("button", { class: "btn", type: "button", text: "Close", onclick: function () { viewer.close(); } })]),
      el("img", { src: svgDataUrl(p.svg), alt: p.title }));
    viewer.setAttribute("aria-label", p.title);
    viewer.showModal();
  }
  viewer.addEventListener("keydown", function (e) { if (e.key === "Escape") e.stopPropagation(); });

  function figure(p) {
    return el("figure", {}, [
      el("button", { type: "button", class: "zoom", "aria-label": "Enlarge the plot: " + p.title,
        onclick: function () { enlarge(p); } }, [el("img", { src: svgDataUrl(p.svg), alt: p.title })]),
      el("figcaption", { text: p.title })]);
  }

  // ---- exercise cards: one live card, the others say what became of their exercise -------
  var cards = []; // {id, node, ex}
  var STATUS = { solved: "Solved", revealed: "Answer revealed", replaced: "Replaced by a newer exercise" };

  function exerciseCard(ex) {
    if (!ex) return null;
    var card = { id: ex.id || ex.exercise_id || "", node: el("div", { class: "exercise", role: "group", "aria-label": "Exercise" }), ex: ex };
    cards.push(card);
    return card.node;
  }

  function drawCard(card, live) {
    var ex = card.ex, node = card.node, asks = ex.asks || [];
    var st = ex.status || "open";
    // Drawn again only when something shows differently: a live card keeps what the
    // learner is typing while the rest of its reply streams in.
    var sig = JSON.stringify([ex, live]);
    if (card.sig === sig) return;
    card.sig = sig;
    var head = STATUS[st] || (live ? "Open" : "Open · continued below");
    if (st === "open") {
      head += (ex.attempts ? " · " + ex.attempts + " attempt" + (ex.attempts > 1 ? "s" : "") : "") +
        (ex.hints_used ? " · " + ex.hints_used + " hint" + (ex.hints_used > 1 ? "s" : "") : "");
    }
    node.setAttribute("data-exercise-id", card.id);
    node.setAttribute("data-status", st);
    node.setAttribute("data-live", String(live));
    var q = null;
    if (asks.length) {
      q = el("p", { class: "q" }, ["Give "]);
      asks.forEach(function (a, i) { if (i) q.appendChild(document.createTextNode(", ")); q.appendChild(mathName(a)); });
      if (ex.tolerance) q.appendChild(document.createTextNode(" (within ±" + ex.tolerance + ")"));
    }
    var parts = [el("h3", { text: "Exercise" + (ex.level ? " · " + String(ex.level).replace(/_/g, " ") : "") + " · " + head }), q];
    if (live) parts.push(answerForm(ex, asks));
    node.replaceChildren.apply(node, parts.filter(Boolean));
  }

  function answerForm(ex, asks) {
    var signs = ex.level === "signs";
    var example = signs ? "+ - 0 + -" : "0.46, -0.12, …";
    var answer = el("input", { type: "text", autocomplete: "off", // full keyboard: minus signs
      "aria-label": "Your answer" + (asks.length ? " (" + asks.join(", ") + ")" : ""),
      placeholder: (asks.length ? asks.join(", ") + ": " : "") + "e.g. " + example });
    var say = el("p", { class: "say", "aria-live": "polite" });
    var f = el("form", {}, [answer, say,
      el("button", { class: "btn primary", type: "submit", text: "Check" }),
      el("button", { class: "btn", type: "button", text: "Hint", onclick: function () { ask("hint"); } }),
      el("button", { class: "btn", type: "button", text: "Give up", onclick: function () { ask("I give up"); } })]);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var v = answer.value.trim();
      if (!v) {
        say.textContent = "Type your answer first: " + (signs ? "the sign of each step (+, - or 0), e.g. " :
          (asks.length ? asks.join(", ") + " as numbers, e.g. " : "numbers, e.g. ")) + example;
        answer.focus();
        return;
      }
      say.textContent = "";
      ask(v);
    });
    return f;
  }

  // The last card is live while its exercise is open; cards of the same exercise take
  // its latest status; cards of an exercise that was left open were replaced.
  function settleCards() {
    cards = cards.filter(function (c) { return c.node.isConnected; }); // a retried reply's card is gone
    var last = cards[cards.length - 1];
    cards.forEach(function (c) {
      if (last && c !== last && c.id === last.id && (last.ex.status === "solved" || last.ex.status === "revealed")) {
        c.ex = Object.assign({}, c.ex, { status: last.ex.status });
      } else if (last && c.id !== last.id && (c.ex.status || "open") === "open") {
        c.ex = Object.assign({}, c.ex, { status: "replaced" });
      }
      drawCard(c, c === last && (c.ex.status || "open") === "open");
    });
  }

  function thumb() {
    var NS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(NS, "svg"), path = document.createElementNS(NS, "path");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z");
    svg.appendChild(path);
    return svg;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = el("textarea", { class: "sr" }); area.value = text; wrap.appendChild(area); area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { /* refused */ }
    area.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  // Time, Copy and the two thumbs under a reply; thumbs down asks what was wrong first.
  function footer(node, index, markdown, iso) {
    var t = when(iso);
    var row = el("div", { class: "foot", role: "group", "aria-label": "This answer" });
    var note = el("span", { "aria-live": "polite" });
    row.appendChild(el("time", { datetime: t.iso, title: t.long, text: t.short }));
    row.appendChild(el("button", { type: "button", class: "copy", text: "Copy", "aria-label": "Copy this answer",
      onclick: function () {
        copyText(markdown).then(function () { note.textContent = "Copied"; }, function () { note.textContent = "Could not copy"; });
      } }));
    if (index !== null && index !== undefined && sessionId) {
      var up = el("button", { type: "button", class: "up", "aria-label": "Helpful", "aria-pressed": "false" }, [thumb()]);
      var down = el("button", { type: "button", class: "down", "aria-label": "Not helpful", "aria-pressed": "false" }, [thumb()]);
      var rate = function (value, comment) {
        [up, down].forEach(function (b) { b.disabled = true; });
        (value === "up" ? up : down).setAttribute("aria-pressed", "true");
        fetch(BASE + "/v1/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ session_id: sessionId, message_index: index, rating: value, comment: comment || null }) })
          .then(function (r) { note.textContent = r.ok ? "Thanks for the feedback" : "Could not save feedback"; },
            function () { note.textContent = "Could not save feedback"; });
      };
      up.addEventListener("click", function () { rate("up"); });
      down.addEventListener("click", function () {
        if (node.querySelector(".comment")) return;
        down.setAttribute("aria-pressed", "true");
        var id = "rt-c-" + index;
        var text = el("textarea", { id: id, maxlength: "2000", rows: "2" });
        var box = el("form", { class: "comment" }, [el("label", { for: id, text: "What was wrong or missing? (optional)" }), text,
          el("button", { class: "btn primary", type: "submit", text: "Send feedback" }),
          el("button", { class: "btn", type: "button", text: "Skip", onclick: function () { box.remove(); rate("down"); } })]);
        box.addEventListener("submit", function (e) { e.preventDefault(); box.remove(); rate("down", text.value.trim()); });
        row.insertAdjacentElement("afterend", box);
        text.focus();
      });
      row.appendChild(up); row.appendChild(down);
    }
    row.appendChild(note);
    return row;
  }

  // What a reply shows besides its text (trace data, plots, its exercise card), drawn
  // into its bubble as each part arrives: during the stream as soon as its event comes,
  // from history all at once. Each part is drawn once, under the text and in this order:
  // text, sources, trace data, plots, exercise card, footer.
  function replyParts(node) {
    var parts = { trace: null, traceNode: null, plots: [], card: null };
    function first(selector) { return node.querySelector(selector); }
    // The part goes before the first child of a kind that follows it.
    function place(child, later) { node.insertBefore(child, later.length ? first(later.map(function (k) {
      return ":scope > " + k; }).join(",")) : null); }
    parts.syncTrace = function () { // shown unless the reply's own table has the numbers
      var want = traceWanted(parts.trace, first(":scope > .body"));
      if (want && !parts.traceNode) {
        parts.traceNode = traceTable(parts.trace);
        place(parts.traceNode, ["figure", ".exercise", ".foot", ".comment", ".note"]);
      } else if (!want && parts.traceNode) {
        parts.traceNode.remove(); parts.traceNode = null;
      }
    };
    parts.setTrace = function (trace) { // the last trace is the reply's
      if (!trace || JSON.stringify(trace) === JSON.stringify(parts.trace)) return;
      if (parts.traceNode) { parts.traceNode.remove(); parts.traceNode = null; }
      parts.trace = trace;
      parts.syncTrace();
    };
    parts.addPlot = function (p) {
      var shown = figure(p);
      parts.plots.push({ key: p.title + "\n" + p.svg, node: shown });
      place(shown, [".exercise", ".foot", ".comment", ".note"]);
    };
    // The plots of ``list`` not drawn yet: a full ``done`` repeats the ones that came.
    parts.addPlots = function (list) {
      var drawn = parts.plots.map(function (d) { return d.key; });
      (list || []).forEach(function (p) {
        var i = drawn.indexOf(p.title + "\n" + p.svg);
        if (i >= 0) drawn[i] = null; else parts.addPlot(p);
      });
    };
    // One card per reply: a later exercise event (its status changed) updates it. The
    // caller settles the cards (which draws them).
    parts.setExercise = function (ex) {
      if (!ex) return false;
      if (parts.card) {
        if (JSON.stringify(ex) === JSON.stringify(parts.card.ex)) return false;
        parts.card.ex = ex; parts.card.id = ex.id || ex.exercise_id || "";
        return true;
      }
      var shown = exerciseCard(ex);
      parts.card = cards[cards.length - 1];
      place(shown, [".foot", ".comment", ".note"]);
      return true;
    };
    parts.drawn = function () { return !!(parts.traceNode || parts.plots.length || parts.card); };
    return parts;
  }

  // The finished reply: its final text, the parts it has not drawn yet, sources, footer.
  function fillAssistant(node, reply, index, iso, parts) {
    parts = parts || replyParts(node);
    var body = el("div", { class: "body" });
    body.appendChild(fromHtml(reply.reply_html || ""));
    if (!reply.reply_html) body.textContent = reply.reply || "";
    node.classList.remove("streaming", "incomplete");
    var old = node.querySelector(":scope > .body");
    if (old) node.replaceChild(body, old); else node.insertBefore(body, node.firstChild);
    parts.setTrace(reply.trace);
    parts.syncTrace(); // the final text may (not) have its own table of the numbers
    parts.addPlots(reply.plots);
    parts.setExercise(reply.exercise);
    var cites = citations(reply.citations);
    if (cites) body.insertAdjacentElement("afterend", cites);
    node.appendChild(footer(node, index, reply.reply || "", iso));
    node.setAttribute("aria-busy", "false");
    hintScroll(node);
    return parts;
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

  // The unfinished block as readable text: no Markdown marks, no half-drawn table.
  function tailText(raw) {
    return raw.split("\n").filter(function (l) { return !/^\s*\|/.test(l) && !/^\s*\$\$/.test(l); })
      .join("\n").replace(/\*\*|__|`|\$/g, "");
  }

  var REASONS = {
    stopped: "Stopped.",
    timeout: "The tutor took too long to answer (no news for " + TIMEOUT_S + " s).",
    cut: "The answer was cut off before it finished.",
  };

  // One turn: ``text`` from the learner; ``userNode`` the bubble to reuse on Retry.
  async function ask(text, userNode) {
    text = (text || "").trim();
    if (!text) return;
    if (current) { status.textContent = "The tutor is still answering: wait, or press Stop."; return; }
    var ownInput = !userNode && input.value.trim() === text;
    if (!userNode) userNode = addUser(text);
    if (ownInput) { input.value = ""; grow(); }
    var node = el("div", { class: "msg assistant streaming", "aria-busy": "true" },
      [el("div", { class: "body" }, [el("span", { class: "typing", text: "Thinking" })])]);
    userNode.insertAdjacentElement("afterend", node);
    toEnd();
    var controller = new AbortController();
    var timer = null;
    var turn = current = { abort: function (reason) { turn.reason = reason; controller.abort(); }, reason: null };
    function poke() { clearTimeout(timer); timer = setTimeout(function () { turn.abort("timeout"); }, TIMEOUT_S * 1000); }
    send.hidden = true; stop.hidden = false;
    poke();
    var retry = function () {
      if (current) return;
      userNode.classList.remove("failed");
      var n = userNode.nextElementSibling;
      if (n && n.classList.contains("note")) n.remove();
      if (node.isConnected) node.remove();
      if (parts.card) settleCards(); // its exercise card went with it
      ask(text, userNode);
    };
    var streamed = "", shown = "", got = { citations: [] }, final = null;
    var blocks = el("div", { class: "blocks" }), tail = el("div", { class: "tail" });
    var parts = replyParts(node); // trace, plots and exercise, drawn as they come
    try {
      var res = await fetch(BASE + "/v1/chat/stream?done=compact", { method: "POST", signal: controller.signal,
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ message: text, session_id: sessionId }) });
      if (!res.ok) {
        var err = await res.json().catch(function () { return {}; });
        var e = (err && err.error) || { code: "http_" + res.status, message: "The tutor answered " + res.status + "." };
        node.remove();
        if (e.code === "session_not_found" && !userNode.dataset.renewed) {
          sessionId = null; localStorage.removeItem(KEY); nextIndex = 0; userNode.dataset.renewed = "1";
          finishTurn(); return ask(text, userNode);
        }
        userNode.classList.add("failed");
        failNote(userNode, "Not answered: " + e.message, res.status >= 500 || res.status === 429 ? retry : null);
        if (!input.value) input.value = text;
        return;
      }
      node.firstChild.replaceChildren(blocks, tail);
      var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = "";
      while (true) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer = parseSse(buffer + decoder.decode(chunk.value, { stream: true }), function (event, data) {
          poke();
          if (event === "delta") {
            streamed += data.text; shown += data.text; tail.textContent = tailText(shown); follow();
          } else if (event === "block") {
            blocks.appendChild(fromHtml(data.html)); shown = ""; tail.textContent = "";
            if (parts.trace) parts.syncTrace();
            follow();
          } else if (event === "citation") got.citations.push(data);
          else if (event === "trace") { parts.setTrace(data); follow(); }
          else if (event === "exercise") { if (parts.setExercise(data)) settleCards(); follow(); }
          else if (event === "plot") { parts.addPlot(data); follow(); }
          else if (event === "error") {
            turn.error = data.message || "Something went wrong.";
          } else if (event === "done") final = data;
        });
      }
      if (final) {
        sessionId = final.session_id; localStorage.setItem(KEY, sessionId);
        var index = typeof final.message_index === "number" ? final.message_index : nextIndex + 1;
        nextIndex = index + 1;
        // Only finishes the reply: what came as events stays as drawn, and a full
        // ``done`` repeating those parts draws nothing twice.
        fillAssistant(node, Object.assign({ reply: streamed }, got, final), index, undefined, parts);
        if (parts.card) settleCards();
        status.textContent = "The tutor replied.";
        if (!isOpen()) { unread += 1; showBadge(); }
        var top = userNode; // the learner's question, then the reply
        log.scrollTop = Math.max(0, top.offsetTop - log.offsetTop - 8);
      } else if (turn.error) {
        endIncomplete(node, userNode, streamed, turn.error, retry, parts.drawn());
      } else {
        endIncomplete(node, userNode, streamed, REASONS.cut, retry, parts.drawn());
      }
    } catch (err) {
      var reason = turn.reason && REASONS[turn.reason];
      if (reason) endIncomplete(node, userNode, streamed, reason, retry, parts.drawn());
      else {
        node.remove();
        userNode.classList.add("failed");
        failNote(userNode, "Not sent: could not reach the tutor. Check your connection.", retry);
        if (!input.value) input.value = text;
      }
    } finally {
      clearTimeout(timer);
      if (current === turn) finishTurn();
    }
  }

  function finishTurn() { current = null; send.hidden = false; stop.hidden = true; }

  // A reply that did not finish: what came (text, or a plot, trace or exercise drawn
  // before its text) stays, marked, with Retry; or, when nothing came, the question is
  // marked instead.
  function endIncomplete(node, userNode, streamed, message, retry, drawn) {
    node.setAttribute("aria-busy", "false");
    if (!streamed.trim() && !drawn) {
      node.remove();
      userNode.classList.add("failed");
      failNote(userNode, message, retry);
      return;
    }
    node.classList.remove("streaming"); node.classList.add("incomplete");
    var tail = node.querySelector(".tail");
    if (tail && !tail.textContent.trim()) tail.remove();
    failNote(node, "Incomplete. " + message, retry);
    status.textContent = "The answer is incomplete.";
  }

  async function loadHistory() {
    if (!sessionId) return;
    notice.hidden = true;
    try {
      var res = await fetch(BASE + "/v1/sessions/" + encodeURIComponent(sessionId) + "/messages");
      if (res.status === 404) { sessionId = null; localStorage.removeItem(KEY); return; }
      if (!res.ok) throw new Error("HTTP " + res.status);
      var data = await res.json();
      log.replaceChildren(); cards = [];
      data.messages.forEach(function (m, i) {
        var index = m.index === undefined ? i : m.index;
        if (m.role === "user") addUser(m.content, m.created_at);
        else {
          var node = el("div", { class: "msg assistant" });
          log.appendChild(node);
          fillAssistant(node, { reply: m.content, reply_html: m.content_html || "", citations: m.citations,
            trace: m.trace, exercise: m.exercise, plots: m.plots }, index, m.created_at);
        }
      });
      settleCards();
      nextIndex = data.messages.length;
      toEnd();
    } catch (e) {
      notice.replaceChildren(el("span", { text: "Couldn't load your conversation. Check your connection, then try again." }),
        el("button", { class: "btn", type: "button", text: "Try again", onclick: loadHistory }));
      notice.hidden = false;
    }
  }

  function mount() {
    document.body.appendChild(host);
    loadHistory();
    var wasOpen = false;
    try { wasOpen = !!sessionStorage.getItem(OPEN_KEY); } catch (e) { /* private mode */ }
    if (wasOpen) setOpen(true, true);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
