// Homeward web app: relief-station staff register people and photos and
// see candidate families; police liaisons review pairs; admins manage users.
// Plain JavaScript, no build step. All user data goes into the page as text
// (textContent), never as HTML. A case's page and its candidates: case.js.
"use strict";

const state = { me: null, csrf: null, lang: localStorage.getItem("hw-lang") || "zh-CN" };
const main = document.getElementById("main");

function t (key) {
  return (HW_TEXT [state.lang] || HW_TEXT ["zh-CN"]) [key] || HW_TEXT ["en"] [key] || key;
}

function el (tag, attrs, ...children) {
  const node = document.createElement (tag);
  for (const [k, v] of Object.entries (attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith ("on")) node.addEventListener (k.slice (2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute (k, v === true ? "" : v);
  }
  for (const c of children.flat ())
    if (c !== null && c !== undefined)
      node.append (c instanceof Node ? c : document.createTextNode (String (c)));
  return node;
}

function toast (message, bad) {
  const box = document.getElementById ("toast");
  box.textContent = message;
  box.className = bad ? "bad show" : "show";
  clearTimeout (toast.timer);
  toast.timer = setTimeout (() => { box.className = ""; }, 5000);
}

async function api (method, path, body, isForm) {
  const headers = {};
  if (method !== "GET" && state.csrf) headers ["X-CSRF-Token"] = state.csrf;
  if (body && !isForm) headers ["Content-Type"] = "application/json";
  const response = await fetch ("/api/v1" + path, {
    method, headers, credentials: "same-origin",
    body: body ? (isForm ? body : JSON.stringify (body)) : undefined
  });
  let data = null;
  try { data = await response.json (); } catch (e) { data = null; }
  if (!response.ok) {
    if (response.status === 401 && path !== "/session") { state.me = null; go ("#/login"); }
    if (data && data.error && data.error.code === "password_change_required") go ("#/password");
    const message = data && data.error ? data.error.message : response.statusText;
    const error = new Error (message);
    error.status = response.status;
    error.data = data && data.error;
    throw error;
  }
  return data;
}

function go (hash) {
  if (location.hash === hash) route (); else location.hash = hash;
}

function label (key, input) {
  return el ("label", {}, el ("span", { text: t (key) }), input);
}

function stateText (s) { return t ("state_" + s); }

// ------------------------------------------------------------------ shell

function renderShell () {
  document.documentElement.lang = state.lang;
  document.title = t ("title");
  for (const node of document.querySelectorAll ("[data-i18n]"))
    node.textContent = t (node.dataset.i18n);
  const nav = document.getElementById ("nav");
  nav.replaceChildren ();
  const who = document.getElementById ("who");
  const out = document.getElementById ("logout");
  if (!state.me) { who.textContent = ""; out.hidden = true; return; }
  const role = state.me.role;
  const links = [];
  if (role !== "police_liaison") links.push (["#/cases", "cases"]);
  if (role !== "station_staff") links.push (["#/queue", "queue"]);
  if (role === "admin") links.push (["#/users", "users"], ["#/audit", "audit"]);
  for (const [href, key] of links) nav.append (el ("a", { href, text: t (key) }));
  who.textContent = state.me.name + " · " + t (role) + (state.me.station ? " · " + state.me.station : "");
  who.append (" · ", el ("a", { href: "#/password", text: t ("change_password") }));
  out.hidden = false;
}

document.getElementById ("lang").addEventListener ("click", () => {
  state.lang = state.lang === "zh-CN" ? "en" : "zh-CN";
  localStorage.setItem ("hw-lang", state.lang);
  route ();
});

document.getElementById ("logout").addEventListener ("click", async () => {
  try { await api ("DELETE", "/session"); } catch (e) { /* signed out anyway */ }
  state.me = null; state.csrf = null;
  go ("#/login");
});

// ------------------------------------------------------------------ views

function viewLogin () {
  const name = el ("input", { name: "name", autocomplete: "username", required: true });
  const password = el ("input", { name: "password", type: "password",
                                  autocomplete: "current-password", required: true });
  const message = el ("p", { class: "error", role: "alert" });
  const form = el ("form", { class: "card narrow", onsubmit: async (e) => {
    e.preventDefault ();
    try {
      const data = await api ("POST", "/session", { name: name.value, password: password.value });
      state.me = data.user; state.csrf = data.csrf;
      go (state.me.must_change_password ? "#/password"
          : state.me.role === "police_liaison" ? "#/queue" : "#/cases");
    } catch (err) { message.textContent = loginErrorText (err) || t ("bad_login"); }
  } }, el ("h2", { text: t ("login") }), label ("name", name), label ("password", password),
     el ("button", { type: "submit", text: t ("sign_in") }), message);
  main.replaceChildren (form);
  name.focus ();
}

async function viewCases () {
  const data = await api ("GET", "/cases?limit=100");
  const rows = data.cases.map (c => el ("tr", {},
    el ("td", {}, el ("a", { href: "#/case/" + c.case_id, text: "#" + c.case_id })),
    el ("td", { text: t (c.kind === "found" ? "found_case" : "missing_case") }),
    el ("td", { text: stateText (c.state) }),
    el ("td", { text: c.date_found || c.date_last_seen || "" }),
    el ("td", { text: c.family_name || c.station || "" }),
    el ("td", { text: String (c.photos) }),
    el ("td", { text: String (c.candidates) })));
  main.replaceChildren (el ("section", { class: "card" },
    el ("div", { class: "actions" },
      el ("a", { class: "button", href: "#/new/found", text: t ("new_found") }),
      el ("a", { class: "button", href: "#/new/missing", text: t ("new_missing") })),
    el ("h2", { text: t ("cases") }),
    el ("table", {}, el ("thead", {}, el ("tr", {},
        ["case_no", "found_case", "state_open", "date_found", "family", "photos", "candidates"]
          .map (k => el ("th", { text: t (k) })))),
      el ("tbody", {}, rows))));
}

function viewNewCase (kind) {
  const fields = kind === "found"
    ? [["sex", "select"], ["province", "number"], ["city"], ["date_found", "date"], ["age"],
       ["features"], ["notes", "textarea"], ["consent_basis", "consent"], ["consent_by"]]
    : [["person_name"], ["family_name"], ["contact"], ["relation"], ["sex", "select"],
       ["province", "number"], ["last_seen", "date"], ["birth_year"], ["features"],
       ["notes", "textarea"], ["consent_basis", "consent"], ["consent_by"]];
  const keys = { contact: "family_contact", relation: "family_relation",
                 last_seen: "date_last_seen" };
  // The bases the server accepts for this kind; a child needs a guardian's.
  const bases = kind === "found" ? ["vital_interests", "guardian", "self"]
                                 : ["family", "guardian"];
  const inputs = {};
  const form = el ("form", { class: "card", onsubmit: async (e) => {
    e.preventDefault ();
    const body = { kind };
    for (const [k, input] of Object.entries (inputs)) {
      if (!input.value) continue;
      body [keys [k] || k] = k === "province" ? Number (input.value) : input.value;
    }
    try {
      const made = await api ("POST", "/cases", body);
      toast (t ("created") + " #" + made.case_id);
      go ("#/case/" + made.case_id);
    } catch (err) { toast (err.message, true); }
  } }, el ("h2", { text: t (kind === "found" ? "new_found" : "new_missing") }));
  for (const [key, type] of fields) {
    let input;
    if (type === "select")
      input = el ("select", { name: key }, ["unknown", "male", "female"].map (
        v => el ("option", { value: v, text: t (v) })));
    else if (type === "consent")
      input = el ("select", { name: key, required: true }, bases.map (
        v => el ("option", { value: v, text: t ("consent_" + v) })));
    else if (type === "textarea") input = el ("textarea", { name: key, rows: 3 });
    else input = el ("input", { name: key, type: type || "text" });
    inputs [key] = input;
    form.append (label (key, input));
  }
  form.append (el ("button", { type: "submit", text: t ("save") }));
  main.replaceChildren (form);
}

async function viewQueue () {
  const data = await api ("GET", "/queue?limit=100");
  const items = data.pairs.map (p => el ("li", { class: "candidate" },
    el ("div", { class: "pairchips" },
      p.explanation && p.explanation.pairs && p.explanation.pairs [0]
        ? [chip (p.explanation.pairs [0].found_face, t ("found_person")),
           chip (p.explanation.pairs [0].missing_face, t ("family"))] : null),
    el ("div", { class: "detail" },
      el ("h3", {}, el ("a", { href: "#/pair/" + p.found_case + "/" + p.missing_case,
        text: t ("found_case") + " #" + p.found_case + " ↔ " + t ("missing_case") + " #" + p.missing_case })),
      el ("p", { class: "score", text: t ("score") + " " + p.score.toFixed (3) + " · " + stateText (p.state) }),
      el ("p", { class: "meaning", text: scoreMeaning (p) }),
      pooledText (p.explanation) ? el ("p", { class: "note", text: pooledText (p.explanation) }) : null,
      factRows (p.explanation || {}))));
  main.replaceChildren (el ("section", { class: "card" }, el ("h2", { text: t ("queue") }),
    el ("p", { class: "hint", text: t ("only_dna") }),
    el ("ol", { class: "candidates" }, items.length ? items : el ("li", { text: t ("none_yet") }))));
}

async function viewPair (found, missing) {
  const [f, m, cands, trail] = await Promise.all ([
    api ("GET", "/cases/" + found), api ("GET", "/cases/" + missing),
    api ("GET", "/cases/" + found + "/candidates?limit=200"),
    api ("GET", "/cases/" + found + "/reviews")]);
  const item = cands.candidates.find (c => c.case_id === Number (missing));
  const ex = item ? item.explanation : { pairs: [], facts: [] };
  const note = el ("textarea", { name: "note", rows: 2 });
  const act = (stateName) => async () => {
    try {
      await api ("POST", "/reviews", { case_id: Number (found), candidate: Number (missing),
                                       state: stateName, note: note.value });
      toast (t ("saved") + ": " + stateText (stateName));
      viewPair (found, missing);
    } catch (err) { toast (err.message, true); }
  };
  const canReview = state.me.role !== "station_staff";
  main.replaceChildren (
    el ("section", { class: "card" },
      el ("h2", { text: t ("pair") + ": #" + found + " ↔ #" + missing }),
      item ? el ("p", { class: "score", text: t ("score") + " " + item.score.toFixed (3) + " · " + stateText (item.state) }) : null,
      item ? el ("p", { class: "meaning", text: scoreMeaning (item) }) : null,
      pooledText (ex) ? el ("p", { class: "note", text: pooledText (ex) }) : null,
      el ("div", { class: "columns" },
        el ("div", {}, el ("h3", { text: t ("found_case") + " #" + found }), factsList (f)),
        el ("div", {}, el ("h3", { text: t ("missing_case") + " #" + missing }), factsList (m))),
      el ("h3", { text: t ("side_by_side") }),
      el ("ul", { class: "pairs" }, (ex.pairs || []).map (p => el ("li", {},
        chip (p.found_face, t ("found_person")), chip (p.missing_face, t ("family")),
        el ("span", { text: t ("distance") + " " + p.distance })))),
      el ("h3", { text: t ("facts") }), factRows (ex), el ("p", { class: "hint", text: t ("only_dna") })),
    canReview ? el ("section", { class: "card" }, el ("h2", { text: t ("review") }),
      label ("note", note),
      el ("div", { class: "actions" },
        el ("button", { type: "button", onclick: act ("rejected"), text: t ("reject") }),
        el ("button", { type: "button", onclick: act ("dna_requested"), text: t ("request_dna") }),
        el ("button", { type: "button", onclick: act ("confirmed"), text: t ("confirm") }),
        el ("button", { type: "button", onclick: act ("reunited"), text: t ("reunited") }))) : null,
    el ("section", { class: "card" }, el ("h2", { text: t ("trail") }),
      el ("ol", { class: "trail" }, trail.reviews.filter (r => r.missing_case === Number (missing))
        .map (r => el ("li", { text: r.at + " · " + r.actor + " · " + stateText (r.state) + (r.note ? " · " + r.note : "") })))));
}

// viewUsers and viewPassword: users.js.

async function viewAudit () {
  const data = await api ("GET", "/audit?limit=200");
  main.replaceChildren (el ("section", { class: "card" }, el ("h2", { text: t ("audit") }),
    el ("table", {}, el ("tbody", {}, data.entries.map (e => el ("tr", {},
      el ("td", { text: e.at }), el ("td", { text: e.actor }), el ("td", { text: e.action }),
      el ("td", { text: e.object || "" }), el ("td", { text: e.detail || "" })))))));
}

// ------------------------------------------------------------------ router

async function route () {
  renderShell ();
  const parts = location.hash.replace (/^#\/?/, "").split ("/");
  if (!state.me && parts [0] !== "login") {
    try {
      const me = await api ("GET", "/me");
      state.me = me.user; state.csrf = me.csrf;
      renderShell ();
    } catch (e) { return go ("#/login"); }
  }
  if (state.me && state.me.must_change_password && parts [0] !== "password" && parts [0] !== "login")
    return go ("#/password");
  try {
    switch (parts [0]) {
      case "login": return viewLogin ();
      case "cases": return await viewCases ();
      case "new": return viewNewCase (parts [1] === "missing" ? "missing" : "found");
      case "case": return await viewCase (parts [1]);
      case "queue": return await viewQueue ();
      case "pair": return await viewPair (parts [1], parts [2]);
      case "users": return await viewUsers ();
      case "password": return viewPassword ();
      case "audit": return await viewAudit ();
      default: return go (state.me && state.me.role === "police_liaison" ? "#/queue"
                          : state.me && state.me.role === "admin" ? "#/users" : "#/cases");
    }
  } catch (err) {
    main.replaceChildren (el ("section", { class: "card" },
      el ("h2", { text: err.status === 403 ? t ("forbidden") : t ("error") }),
      el ("p", { text: err.message })));
  } finally {
    main.focus ({ preventScroll: true });
  }
}

// ------------------------------------------------------------------ health

// A banner while the service is degraded: a full disk, the case service
// down. Checked now and every 15 seconds.
async function checkHealth () {
  const banner = document.getElementById ("banner");
  let status = "ok", free = 0;
  try {
    const response = await fetch ("/api/v1/health", { credentials: "same-origin" });
    const data = await response.json ();
    status = data.status || "ok";
    free = Math.floor ((data.disk_free_bytes || 0) / (1024 * 1024));
  } catch (e) {
    status = "ok";          // the gateway itself unreachable: the pages say so
  }
  const key = { disk_low: "health_disk_low", disk_full: "health_disk_full",
                results_down: "health_results_down" } [status];
  banner.hidden = !key;
  banner.className = status === "disk_low" ? "warn" : "bad";
  banner.textContent = key ? t (key).replace ("{free}", String (free)) : "";
}

window.addEventListener ("hashchange", route);
route ();
checkHealth ();
setInterval (checkHealth, 15000);
