// What the staff pages' modules share: building elements (data only ever as text) and calling
// the tenant's API with the login session.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

// The server's clock as far as this page can tell: a PC's clock may be minutes off (or, in
// tests, the server's clock is set to another day), and offers, wrap-up and waits run on the
// server's. The page carries the time the server made it at.
const madeAt = Date.parse(document.querySelector('meta[name="server-time"]')?.content ?? "");
const skew = Number.isNaN(madeAt) ? 0 : madeAt - Date.now();
export function serverNow() {
  return Date.now() + skew;
}

// A status line says something: an error by default, or "ok".
export function say(node, message, kind = "error") {
  node.textContent = message;
  node.className = kind;
}

// A caller of one tenant's API: JSON in and out, errors as their message.
export function tenantApi(tenant) {
  const base = `/api/v1/tenants/${tenant}`;
  return async function api(method, path, body) {
    const response = await fetch(base + path, {
      method,
      credentials: "same-origin",
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    const doc = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Error(doc?.error?.message || response.statusText);
    return doc;
  };
}
