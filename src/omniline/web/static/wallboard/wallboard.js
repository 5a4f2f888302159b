// The supervisor's wallboard: queue numbers and agents, refreshed when the tenant's event
// stream says something changed (at most twice a second); state changes and moves of waiting
// contacts go through the public API, which checks the supervisor's rights.

import { el, serverNow, tenantApi } from "../staff/common.js";

const data = JSON.parse(document.getElementById("wallboard-data").textContent);
const T = (text) => data.texts[text] || text;
const API = `/api/v1/tenants/${data.tenant}`;
const REFRESHING = ["interaction.", "agent.", "routing.", "sla."];

let lastEventId = null;
let pending = null;
let longest = new Map(); // "queue:<id>" or "channel:<name>" -> {seconds, at}

const api = tenantApi(data.tenant);

// a wait as m:ss, or h:mm:ss from an hour on ("281:35" read like a time of day)
function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

// how long a state has lasted: "12 min", "3 h 5 min", "2 d 4 h"
function lasted(since) {
  const minutes = Math.max(0, Math.floor((serverNow() - Date.parse(since)) / 60000));
  if (minutes < 60) return `${minutes} ${T("min")}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} ${T("h")} ${minutes % 60} ${T("min")}`;
  return `${Math.floor(hours / 24)} ${T("d")} ${hours % 24} ${T("h")}`;
}

function header(table, names) {
  table.tHead.replaceChildren(el("tr", {}, ...names.map((n) => el("th", { scope: "col", text: T(n) }))));
}

function numbers(row) {
  return [
    el("td", { class: "num waiting", text: String(row.waiting) }),
    el("td", { class: "num longest", text: row.waiting ? clock(row.longest_wait_seconds) : "–" }),
    el("td", { class: "num sl", text: row.service_level_today === null ? "–" : `${row.service_level_today}%` }),
    el("td", { class: "num answered", text: String(row.answered_today) }),
    el("td", { class: "num abandoned", text: String(row.abandoned_today) }),
    el("td", { class: "num", text: String(row.agents_available) }),
    el("td", { class: "num", text: String(row.agents_staffed) }),
  ];
}

const NUMBERS = ["Waiting", "Longest wait", "Service level today", "Answered today", "Abandoned today",
  "Agents available", "Agents staffed"];

function renderQueues(stats) {
  const table = document.getElementById("queues");
  header(table, ["Queue", ...NUMBERS]);
  table.tBodies[0].replaceChildren(...stats.map((q) => el("tr", { "data-queue": q.queue_id, "data-key": `queue:${q.queue_id}` },
    el("th", { scope: "row" }, q.name, " ", el("span", { class: "muted", text: q.channels.join(", ") })),
    ...numbers(q))));
}

function renderChannels(stats) {
  const table = document.getElementById("channels");
  header(table, ["Channel", ...NUMBERS]);
  table.tBodies[0].replaceChildren(...stats.map((c) => el("tr", { "data-channel": c.channel, "data-key": `channel:${c.channel}` },
    el("th", { scope: "row", text: c.channel }),
    ...numbers(c))));
}

function holdLongest(queues, channels) {
  const now = serverNow();
  longest = new Map([
    ...queues.map((q) => [`queue:${q.queue_id}`, { seconds: q.longest_wait_seconds, at: now }]),
    ...channels.map((c) => [`channel:${c.channel}`, { seconds: c.longest_wait_seconds, at: now }]),
  ]);
}

function tickLongest() {
  const now = serverNow();
  for (const row of document.querySelectorAll("#queues tbody tr, #channels tbody tr")) {
    const held = longest.get(row.dataset.key);
    const waiting = Number(row.querySelector(".waiting").textContent);
    if (held && waiting) row.querySelector(".longest").textContent = clock(held.seconds + (now - held.at) / 1000);
  }
}

function stateChooser(agent) {
  const select = el("select", { "aria-label": `${T("Change state")}: ${data.people[agent.user_id] || agent.user_id}` },
    el("option", { value: "available", text: T("Available") }),
    ...data.break_reasons.map((r) => el("option", { value: `break:${r}`, text: `${T("Break")}: ${r}` })),
    el("option", { value: "offline", text: T("Offline") }));
  select.value = agent.state === "break" ? `break:${agent.reason}` : ["not_responding", "away"].includes(agent.state) ? "offline" : agent.state;
  select.addEventListener("change", async () => {
    const [state, reason] = select.value.split(":");
    try {
      await api("PUT", `/agents/${agent.user_id}/state`, { state, reason: reason || null });
    } catch (error) {
      document.getElementById("connection").textContent = error.message;
    }
  });
  return select;
}

function profileChooser(agent) {
  const name = data.people[agent.user_id] || agent.user_id;
  const select = el("select", { "aria-label": `${T("Routing profile")}: ${name}` },
    el("option", { value: "", text: T("No profile") }),
    ...data.profiles.map((p) => el("option", { value: p.id, text: p.name })));
  select.value = agent.profile_id || "";
  select.addEventListener("change", async () => {
    try {
      await api("PATCH", `/agents/${agent.user_id}`, { profile_id: select.value || null });
    } catch (error) {
      document.getElementById("connection").textContent = error.message;
    }
  });
  return select;
}

// a supervisor steps in: take the agent's contacts over, or send them back to their queues
function stepIn(agent) {
  const name = data.people[agent.user_id] || agent.user_id;
  const act = (verb, label) => el("button", {
    type: "button", class: `secondary ${verb}`, text: T(label), "aria-label": `${T(label)}: ${name}`,
    onclick: async () => {
      try {
        await api("POST", `/agents/${agent.user_id}/${verb}`);
        refreshSoon();
      } catch (error) {
        document.getElementById("connection").textContent = error.message;
      }
    },
  });
  if (!Object.values(agent.load).some((n) => n > 0) || agent.user_id === data.me) return "";
  return el("span", { class: "step-in" }, act("take-over", "Take over"), " ", act("requeue", "Re-queue"));
}

function presenceText(a) {
  const why = a.reason ? data.texts[`why:${a.reason}`] || data.texts[`reason:${a.reason}`] || a.reason : "";
  const text = T(`presence:${a.presence}`) + (why ? ` (${why})` : "");
  return a.state !== "offline" && !a.desks ? `${text} · ${T("no desk open")}` : text;
}

function renderAgents(agents) {
  const table = document.getElementById("agents");
  header(table, ["Agent", "State", "Since", "Contacts", "Change state", "Routing profile", "Their contacts"]);
  const shown = agents.filter((a) => a.profile_id || a.state !== "offline");
  shown.sort((a, b) => (data.people[a.user_id] || "").localeCompare(data.people[b.user_id] || ""));
  table.tBodies[0].replaceChildren(...shown.map((a) => el("tr", { "data-agent": a.user_id },
    el("th", { scope: "row", text: data.people[a.user_id] || a.user_id }),
    el("td", { class: `presence ${a.presence}`, text: presenceText(a) }),
    el("td", { class: "since", title: new Date(a.state_since).toLocaleString(), text: lasted(a.state_since) }),
    el("td", { class: "num", text: Object.entries(a.load).map(([c, n]) => `${c} ${n}`).join(", ") || "0" }),
    el("td", {}, stateChooser(a)),
    el("td", {}, profileChooser(a)),
    el("td", {}, stepIn(a)))));
}

async function renderWaiting(stats) {
  const box = document.getElementById("waiting");
  const busy = stats.filter((q) => q.waiting > 0);
  if (!busy.length) return box.replaceChildren(el("p", { class: "muted", text: T("Nobody is waiting.") }));
  const lists = await Promise.all(busy.map((q) => api("GET", `/queues/${q.queue_id}/waiting`)));
  box.replaceChildren(...busy.map((q, i) => el("section", { class: "waiting-queue" },
    el("h3", { text: q.name }),
    el("ol", {}, ...lists[i].map((w) => waitingItem(q, w))))));
}

function waitingItem(queue, w) {
  const target = el("select", { "aria-label": T("Move to") },
    ...data.queues.filter((q) => q.id !== queue.queue_id).map((q) => el("option", { value: q.id, text: q.name })));
  const since = w.queued_at ? clock((serverNow() - Date.parse(w.queued_at)) / 1000) : "";
  return el("li", { "data-interaction": w.id },
    el("span", { text: `${w.channel || ""} · ${w.subject || T("(no subject)")} · ${since}` }), " ",
    target, " ",
    el("button", {
      type: "button", class: "secondary", text: T("Move"),
      onclick: async () => {
        try {
          await api("POST", `/interactions/${w.id}/requeue`, { queue_id: target.value });
          refreshSoon();
        } catch (error) {
          document.getElementById("connection").textContent = error.message;
        }
      },
    }));
}

// contacts no queue can take (a channel no queue serves, a branch visit): who, where, since
// when and why, each with a way to place it in a queue
function renderUnrouted(rows) {
  const table = document.getElementById("unrouted");
  header(table, ["Contact", "Channel", "Since", "Reason", "Place in"]);
  if (!rows.length) {
    return table.tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: "5", class: "muted", text: T("Nothing is unrouted.") })));
  }
  table.tBodies[0].replaceChildren(...rows.map((u) => {
    const target = el("select", { "aria-label": `${T("Place in")}: #${u.case_number}` },
      ...data.queues.map((q) => el("option", { value: q.id, text: q.name })));
    return el("tr", { "data-interaction": u.id },
      el("th", { scope: "row", text: `#${u.case_number} ${u.subject || ""}`.trim() }),
      el("td", { text: u.channel }),
      el("td", { text: new Date(u.since).toLocaleString() }),
      el("td", { class: "reason", text: u.reason }),
      el("td", {}, target, " ", el("button", {
        type: "button", class: "secondary", text: T("Place"), disabled: data.queues.length ? null : "",
        onclick: async () => {
          try {
            await api("POST", `/interactions/${u.id}/requeue`, { queue_id: target.value });
            refreshSoon();
          } catch (error) {
            document.getElementById("connection").textContent = error.message;
          }
        },
      })));
  }));
}

async function refresh() {
  pending = null;
  const [stats, channels, agents, unrouted] = await Promise.all([
    api("GET", "/queue-stats"), api("GET", "/channel-stats"), api("GET", "/agents"), api("GET", "/unrouted")]);
  holdLongest(stats, channels);
  renderQueues(stats);
  renderChannels(channels);
  renderUnrouted(unrouted);
  renderAgents(agents);
  await renderWaiting(stats);
  document.getElementById("updated").textContent = `${T("Updated")} ${new Date().toLocaleTimeString()}`;
}

function refreshSoon() {
  if (!pending) pending = setTimeout(refresh, 500);
}

function connect() {
  const status = document.getElementById("connection");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const resume = lastEventId === null ? "" : `?last_event_id=${lastEventId}`;
  const socket = new WebSocket(`${scheme}://${location.host}${API}/ws${resume}`);
  socket.addEventListener("open", () => { status.textContent = ""; });
  socket.addEventListener("message", (message) => {
    const frame = JSON.parse(message.data);
    if (frame.type === "snapshot") {
      lastEventId = frame.last_event_id;
      refreshSoon();
    } else if (frame.type === "event") {
      lastEventId = frame.event.id;
      if (REFRESHING.some((prefix) => frame.event.kind.startsWith(prefix))) refreshSoon();
    } else if (frame.type === "resync") {
      lastEventId = null;
    }
  });
  socket.addEventListener("close", () => {
    status.textContent = T("Connection lost: reconnecting…");
    setTimeout(connect, 1000);
  });
}

setInterval(tickLongest, 1000);
connect();
