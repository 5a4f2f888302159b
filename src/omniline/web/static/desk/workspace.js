// The desk of several projects: one project's desk per panel (desk.js), offers from all of
// them in one box, a tab per project that counts its conversations and waiting offers, and
// one state change for all projects. Each project talks to its own tenant's API and socket.

import { startDesk } from "./desk.js";

const offers = document.getElementById("offers");
const tabs = [...document.querySelectorAll("#projects [role=tab]")];
const panels = [...document.querySelectorAll("#workspace .project")];

function show(slug) {
  for (const tab of tabs) tab.setAttribute("aria-selected", tab.dataset.project === slug ? "true" : "false");
  for (const panel of panels) panel.hidden = panel.dataset.project !== slug;
}

const desks = panels.map((panel) => {
  const data = JSON.parse(panel.querySelector(".project-data").textContent);
  const tab = tabs.find((t) => t.dataset.project === data.tenant);
  tab.addEventListener("click", () => show(data.tenant));
  return startDesk(panel, data, {
    offers,
    label: data.tenant_name,
    onFocus: () => show(data.tenant),
    onCount: (waiting, open) => {
      tab.querySelector("[data-count]").textContent = open || waiting ? `${open}${waiting ? ` +${waiting}` : ""}` : "";
      tab.classList.toggle("has-offer", waiting > 0);
    },
  });
});

// arrow keys move between the project tabs, as in any tab list
document.getElementById("projects").addEventListener("keydown", (event) => {
  const at = tabs.indexOf(document.activeElement);
  if (at < 0 || !["ArrowLeft", "ArrowRight"].includes(event.key)) return;
  const next = tabs[(at + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
  next.focus();
  next.click();
});

const allState = document.getElementById("all-state");
allState.addEventListener("change", () => {
  if (!allState.value) return;
  for (const desk of desks) desk.setState(allState.value);
  allState.value = "";
});
