// The agent desktop's live part: offers, conversations in tabs, replies, wrap-up, knowledge.
// Everything goes through the public API and the tenant's WebSocket; the server checks rights.
// Data from people is only ever put into the page with textContent.

import { el, say, serverNow, tenantApi } from "../staff/common.js";
import { callbackCall, callbackForm, summaryForm } from "./move.js";

const MINE = new Set(["active", "held", "ended"]);
// a contact stays on its agent's desk while it is theirs: in hand, wrapping up, or wrapped up
// by the timer without the reason the tenant requires
const isMine = (row) => MINE.has(row.status) || (row.status === "wrapped_up" && row.needs_reason);
// who wrote a message, as the desk names them
const AUTHORS = { customer: "customer", staff: "staff for the customer", system: "system", bot: "bot" };

// One project's desk inside `root` (its parts are marked with data-part). On the desk of
// several projects, `hooks` gives the offers box all projects share, a label for this
// project's offers, and callbacks that bring this project to the front and count its work.
export function startDesk(root, data, hooks = {}) {
  const T = (text) => data.texts[text] || text;
  const ME = data.me.id;
  const API = `/api/v1/tenants/${data.tenant}`;
  const part = (name) => root.querySelector(`[data-part="${name}"]`);
  const offersBox = hooks.offers || part("offers");
  const counted = () => {
    part("empty").hidden = convs.size > 0 || offers.size > 0;
    hooks.onCount?.(offers.size, convs.size);
  };

  const offers = new Map(); // interaction id -> {row, timer, node}
  const watched = new Map(); // an e-mail summary's interaction id -> show its delivery state
  const callbackLists = new Map(); // interaction id -> reload its case's callbacks
  const convs = new Map(); // interaction id -> {row, node, tab}
  let current = null;
  let lastEventId = null;
  let socket = null;

  const api = tenantApi(data.tenant);
  const mover = { api, T, me: ME, canReveal: data.can.reveal };

  // --- state ---------------------------------------------------------------------------

  const stateSelect = part("state");
  // a state set by routing (not responding, away) is shown as such, with how to come back
  function showState(state, reason) {
    stateSelect.querySelector("option.set-by-routing")?.remove();
    const value = state === "break" ? `break:${reason}` : state;
    if (![...stateSelect.options].some((o) => o.value === value)) {
      stateSelect.prepend(el("option", { value, class: "set-by-routing", disabled: true, text: T(`state:${state}`) }));
    }
    stateSelect.value = value;
  }
  showState(data.state.state, data.state.reason);
  stateSelect.addEventListener("change", async () => {
    const [state, reason] = stateSelect.value.split(":");
    try {
      await api("PUT", `/agents/${ME}/state`, { state, reason: reason || null });
    } catch (error) {
      say(part("connection"), error.message);
    }
  });

  // --- offers ----------------------------------------------------------------------------

  function showOffer(row) {
    if (offers.has(row.id)) return;
    const left = el("span", { class: "left" });
    const node = el(
      "div",
      { class: "offer", role: "alert", "data-interaction": row.id },
      el("strong", { text: `${hooks.label ? `${hooks.label} · ` : ""}${T("New contact")}: ${row.channel}` }),
      el("span", { class: "subject", text: row.subject || "" }),
      left,
      el("button", { type: "button", class: "accept", text: T("Accept"), onclick: () => answer(row.id, "accept") }),
      el("button", { type: "button", class: "secondary", text: T("Decline"), onclick: () => answer(row.id, "decline") }),
    );
    const expires = row.offer_expires_at ? Date.parse(row.offer_expires_at) : null;
    const tick = () => {
      if (expires === null) return;
      const seconds = Math.max(0, Math.round((expires - serverNow()) / 1000));
      left.textContent = `${seconds} ${T("seconds left")}`;
    };
    tick();
    const timer = setInterval(tick, 1000);
    offers.set(row.id, { row, timer, node });
    counted();
    offersBox.append(node);
    node.querySelector("button.accept").focus();
  }

  function dropOffer(id) {
    const offer = offers.get(id);
    if (!offer) return;
    clearInterval(offer.timer);
    offer.node.remove();
    offers.delete(id);
    counted();
  }

  async function answer(id, verb) {
    try {
      await api("POST", `/interactions/${id}/${verb}`);
      dropOffer(id);
      if (verb === "accept") await refresh(id, true);
    } catch (error) {
      say(part("connection"), error.message);
      dropOffer(id);
    }
  }

  // --- conversations ---------------------------------------------------------------------

  async function refresh(id, focus = false) {
    let row;
    try {
      row = await api("GET", `/interactions/${id}`);
    } catch {
      return;
    }
    if (row.status === "offered" && row.agent_id === ME) showOffer(row);
    else dropOffer(id);
    if (row.agent_id === ME && isMine(row)) {
      if (!convs.has(id)) openConversation(row);
      else updateConversation(convs.get(id), row);
      if (focus) {
        select(id);
        hooks.onFocus?.();
      }
    } else if (convs.has(id)) {
      closeConversation(id);
    }
  }

  function openConversation(row) {
    const tab = el("button", {
      type: "button", role: "tab", class: "tab", "aria-selected": "false", "data-interaction": row.id,
      text: row.subject || row.channel, onclick: () => select(row.id),
    });
    const conv = { row, tab, node: buildConversation(row) };
    convs.set(row.id, conv);
    counted();
    part("tabs").append(tab);
    part("work").append(conv.node);
    // the contact is before the agent now: it stays theirs if this desk closes
    if (row.status !== "ended") api("POST", `/interactions/${row.id}/open`).catch(() => {});
    loadCustomer(conv);
    loadMessages(conv);
    if (row.channel === "voice" && row.direction === "outbound") {
      callbackCall(mover, conv).then((box) => box && conv.node.querySelector(".title").after(box));
    }
    loadKnowledge(conv);
    updateConversation(conv, row);
    if (current) conv.node.hidden = true;  // the selected one stays the only one shown
    else select(row.id);
  }

  function closeConversation(id) {
    const conv = convs.get(id);
    conv.tab.remove();
    conv.node.remove();
    clearInterval(conv.wrapTimer);
    convs.delete(id);
    callbackLists.delete(id);
    counted();
    if (current === id) {
      current = null;
      const next = convs.keys().next();
      if (!next.done) select(next.value);
    }
  }

  function select(id) {
    current = id;
    for (const [key, conv] of convs) {
      const on = key === id;
      conv.tab.setAttribute("aria-selected", on ? "true" : "false");
      conv.node.hidden = !on;
    }
  }

  function buildConversation(row) {
    const reasonSelect = el("select", { name: "reason", required: true, "aria-label": T("Reason (required)") },
      el("option", { value: "", text: T("Reason (required)") }),
      ...data.reasons.map((r) => el("option", { value: r.code, text: r.label })));
    const canned = el("select", { name: "canned", "aria-label": T("Canned response") },
      el("option", { value: "", text: T("Canned response") }),
      ...data.canned.map((c, i) => el("option", { value: String(i), text: c.title })));
    const text = el("textarea", { name: "body", rows: "3", "aria-label": T("Reply") });
    const internal = el("input", { type: "checkbox", name: "internal" });
    const attach = el("input", { type: "file", name: "file", "aria-label": T("Attach a file"), accept: "image/png,image/jpeg,application/pdf,text/plain" });
    const status = el("p", { role: "status", class: "muted" });
    const queue = el("select", { name: "queue", "aria-label": T("Transfer to") },
      el("option", { value: "", text: T("Choose where to transfer") }),
      el("optgroup", { label: T("Queues") },
        ...data.queues.map((q) => el("option", { value: `queue:${q.id}`, text: q.name }))),
      data.colleagues.length ? el("optgroup", { label: T("Colleagues") },
        ...data.colleagues.map((c) => el("option", { value: `agent:${c.id}`, text: c.name }))) : null);
    const moving = data.can.transfer ? moveBox(row, status) : null;
    const node = el("section", { class: "conversation", role: "tabpanel", "data-interaction": row.id },
      el("div", { class: "thread" },
        el("h2", { class: "title" }),
        el("ol", { class: "messages", "aria-label": T("Messages") }),
        el("p", { class: "typing muted", "aria-live": "polite" }),
        el("form", { class: "reply", onsubmit: (e) => { e.preventDefault(); send(row.id); } },
          text,
          el("div", { class: "row" },
            canned,
            attach,
            el("label", {}, internal, " ", T("Internal note")),
            el("button", { type: "submit", text: T("Send") }))),
        el("div", { class: "row actions" },
          el("button", { type: "button", class: "secondary end", text: T("End contact"), onclick: () => step(row.id, "ended") }),
          el("span", { class: "wrap" },
            el("strong", { class: "needs-reason tag", hidden: true, title: T("The wrap-up time ran out: choose the contact's reason."), text: T("Needs a reason") }),
            reasonSelect,
            el("label", {}, el("input", { type: "checkbox", name: "resolved" }), " ", T("Resolved")),
            el("button", { type: "button", class: "wrapup", text: T("Wrap up"), onclick: () => wrapUp(row.id) }),
            el("span", { class: "wrap-left muted" })),
          data.can.transfer ? el("button", {
            type: "button", class: "secondary phone", text: T("Continue by phone"), onclick: () => continueBy(row.id, "voice"),
          }) : null,
          data.can.transfer && data.queues.length ? el("span", { class: "transfer" },
            queue, el("button", { type: "button", class: "secondary", text: T("Transfer"), onclick: () => transfer(row.id) })) : null),
        moving,
        status),
      el("aside", { class: "side" },
        el("section", { class: "customer", "aria-label": T("Customer") }, el("h3", { text: T("Customer") }), el("div", { class: "who" })),
        el("section", { class: "history", "aria-label": T("History") }, el("h3", { text: T("History") }), el("ol", { class: "timeline" })),
        el("section", { class: "knowledge", "aria-label": T("Knowledge") },
          el("h3", { text: T("Knowledge") }),
          el("form", { class: "search", onsubmit: (e) => { e.preventDefault(); searchKnowledge(row.id); } },
            el("input", { type: "search", name: "q", "aria-label": T("Search articles"), placeholder: T("Search articles") })),
          el("ol", { class: "articles" }))));
    canned.addEventListener("change", () => {
      const chosen = data.canned[Number(canned.value)];
      if (chosen) text.value = text.value ? `${text.value}\n${chosen.text}` : chosen.text;
      canned.value = "";
      text.focus();
    });
    let lastTyping = 0;
    text.addEventListener("input", () => {
      if (Date.now() - lastTyping < 3000 || !socket || socket.readyState !== WebSocket.OPEN) return;
      lastTyping = Date.now();
      socket.send(JSON.stringify({ type: "typing", interaction_id: row.id, typing: true, ref: `t${lastTyping}` }));
    });
    text.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(row.id); }
    });
    return node;
  }

  // offer a callback, send an e-mail summary: each a button that opens its form
  function moveBox(row, status) {
    const conv = { row };
    const callback = callbackForm(mover, conv, status);
    const summary = data.can.send
      ? summaryForm(mover, conv, status, (id, show) => watched.set(id, show))
      : null;
    callbackLists.set(row.id, callback.reload);
    const toggle = (form, open) => (event) => {
      const button = event.currentTarget;
      form.hidden = !form.hidden;
      button.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) open?.();
    };
    return el("div", { class: "move" },
      el("div", { class: "row" },
        el("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": callback.form.id,
          text: T("Offer a callback"), onclick: toggle(callback.form, () => callback.form.elements.due.focus()) }),
        summary ? el("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": summary.form.id,
          text: T("E-mail summary"), onclick: toggle(summary.form, summary.open) }) : null),
      callback.form, summary?.form || null, callback.list);
  }

  function updateConversation(conv, row) {
    conv.row = row;
    const node = conv.node;
    node.querySelector(".title").textContent =
      `${row.subject || row.channel} · ${row.channel} · ${T(`status:${row.status}`)}`;
    const ended = row.status === "ended" || row.needs_reason;
    node.querySelector(".reply").hidden = ended;
    node.querySelector(".end").hidden = ended;
    node.querySelector(".wrap").hidden = !ended;
    node.querySelector(".needs-reason").hidden = !row.needs_reason;
    node.querySelector("input[name=resolved]").parentElement.hidden = Boolean(row.needs_reason);
    node.querySelector("button.wrapup").textContent = row.needs_reason ? T("Classify") : T("Wrap up");
    conv.tab.classList.toggle("needs-reason", Boolean(row.needs_reason));
    if (ended) suggestReason(conv);
    clearInterval(conv.wrapTimer);
    if (ended && row.wrap_up_due_at) {
      const due = Date.parse(row.wrap_up_due_at);
      const left = node.querySelector(".wrap-left");
      const tick = () => {
        const seconds = Math.max(0, Math.round((due - serverNow()) / 1000));
        left.textContent = `${T("Wrap-up time left")}: ${seconds}`;
      };
      tick();
      conv.wrapTimer = setInterval(tick, 1000);
    }
  }

  // the reason is pre-filled from the case's (a chat's topic becomes its case's reason)
  async function suggestReason(conv) {
    const select = conv.node.querySelector("select[name=reason]");
    if (select.value || conv.suggested) return;
    conv.suggested = true;
    try {
      const found = await api("GET", `/cases/${conv.row.case_id}`);
      const reason = data.reasons.find((r) => r.id === found.reason_id);
      if (reason && !select.value) select.value = reason.code;
    } catch {
      // no suggestion: the agent chooses
    }
  }

  function author(m) {
    if (m.internal) return T("internal");
    if (m.author_kind === "agent") return m.author_id === ME ? T("you") : T("agent");
    return T(AUTHORS[m.author_kind] || m.author_kind);
  }

  async function loadMessages(conv) {
    const page = await api("GET", `/interactions/${conv.row.id}/messages?limit=200`);
    const list = conv.node.querySelector(".messages");
    list.replaceChildren(...page.items.map((m) => {
      const who = author(m);
      return el("li", { class: `message ${m.direction}${m.internal ? " internal" : ""}`, "data-message": m.id },
        el("span", { class: "who muted", text: `${who} · ${new Date(m.created_at).toLocaleTimeString()}` }),
        ...delivery(m),
        el("p", { class: "text", text: m.body }),
        ...(m.attachments || []).filter((a) => a.url).map(attachment));
    }));
    list.lastElementChild?.scrollIntoView({ block: "nearest" });
  }

  // what happened to a message we sent: queued, sent, delivered, or failed with the reason
  // a message's file: a link only to a web address or to this installation's files; anything
  // else (javascript:, data:, stored before addresses were checked) is shown as text
  function attachment(a) {
    const text = `📎 ${a.name || a.url}`;
    const safe = /^(https?:\/\/|\/(?!\/))/i.test(a.url);
    return safe ? el("a", { class: "attachment", href: a.url, download: a.name || "", text })
      : el("span", { class: "attachment", text: `${text} (${a.url})` });
  }

  function delivery(m) {
    if (m.direction !== "outbound" || m.internal || !m.delivery_status) return [];
    const failed = m.delivery_status === "failed";
    const text = T(`delivery:${m.delivery_status}`) + (failed && m.delivery_error ? `: ${m.delivery_error}` : "");
    return [" ", el("span", { class: `delivery ${m.delivery_status}${failed ? "" : " muted"}`, text })];
  }

  async function loadCustomer(conv, reveal = false) {
    const box = conv.node.querySelector(".customer .who");
    const customer = await api("GET", `/customers/${conv.row.customer_id}${reveal ? "?reveal=true" : ""}`);
    // the same words as the system note: proven by the site, typed by the visitor, or neither
    const tag = (i) => i.verified ? el("span", { class: "tag verified", text: T("Verified identity") })
      : i.typed ? el("span", { class: "tag", text: T("Typed by the visitor, not verified") }) : null;
    const rows = (customer.identities || []).map((i) =>
      el("li", {}, `${i.kind}: `, el("span", { class: "value", text: i.value }), " ", tag(i)));
    const name = data.can.edit
      ? el("form", { class: "name-form", onsubmit: (e) => { e.preventDefault(); rename(conv, e.target.elements.name.value); } },
          el("input", { name: "name", value: customer.display_name || "", "aria-label": T("Customer name"), maxlength: "200" }),
          el("button", { type: "submit", class: "link", text: T("Save") }))
      : el("p", { class: "name", text: customer.display_name || "—" });
    conv.phones = (customer.identities || []).filter((i) => i.kind === "phone").length;
    box.replaceChildren(
      name,
      el("ul", { class: "identities" }, ...rows),
      data.can.edit ? identityForm(conv) : null,
      data.can.reveal && !reveal
        ? el("button", { type: "button", class: "link reveal", text: T("Reveal"), onclick: () => loadCustomer(conv, true) })
        : null,
      el("ul", { class: "suggestions" }));
    loadSuggestions(conv);
    loadHistory(conv);
  }

  // a phone number or an e-mail address the customer gives during the contact
  function identityForm(conv) {
    const form = el("form", { class: "add-identity row", onsubmit: async (e) => {
      e.preventDefault();
      const status = conv.node.querySelector('[role="status"]');
      try {
        await api("POST", `/customers/${conv.row.customer_id}/identities`,
          { kind: form.elements.kind.value, value: form.elements.value.value.trim() });
        say(status, T("Saved"), "muted");
        const then = form.dataset.then;
        await loadCustomer(conv);
        if (then === "call") continueBy(conv.row.id, "voice");
      } catch (error) {
        say(status, error.message);
      }
    } },
      el("select", { name: "kind", "aria-label": T("Kind") },
        el("option", { value: "phone", text: T("Phone") }), el("option", { value: "email", text: T("E-mail") })),
      el("input", { name: "value", required: true, maxlength: "320", "aria-label": T("Phone number or e-mail address") }),
      el("button", { type: "submit", class: "link", text: T("Add") }));
    return form;
  }

  // typed details another customer holds: an agent who checked confirms (a merge) or dismisses
  async function loadSuggestions(conv) {
    const list = conv.node.querySelector(".customer .suggestions");
    const rows = await api("GET", `/customers/${conv.row.customer_id}/suggestions`);
    list.replaceChildren(...rows.map((s) => {
      const other = s.customer_id === conv.row.customer_id ? s.candidate_id : s.customer_id;
      const item = el("li", { class: "suggestion", "data-suggestion": s.id },
        `${T("Maybe the same person as")} `, el("code", { text: other.slice(0, 8) }), ` (${s.kinds.join(", ")}) `);
      if (data.can.merge) {
        const decide = (verb, done) => async () => {
          try {
            await api("POST", `/customers/suggestions/${s.id}/${verb}`);
            item.replaceChildren(T(done));
            if (verb === "confirm") loadCustomer(conv);
          } catch (error) { say(conv.node.querySelector('[role="status"]'), error.message); }
        };
        item.append(
          el("button", { type: "button", class: "link", text: T("Confirm: same person"), onclick: decide("confirm", "Merged") }), " ",
          el("button", { type: "button", class: "link", text: T("Dismiss: not the same"), onclick: decide("dismiss", "Dismissed") }));
      }
      return item;
    }));
  }

  async function rename(conv, displayName) {
    try {
      await api("PATCH", `/customers/${conv.row.customer_id}`, { display_name: displayName.trim() });
      say(conv.node.querySelector('[role="status"]'), T("Saved"), "muted");
    } catch (error) {
      say(conv.node.querySelector('[role="status"]'), error.message);
    }
  }

  async function loadHistory(conv) {
    const page = await api("GET", `/interactions?customer_id=${conv.row.customer_id}&limit=50`);
    const list = conv.node.querySelector(".timeline");
    list.replaceChildren(...page.items.reverse().map((i) => {
      const body = el("ol", { class: "past", hidden: true });
      const toggle = el("button", {
        type: "button", class: "link", "aria-expanded": "false",
        text: `${new Date(i.created_at).toLocaleString()} · ${i.channel} · ${i.subject || T(`status:${i.status}`)}`,
        onclick: async () => {
          const open = toggle.getAttribute("aria-expanded") === "true";
          toggle.setAttribute("aria-expanded", open ? "false" : "true");
          body.hidden = open;
          if (!open && !body.childElementCount) {
            const messages = await api("GET", `/interactions/${i.id}/messages?limit=50`);
            body.replaceChildren(...messages.items.map((m) =>
              el("li", { class: m.internal ? "internal" : m.direction, text: `${author(m)}: ${m.body}` })));
          }
        },
      });
      return el("li", { class: i.id === conv.row.id ? "this" : "" }, toggle, body);
    }));
  }

  function articleItem(conv, item) {
    return el("li", {},
      el("span", {
        class: "tag",
        text: item.kind === "guideline" ? T("Guideline") : item.why === "reason" ? T("Solution") : T("Suggested"),
      }),
      " ",
      el("a", { href: `/t/${data.tenant}/knowledge/${item.id}`, target: "_blank", rel: "noopener", text: item.title }),
      data.can.send && item.kind !== "guideline"
        ? el("button", { type: "button", class: "link send-article", text: T("Send to customer"), onclick: () => sendArticle(conv, item) })
        : null);
  }

  async function loadKnowledge(conv) {
    const list = conv.node.querySelector(".knowledge .articles");
    try {
      const found = await api("GET", `/interactions/${conv.row.id}/suggestions`);
      list.replaceChildren(...found.map((item) => articleItem(conv, item)));
    } catch {
      list.replaceChildren();
    }
  }

  async function searchKnowledge(id) {
    const conv = convs.get(id);
    const q = conv.node.querySelector(".knowledge input[name=q]").value.trim();
    if (!q) return loadKnowledge(conv);
    const found = await api("GET", `/knowledge/search?q=${encodeURIComponent(q)}&limit=8`);
    const list = conv.node.querySelector(".knowledge .articles");
    const items = found.results.map((r) => ({ ...r, why: "text" }));
    list.replaceChildren(...(items.length
      ? items.map((item) => articleItem(conv, item))
      : [el("li", { class: "muted", text: T("Nothing found") })]));
  }

  async function sendArticle(conv, item) {
    const status = conv.node.querySelector('[role="status"]');
    try {
      const sent = await api("POST", `/interactions/${conv.row.id}/articles/${item.id}/send`);
      say(status, `${T("Sent")}: ${sent.title}`, "muted");
      loadMessages(conv);
    } catch (error) {
      say(status, error.message);
    }
  }

  async function sendFile(id, file, body) {
    const form = new FormData();
    form.append("file", file);
    form.append("body", body);
    const response = await fetch(`${API}/interactions/${id}/files`, {
      method: "POST", credentials: "same-origin", body: form,
    });
    if (!response.ok) {
      const doc = await response.json().catch(() => null);
      throw new Error(doc?.error?.message || response.statusText);
    }
  }

  async function send(id) {
    const conv = convs.get(id);
    const box = conv.node.querySelector("textarea[name=body]");
    const internal = conv.node.querySelector("input[name=internal]").checked;
    const picker = conv.node.querySelector("input[name=file]");
    const status = conv.node.querySelector('[role="status"]');
    const file = picker.files[0];
    if (!box.value.trim() && !file) return;
    try {
      if (file) await sendFile(id, file, box.value);
      else await api("POST", `/interactions/${id}/messages`, { body: box.value, internal });
      picker.value = "";
      box.value = "";
      conv.node.querySelector("input[name=internal]").checked = false;  // the next one is a reply
      status.textContent = "";
      loadMessages(conv);
    } catch (error) {
      say(status, error.message);
    }
  }

  async function step(id, name, extra = {}) {
    const conv = convs.get(id);
    try {
      const row = await api("POST", `/interactions/${id}/steps`, { step: name, ...extra });
      if (row.status === "wrapped_up" && !row.needs_reason) closeConversation(id);
      else updateConversation(conv, row);
    } catch (error) {
      say(conv.node.querySelector('[role="status"]'), error.message);
    }
  }

  async function wrapUp(id) {
    const conv = convs.get(id);
    const reason = conv.node.querySelector("select[name=reason]").value;
    const status = conv.node.querySelector('[role="status"]');
    if (!reason) return say(status, T("Choose a reason first"));
    if (conv.row.needs_reason) return classify(id, reason);
    if (conv.node.querySelector("input[name=resolved]").checked) {
      try {
        await api("PATCH", `/cases/${conv.row.case_id}`, { status: "resolved" });
      } catch (error) {
        return say(status, error.message);
      }
    }
    await step(id, "wrapped_up", { reason_code: reason });
  }

  async function classify(id, reason) {
    const conv = convs.get(id);
    try {
      await api("POST", `/interactions/${id}/classify`, { reason_code: reason });
      closeConversation(id);
    } catch (error) {
      say(conv.node.querySelector('[role="status"]'), error.message);
    }
  }

  async function continueBy(id, channel) {
    const conv = convs.get(id);
    if (channel === "voice" && conv.phones === 0) {
      const form = conv.node.querySelector(".customer form.add-identity");
      const status = conv.node.querySelector('[role="status"]');
      if (!form) return say(status, T("The customer has no phone number, and your role may not add one."));
      form.elements.kind.value = "phone";
      form.elements.value.focus();
      form.dataset.then = "call";
      return say(status, T("The customer has no phone number: add one to call them."));
    }
    try {
      const made = await api("POST", "/interactions", {
        customer_id: conv.row.customer_id, case_id: conv.row.case_id, channel,
        subject: conv.row.subject || "",
      });
      await refresh(made.id, true);
    } catch (error) {
      say(conv.node.querySelector('[role="status"]'), error.message);
    }
  }

  async function transfer(id) {
    const conv = convs.get(id);
    const chosen = conv.node.querySelector("select[name=queue]").value;
    if (!chosen) return say(conv.node.querySelector('[role="status"]'), T("Choose where to transfer first"));
    const [kind, target] = chosen.split(":");
    try {  // to a queue (it waits there anew) or offered to a colleague
      await api("POST", `/interactions/${id}/transfer`, kind === "agent" ? { agent_id: target } : { queue_id: target });
      closeConversation(id);
    } catch (error) {
      say(conv.node.querySelector('[role="status"]'), error.message);
    }
  }

  // --- the live stream ---------------------------------------------------------------------

  function onEvent(event) {
    lastEventId = event.id;
    if (event.kind === "agent.state_changed" && event.data?.user_id === ME) {
      showState(event.data.state, event.data.reason);
    }
    const id = event.interaction_id;
    if (!id) return;
    if (event.kind === "interaction.offered" && event.data?.agent_id === ME) return refresh(id);
    if (event.kind === "interaction.taken_over" && event.data?.agent_id === ME) return refresh(id, true);
    if (event.kind.startsWith("callback.")) {  // the list of every conversation of that case
      for (const [key, conv] of convs) if (conv.row.case_id === event.case_id) callbackLists.get(key)?.();
    }
    if (event.kind === "interaction.created") {  // a new contact in a customer's history
      for (const conv of convs.values()) if (conv.row.customer_id === event.customer_id) loadHistory(conv);
    }
    if (event.kind === "message.delivery_changed" && watched.has(id)) {
      return watched.get(id)(event.data.status, event.data.error);
    }
    const conv = convs.get(id);
    if (!conv && !offers.has(id)) return;
    if ((event.kind === "message.created" || event.kind === "message.delivery_changed") && conv) {
      return loadMessages(conv);
    }
    if (event.kind.startsWith("interaction.")) return refresh(id);
  }

  function showTyping(frame) {
    const conv = convs.get(frame.interaction_id);
    if (!conv) return;
    const line = conv.node.querySelector(".typing");
    clearTimeout(conv.typingTimer);
    line.textContent = frame.typing ? T("The customer is typing…") : "";
    // the widget repeats the signal every few seconds while the customer types
    if (frame.typing) conv.typingTimer = setTimeout(() => { line.textContent = ""; }, 6000);
  }

  function connect() {
    const status = part("connection");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    // desk=1: while this socket is open the server gives this agent work (routing/presence.py);
    // someone who cannot take contacts (a planner) only watches the stream
    const query = new URLSearchParams(data.can.transfer ? { desk: "1" } : {});
    if (lastEventId !== null) query.set("last_event_id", lastEventId);
    socket = new WebSocket(`${scheme}://${location.host}${API}/ws?${query}`);
    socket.addEventListener("open", () => { status.textContent = ""; });
    socket.addEventListener("message", (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type === "snapshot") {
        lastEventId = frame.last_event_id;
        for (const row of frame.data.interactions) {
          if (row.agent_id === ME && (row.status === "offered" || MINE.has(row.status))) refresh(row.id);
        }
      } else if (frame.type === "event") {
        onEvent(frame.event);
      } else if (frame.type === "typing") {
        showTyping(frame);
      } else if (frame.type === "resync") {
        lastEventId = null;
      }
    });
    socket.addEventListener("close", () => {
      status.textContent = T("Connection lost: reconnecting…");
      setTimeout(connect, 1000);
    });
  }

  for (const id of data.needs_reason || []) refresh(id);
  connect();
  return {
    tenant: data.tenant,
    setState: async (state) => {
      const select = part("state");
      select.value = state;
      select.dispatchEvent(new Event("change"));
    },
  };
}

// the desk of one project: its page carries the data
const single = document.getElementById("desk-data");
if (single) startDesk(document.getElementById("desk"), JSON.parse(single.textContent));
