// Moving a case to another channel from the desk: a callback promised for a time (an outbound
// call in the same case when it is due) and an e-mail summary of the conversation (a new e-mail
// in the same case). Both go through the public API, which checks the agent's rights; data
// from people is only ever put into the page as text.

import { el, say } from "../staff/common.js";

// `desk`: { api, T, me, canReveal }; `conv`: the conversation; `status`: its status line
export function callbackForm(desk, conv, status) {
  const { api, T } = desk;
  const list = el("ul", { class: "callbacks" });
  const form = el("form", { class: "move-form callback", id: `callback-${conv.row.id}`, hidden: true },
    el("label", {}, T("When (empty: as soon as possible)"), el("input", { type: "datetime-local", name: "due" })),
    el("label", {}, T("Number"), el("input", { type: "tel", name: "phone", placeholder: T("the customer's number on file") })),
    el("label", { class: "check" }, el("input", { type: "checkbox", name: "mine" }), " ", T("I will call back myself")),
    el("label", {}, T("Note for the call"), el("textarea", { name: "note", rows: "2" })),
    el("button", { type: "submit", text: T("Schedule the callback") }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const due = form.elements.due.value;
    const body = {
      due_at: due ? new Date(due).toISOString() : null,
      phone: form.elements.phone.value.trim() || null,
      preferred_agent_id: form.elements.mine.checked ? desk.me : null,
      note: form.elements.note.value,
    };
    try {
      const made = await api("POST", `/interactions/${conv.row.id}/callbacks`, body);
      say(status, `${T("Callback scheduled")}: ${new Date(made.due_at).toLocaleString()} · ${made.phone}`, "ok");
      form.reset();
      closeForm(form);
      await listCallbacks(desk, conv, list, status);
    } catch (error) {
      say(status, error.message);
    }
  });
  const reload = () => listCallbacks(desk, conv, list, status);
  reload();
  return { form, list, reload };
}

// a form is opened by its button (aria-controls); closing it says so on the button too
export function closeForm(form) {
  form.hidden = true;
  document.querySelector(`[aria-controls="${form.id}"]`)?.setAttribute("aria-expanded", "false");
}

// the callbacks still to be made in this case, each with a way to call it off
async function listCallbacks(desk, conv, list, status) {
  const { api, T } = desk;
  let page;
  try {
    page = await api("GET", `/callbacks?case_id=${conv.row.case_id}&status=scheduled`);
  } catch {
    return;
  }
  list.replaceChildren(...page.items.map((cb) => el("li", { "data-callback": cb.id },
    `${T("Callback")}: ${new Date(cb.due_at).toLocaleString()} · ${cb.phone}${cb.note ? ` · ${cb.note}` : ""} `,
    el("button", {
      type: "button", class: "link", text: T("Cancel"),
      onclick: async () => {
        try {
          await api("POST", `/callbacks/${cb.id}/cancel`, { reason: "cancelled on the desk" });
          say(status, T("Callback cancelled"), "ok");
          await listCallbacks(desk, conv, list, status);
        } catch (error) {
          say(status, error.message);
        }
      },
    }))));
}

// On a callback's outbound call: the number to dial (masked until revealed, which is audited).
export async function callbackCall(desk, conv) {
  const { api, T } = desk;
  const box = el("p", { class: "callback-call" });
  const show = async (reveal) => {
    const page = await api("GET", `/callbacks?interaction_id=${conv.row.id}${reveal ? "&reveal=true" : ""}`);
    const cb = page.items.find((c) => c.interaction_id === conv.row.id);
    if (!cb) return box.remove();
    const number = cb.phone_masked ? el("span", { text: cb.phone }) : el("a", { href: `tel:${cb.phone}`, text: cb.phone });
    box.replaceChildren(`${T("Call the customer back on")} `, number,
      cb.phone_masked && desk.canReveal ? el("button", { type: "button", class: "link", text: T("Reveal"), onclick: () => show(true) }) : "");
  };
  try {
    await show(false);
  } catch {
    return null;
  }
  return box;
}

// The e-mail summary: the draft from the server, editable, then queued; its delivery state
// comes back as an event on the new e-mail's interaction (`watch` keeps it for onEvent).
export function summaryForm(desk, conv, status, watch) {
  const { api, T } = desk;
  const form = el("form", { class: "move-form summary", id: `summary-${conv.row.id}`, hidden: true });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const to = form.elements.to;
    const body = { subject: form.elements.subject.value, body: form.elements.body.value };
    if (to && to.tagName === "SELECT") body.to = to.value;
    try {
      const sent = await api("POST", `/interactions/${conv.row.id}/email-summary`, body);
      say(status, `${T("E-mail summary")} → ${sent.to}: ${T(`delivery:${sent.delivery_status}`)}`, "ok");
      watch(sent.interaction_id, (state, error) => say(status,
        `${T("E-mail summary")} → ${sent.to}: ${T(`delivery:${state}`)}${error ? `: ${error}` : ""}`,
        state === "failed" ? "error" : "ok"));
      closeForm(form);
    } catch (error) {
      say(status, error.message);
    }
  });
  const open = async () => {
    let draft;
    try {
      draft = await api("GET", `/interactions/${conv.row.id}/email-summary`);
    } catch (error) {
      closeForm(form);
      return say(status, error.message);
    }
    const to = draft.masked || draft.addresses.length < 2
      ? el("output", { name: "to", text: draft.to || "" })
      : el("select", { name: "to" }, ...draft.addresses.map((a) => el("option", { value: a, text: a })));
    if (to.tagName === "SELECT" && draft.to) to.value = draft.to;
    form.replaceChildren(
      el("label", {}, T("To"), to),
      el("label", {}, T("Subject"), el("input", { name: "subject", value: draft.subject, required: true })),
      el("label", {}, T("Text"), el("textarea", { name: "body", rows: "8", required: true })),
      el("button", { type: "submit", text: T("Send the e-mail") }));
    form.elements.body.value = draft.body;
    form.elements.subject.focus();
  };
  return { form, open };
}
