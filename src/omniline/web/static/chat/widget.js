/* Omniline web chat widget: one <script> tag, no libraries, no build step.

   <script src="https://omniline.example/static/chat/widget.js" data-tenant="acme" defer></script>

   Optional: data-identity (a token the site signed for a logged-in customer), data-lang.
   Everything lives in a shadow root (its styles do not touch the page, the page's do not
   touch it); people's texts are set with textContent only, never parsed as HTML. The chat's
   token is kept in the site's localStorage, so a reload or another page continues it. */
(() => {
  "use strict";
  const script = document.currentScript;
  const tenant = script && script.getAttribute("data-tenant");
  if (!tenant || document.querySelector("[data-omniline-chat]")) return;
  const api = new URL(script.src, location.href).origin + "/api/v1/chat/" + encodeURIComponent(tenant);
  const identity = script.getAttribute("data-identity") || "";
  const context = script.getAttribute("data-context") || ""; // our help portal's visit
  const lang = script.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "";
  const KEY = "omniline-chat:" + tenant;
  const TYPING_EVERY = 3000;

  const CSS = `
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 24px;
  padding: 12px 20px; background: #1f5fbf; color: #fff; font-size: 15px; font-weight: 600; cursor: pointer;
  box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.launcher[data-unread]::after { content: ""; display: inline-block; width: 9px; height: 9px; margin-left: 8px;
  border-radius: 50%; background: #ffb300; }
.panel { position: fixed; right: 20px; bottom: 20px; z-index: 2147483001; width: 370px; max-width: calc(100vw - 24px);
  height: 560px; max-height: calc(100vh - 40px); display: flex; flex-direction: column; background: #fff; color: #1d2433;
  border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.3); font-size: 15px; line-height: 1.45; overflow: hidden; }
.panel[hidden], [hidden] { display: none !important; }
header { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: #1f5fbf; color: #fff; }
h2 { flex: 1; margin: 0; font-size: 16px; }
button { font: inherit; cursor: pointer; border-radius: 6px; }
button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, .close:focus-visible {
  outline: 3px solid #f0b400; outline-offset: 2px; }
.close { border: 0; background: transparent; color: #fff; font-size: 22px; line-height: 1; padding: 2px 8px; }
.body { flex: 1; display: flex; flex-direction: column; min-height: 0; }
.scroll { flex: 1; overflow-y: auto; padding: 14px; }
form.fields label { display: block; margin: 0 0 10px; font-weight: 600; font-size: 14px; }
form.fields input, form.fields select, form.fields textarea { display: block; width: 100%; margin-top: 4px; padding: 8px;
  border: 1px solid #9aa3b2; border-radius: 6px; font: inherit; font-weight: 400; color: inherit; background: #fff; }
.note { color: #5b6475; font-weight: 400; font-size: 13px; }
.primary { border: 0; background: #1f5fbf; color: #fff; padding: 9px 16px; font-weight: 600; }
.secondary { border: 1px solid #1f5fbf; background: #fff; color: #1f5fbf; padding: 8px 14px; }
.link { border: 0; background: none; color: #1f5fbf; text-decoration: underline; padding: 4px 0; font-size: 13px; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.error { color: #a8322d; margin: 8px 0; }
.log { display: flex; flex-direction: column; gap: 8px; }
.msg { max-width: 85%; padding: 8px 11px; border-radius: 10px; background: #eef1f6; align-self: flex-start; }
.msg.visitor { align-self: flex-end; background: #dce8fb; }
.who { display: block; font-size: 12px; color: #5b6475; }
.text { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.file { display: block; margin-top: 4px; border: 1px solid #9aa3b2; background: #fff; padding: 4px 8px; font-size: 13px;
  text-align: left; overflow-wrap: anywhere; }
.status, .typing, .offline { margin: 0; padding: 6px 14px; font-size: 13px; color: #5b6475; }
.offline { color: #a8322d; }
.composer { display: flex; gap: 6px; align-items: flex-end; padding: 10px; border-top: 1px solid #d9dee7; }
.composer textarea { flex: 1; resize: none; height: 42px; max-height: 120px; padding: 8px; border: 1px solid #9aa3b2;
  border-radius: 6px; font: inherit; }
.attach { border: 1px solid #9aa3b2; background: #fff; color: #1d2433; padding: 8px 10px; line-height: 0; }
.bar { display: flex; justify-content: space-between; padding: 0 14px 8px; }
`;

  // --- small helpers ------------------------------------------------------------------------
  const el = (tag, props, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (value === true) node.setAttribute(name, "");
      else if (value !== false && value != null) node.setAttribute(name, String(value));
    }
    for (const child of children) if (child) node.append(child);
    return node;
  };
  const clip = () => { // a paper clip drawn with the DOM: no markup parsed, no emoji font needed
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    const path = document.createElementNS(NS, "path");
    for (const [k, v] of [["viewBox", "0 0 24 24"], ["width", "18"], ["height", "18"], ["aria-hidden", "true"]]) svg.setAttribute(k, v);
    for (const [k, v] of [["d", "M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5"],
      ["fill", "none"], ["stroke", "currentColor"], ["stroke-width", "1.8"], ["stroke-linecap", "round"]]) path.setAttribute(k, v);
    svg.append(path);
    return svg;
  };
  const fill = (text, values) => String(text || "").replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : ""));
  const load = () => { try { return JSON.parse(localStorage.getItem(KEY) || "{}") || {}; } catch (e) { return {}; } };
  const save = () => {
    try { localStorage.setItem(KEY, JSON.stringify({ token: state.token, open: state.open })); } catch (e) { /* private mode */ }
  };

  const state = Object.assign({ token: "", open: false }, load());
  let cfg = null;
  let who = { verified: false, name: "", phone: false }; // what the site's signed token says
  let T = {};
  let socket = null;
  let retry = 0;
  let shown = new Set();
  let typingSent = 0;
  let typingHide = 0;
  let current = "";

  const call = async (method, path, body) => {
    const headers = {};
    if (state.token) headers.Authorization = "Bearer " + state.token;
    const options = { method, headers, mode: "cors", credentials: "omit" };
    if (body instanceof FormData) options.body = body;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(api + path, options);
    const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error("chat"), { status: response.status, error: data.error || {} });
    return data;
  };

  // --- the frame: launcher and panel -------------------------------------------------------
  const host = el("div", { "data-omniline-chat": true });
  const root = host.attachShadow({ mode: "open" });
  if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS); // constructed sheets are not inline styles: strict CSPs allow them
    root.adoptedStyleSheets = [sheet];
  } else root.append(el("style", { text: CSS }));
  const launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false", "aria-controls": "omniline-panel", onclick: () => openPanel(true) });
  const title = el("h2", { id: "omniline-title" });
  const closer = el("button", { class: "close", type: "button", text: "×", onclick: () => openPanel(false) });
  const body = el("div", { class: "body" });
  const panel = el("section", { class: "panel", id: "omniline-panel", role: "dialog", "aria-labelledby": "omniline-title", hidden: true },
    el("header", {}, title, closer), body);
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); openPanel(false); } });
  root.append(launcher, panel);

  const openPanel = (open) => {
    state.open = open;
    save();
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    if (!open) { launcher.focus(); return; }
    launcher.removeAttribute("data-unread");
    if (!current) render();
    focusFirst();
  };
  const focusFirst = () => {
    const target = body.querySelector("textarea:not([disabled]), input:not([type=file]), select, button");
    if (target && !panel.hidden) target.focus();
  };
  const view = (name, ...nodes) => {
    current = name;
    body.replaceChildren(...nodes);
    if (!panel.hidden) focusFirst();
  };

  // --- forms ------------------------------------------------------------------------------
  const field = (name, rule, kind) => {
    const input = kind === "textarea" ? el("textarea", { name, rows: 3, maxlength: 5000 })
      : kind === "select" ? el("select", { name }, el("option", { value: "", text: T.topic_none }),
        ...cfg.topics.map((t) => el("option", { value: t.code, text: t.name })))
      : el("input", { name, type: kind, maxlength: name === "email" ? 320 : 200, autocomplete: { name: "name", email: "email", phone: "tel" }[name] });
    return el("label", { "data-field": name, "data-rule": rule, hidden: rule === "hidden" },
      document.createTextNode(T[name] + " "), el("span", { class: "note", text: rule === "required" ? T.required : T.optional }), input);
  };
  const values = (form) => Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, String(v).trim()]));
  const missing = (form) => [...form.querySelectorAll("label[data-rule=required]:not([hidden])")]
    .filter((label) => !label.querySelector("input, select, textarea").value.trim())
    .map((label) => T[label.getAttribute("data-field")]);
  const errorLine = () => el("p", { class: "error", role: "alert", hidden: true });
  const say = (line, text) => { line.textContent = text; line.hidden = !text; };
  const failure = (err) => {
    const code = err && err.error && err.error.code;
    if (code === "file_too_large") return fill(T.file_too_large, { size: Math.round(cfg.max_file_bytes / 1048576) });
    if (code === "unsupported_file_type") return T.file_type;
    if (err && err.status === 422) return T.invalid;
    return T.error;
  };

  const startForm = () => {
    const rules = cfg.fields;
    const known = who.verified; // the site vouches for who the visitor is: do not ask again
    const ask = (name) => (known && name !== "topic" ? "hidden" : rules[name]);
    const problem = errorLine();
    const form = el("form", { class: "fields", novalidate: true },
      field("name", ask("name"), "text"), field("email", ask("email"), "email"), field("phone", ask("phone"), "tel"),
      cfg.topics.length ? field("topic", ask("topic"), "select") : null,
      field("message", "required", "textarea"), problem,
      el("button", { class: "primary", type: "submit", text: T.start }));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const gaps = missing(form);
      if (gaps.length) return say(problem, fill(T.missing, { field: gaps.join(", ") }));
      const data = Object.assign(values(form), { identity, context, page: location.href, language: cfg.language });
      try {
        const started = await call("POST", "/start", data);
        state.token = started.token;
        save();
        chatView();
        addMessage(started.message);
        setStatus(started.status);
        connect();
      } catch (err) {
        const wanted = err.error.details && err.error.details.fields;
        for (const name of wanted || []) {
          const label = form.querySelector(`label[data-field="${name}"]`);
          if (label) { label.hidden = false; label.setAttribute("data-rule", "required"); }
        }
        say(problem, wanted ? fill(T.missing, { field: wanted.map((n) => T[n]).join(", ") }) : failure(err));
      }
    });
    return form;
  };

  const writtenForm = (kind) => {
    const callback = kind === "callback";
    const known = who.verified;
    const problem = errorLine();
    const form = el("form", { class: "fields", novalidate: true },
      el("p", { text: callback ? T.callback_intro : T.leave_intro }),
      field("name", known ? "hidden" : "optional", "text"),
      callback ? null : field("email", known ? "hidden" : "optional", "email"),
      field("phone", callback ? (known && who.phone ? "hidden" : "required") : known ? "hidden" : "optional", "tel"),
      callback ? el("label", {}, document.createTextNode(T.when + " "), el("input", { name: "when", maxlength: 200 })) : null,
      cfg.topics.length ? field("topic", "optional", "select") : null,
      field("message", callback ? "optional" : "required", "textarea"), problem,
      el("div", { class: "actions" },
        el("button", { class: "primary", type: "submit", text: callback ? T.request_callback : T.send_message }),
        el("button", { class: "secondary", type: "button", text: T.back, onclick: () => render() })));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const data = values(form);
      const gaps = missing(form);
      if (gaps.length) return say(problem, fill(T.missing, { field: gaps.join(", ") }));
      if (!callback && !known && !data.email && !data.phone) return say(problem, T.contact_needed);
      try {
        await call("POST", callback ? "/callback" : "/leave-message", Object.assign(data, { identity, page: location.href }));
        forget();
        view("thanks", el("div", { class: "scroll" }, el("p", { role: "status", text: callback ? T.thanks_callback : T.thanks_message }),
          el("button", { class: "secondary", type: "button", text: T.back, onclick: () => render() })));
      } catch (err) { say(problem, failure(err)); }
    });
    return form;
  };

  const offer = () => {
    const minutes = Math.max(1, Math.ceil((cfg.estimated_wait_seconds || 0) / 60));
    return el("div", {},
      el("p", { text: cfg.open ? fill(T.busy, { minutes }) : T.closed }),
      el("div", { class: "actions" },
        el("button", { class: "primary", type: "button", text: T.leave_message, onclick: () => view("leave", el("div", { class: "scroll" }, writtenForm("message"))) }),
        cfg.callbacks ? el("button", { class: "secondary", type: "button", text: T.callback, onclick: () => view("callback", el("div", { class: "scroll" }, writtenForm("callback"))) }) : null,
        cfg.open ? el("button", { class: "secondary", type: "button", text: T.chat_anyway, onclick: () => view("form", el("div", { class: "scroll" }, startForm())) }) : null));
  };

  const render = () => {
    if (!cfg) return;
    if (state.token) return chatView();
    if (!cfg.open || cfg.busy) return view("offer", el("div", { class: "scroll" }, offer()));
    const intro = who.verified && who.name ? fill(T.signed_in, { name: who.name }) : T.intro;
    view("form", el("div", { class: "scroll" }, el("p", { text: intro }), startForm()));
  };

  // --- the conversation -----------------------------------------------------------------
  const log = el("div", { class: "log", role: "log", "aria-live": "polite" });
  const scroller = el("div", { class: "scroll" }, log);
  const statusLine = el("p", { class: "status", role: "status" });
  const typingLine = el("p", { class: "typing", "aria-live": "polite" });
  const offlineLine = el("p", { class: "offline", role: "alert", hidden: true });
  const chatProblem = el("p", { class: "error", role: "alert", hidden: true });
  const input = el("textarea", { maxlength: 5000, rows: 1 });
  const picker = el("input", { type: "file", hidden: true, tabindex: -1 });
  const attach = el("button", { class: "attach", type: "button", onclick: () => picker.click() }, clip());
  const send = el("button", { class: "primary", type: "submit" });
  const composer = el("form", { class: "composer" }, input, attach, send, picker);
  const ender = el("button", { class: "link", type: "button" });
  const again = el("button", { class: "primary", type: "button", hidden: true });
  const bar = el("div", { class: "bar" }, ender, again);

  const chatView = () => {
    input.setAttribute("placeholder", T.placeholder);
    input.setAttribute("aria-label", T.placeholder);
    attach.setAttribute("aria-label", T.attach);
    attach.title = T.attach;
    picker.setAttribute("accept", cfg.file_types.join(","));
    send.textContent = T.send;
    ender.textContent = T.end_chat;
    again.textContent = T.new_chat;
    say(chatProblem, "");
    if (current !== "chat") view("chat", statusLine, scroller, typingLine, offlineLine, chatProblem, composer, bar);
  };

  const sizeText = (bytes) => (bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB");
  const addMessage = (m) => {
    if (!m || shown.has(m.id)) return;
    shown.add(m.id);
    const mine = m.sender === "visitor";
    const node = el("div", { class: "msg " + (mine ? "visitor" : "agent") },
      el("span", { class: "who", text: mine ? T.you : m.author || T.agent }),
      m.text ? el("p", { class: "text", text: m.text }) : null);
    for (const f of m.files || []) {
      node.append(el("button", { class: "file", type: "button", "aria-label": fill(T.download, { name: f.name }),
        text: f.name + " (" + sizeText(f.size) + ")", onclick: () => download(f) }));
    }
    log.append(node);
    scroller.scrollTop = scroller.scrollHeight;
    if (!mine) {
      typingLine.textContent = "";
      if (panel.hidden) launcher.setAttribute("data-unread", "");
    }
  };

  const setStatus = (s) => {
    const ended = s.state === "ended";
    let text = T.waiting;
    if (s.state === "waiting" && s.position) {
      const seconds = s.estimated_wait_seconds || 0;
      text = fill(T.position, { position: s.position }) + " " +
        (seconds <= 60 ? T.wait_soon : fill(T.wait_minutes, { minutes: Math.ceil(seconds / 60) }));
    } else if (s.state === "connecting") text = T.connecting;
    else if (s.state === "active") text = fill(T.joined, { name: s.agent || T.agent });
    else if (ended) text = T.ended;
    statusLine.textContent = text;
    composer.hidden = ended;
    ender.hidden = ended;
    again.hidden = !ended;
    if (ended) typingLine.textContent = "";
  };

  const download = async (f) => {
    try {
      const response = await fetch(api + "/files/" + encodeURIComponent(f.id), { headers: { Authorization: "Bearer " + state.token } });
      if (!response.ok) throw new Error("download");
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { href: url, download: f.name });
      root.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) { say(chatProblem, T.error); }
  };

  composer.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    say(chatProblem, "");
    try {
      addMessage(await call("POST", "/messages", { text }));
      typing(false);
    } catch (err) {
      input.value = text;
      if (err.status === 401) return restart();
      say(chatProblem, failure(err));
    }
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); composer.requestSubmit(); }
  });
  input.addEventListener("input", () => { if (Date.now() - typingSent > TYPING_EVERY) typing(true); });
  const typing = (on) => {
    typingSent = on ? Date.now() : 0;
    if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: "typing", typing: on }));
  };

  picker.addEventListener("change", async () => {
    const file = picker.files[0];
    picker.value = "";
    if (!file) return;
    if (file.size > cfg.max_file_bytes) return say(chatProblem, failure({ error: { code: "file_too_large" } }));
    if (file.type && !cfg.file_types.includes(file.type)) return say(chatProblem, T.file_type);
    const data = new FormData();
    data.append("file", file, file.name);
    say(chatProblem, fill(T.sending_file, { name: file.name }));
    try {
      addMessage(await call("POST", "/files", data));
      say(chatProblem, "");
    } catch (err) { say(chatProblem, failure(err)); }
  });

  ender.addEventListener("click", async () => {
    try { setStatus(await call("POST", "/end")); } catch (err) { say(chatProblem, failure(err)); }
  });
  again.addEventListener("click", () => restart());

  const forget = () => {
    state.token = "";
    save();
    shown = new Set();
    log.replaceChildren();
    if (socket) socket.close(1000);
    socket = null;
  };
  const restart = () => { forget(); current = ""; render(); };

  // --- live: the socket -------------------------------------------------------------------
  const connect = () => {
    if (!state.token || socket) return;
    const ws = new WebSocket(api.replace(/^http/, "ws") + "/socket?token=" + encodeURIComponent(state.token));
    socket = ws;
    ws.addEventListener("open", () => { retry = 0; offlineLine.hidden = true; });
    ws.addEventListener("message", (e) => {
      let frame;
      try { frame = JSON.parse(e.data); } catch (x) { return; }
      if (frame.type === "hello") {
        chatView();
        for (const m of frame.messages) addMessage(m);
        setStatus(frame.status);
      } else if (frame.type === "message") addMessage(frame.message);
      else if (frame.type === "status") setStatus(frame.status);
      else if (frame.type === "typing") showTyping(frame);
    });
    ws.addEventListener("close", (e) => {
      if (socket !== ws) return;
      socket = null;
      if (e.code === 4401 || e.code === 4404) { restart(); return; }
      if (!state.token) return;
      say(offlineLine, T.offline);
      setTimeout(connect, Math.min(30000, 1000 * 2 ** retry++));
    });
  };
  const showTyping = (frame) => {
    clearTimeout(typingHide);
    typingLine.textContent = frame.typing ? fill(T.typing, { name: frame.name || T.agent }) : "";
    if (frame.typing) typingHide = setTimeout(() => { typingLine.textContent = ""; }, 6000);
  };

  // --- start ------------------------------------------------------------------------------
  const begin = async () => {
    try {
      cfg = await call("GET", "/config?lang=" + encodeURIComponent(lang));
    } catch (e) { return; } // no chat for this site: show nothing
    T = cfg.texts;
    if (identity) { // ask the server whether the site's token checks out, once
      try { who = await call("POST", "/identity", { identity }); } catch (e) { /* asked as anyone */ }
    }
    launcher.textContent = T.launcher;
    title.textContent = T.title + " · " + cfg.tenant_name;
    closer.setAttribute("aria-label", T.close);
    document.body.append(host);
    if (state.token) { chatView(); connect(); }
    if (state.open) openPanel(true);
  };
  begin();
})();
