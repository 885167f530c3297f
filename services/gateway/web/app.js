// Homeward web app: relief-station staff register people and photos and
// see candidate families; police liaisons review pairs; admins manage users.
// Plain JavaScript, no build step. All user data goes into the page as text
// (textContent), never as HTML. A case's page and its candidates: case.js;
// a pair side by side, its review steps and trail: review.js; two records
// that may be one person: same.js.
"use strict";

// shown: the hash whose view is on the screen (a view that is still
// loading leaves the one before it there).
const state = { me: null, csrf: null, lang: localStorage.getItem("hw-lang") || "zh-CN",
                shown: null };
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

// A message for a few seconds, belonging to a page: the current one, or
// page (a hash) when it tells of what sent the user there ("created" on
// the new case's page). Leaving the page takes it away (dropToast). While
// signed out there are no error toasts: the sign-in form says what is wrong.
function toast (message, bad, page) {
  if (bad && !state.me) return;
  const box = document.getElementById ("toast");
  box.textContent = message;
  box.className = bad ? "bad show" : "show";
  toast.page = page || location.hash;
  clearTimeout (toast.timer);
  toast.timer = setTimeout (() => { box.className = ""; }, bad ? 8000 : 5000);
}

function dropToast () {
  if (toast.page === location.hash) return;
  const box = document.getElementById ("toast");
  clearTimeout (toast.timer);
  box.className = "";
  box.textContent = "";
}

async function api (method, path, body, isForm, idempotencyKey) {
  const headers = { "Accept-Language": state.lang };   // server messages in the app's language
  if (method !== "GET" && state.csrf) headers ["X-CSRF-Token"] = state.csrf;
  if (idempotencyKey) headers ["Idempotency-Key"] = idempotencyKey;   // a submission's (sendOnce)
  if (body && !isForm) headers ["Content-Type"] = "application/json";
  const response = await fetch ("/api/v1" + path, {
    method, headers, credentials: "same-origin",
    body: body ? (isForm ? body : JSON.stringify (body)) : undefined
  });
  let data = null;
  try { data = await response.json (); } catch (e) { data = null; }
  if (!response.ok) {
    if (response.status === 401 && path !== "/session") sessionEnded ();
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

// ------------------------------------------------------------------ sending once

// A new Idempotency-Key (a random UUID; made by hand where the page is no
// secure context and crypto.randomUUID is missing).
function newKey () {
  if (crypto.randomUUID) return crypto.randomUUID ();
  const b = crypto.getRandomValues (new Uint8Array (16));
  b [6] = (b [6] & 0x0f) | 0x40;
  b [8] = (b [8] & 0x3f) | 0x80;
  const h = [...b].map (x => x.toString (16).padStart (2, "0")).join ("");
  return [h.slice (0, 8), h.slice (8, 12), h.slice (12, 16), h.slice (16, 20), h.slice (20)].join ("-");
}

// Send what a form submits, once: one submission, one record. The
// holder's buttons (the form's, or the button itself) are disabled while
// it is on its way, so a double click sends nothing more; they stay so
// after it went through (the page is drawn again) unless again is true
// (upload buttons, which stay on the page). The request carries an
// Idempotency-Key made for the submission: sent again unchanged (the
// answer was lost, or refused), the same key, so the server does the work
// at most once; changed (what: what makes two submissions the same, by
// default the request itself) or after it went through, a new one.
// Returns the answer; null while the holder is still sending. Throws as
// api does; no answer at all (the network) is said in the reader's words.
async function sendOnce (holder, method, path, body, { form = false, what, again = false } = {}) {
  if (holder.hwSending) return null;
  const same = what !== undefined ? String (what) : method + " " + path + " " + (form ? "" : JSON.stringify (body));
  if (!holder.hwKey || holder.hwSent !== same) { holder.hwKey = newKey (); holder.hwSent = same; }
  const buttons = holder.tagName === "BUTTON" ? [holder] : [...holder.querySelectorAll ("button")];
  const before = buttons.map (b => b.disabled);
  holder.hwSending = true;
  holder.setAttribute ("aria-busy", "true");
  for (const b of buttons) b.disabled = true;
  let done = false;
  try {
    const answer = await api (method, path, body, form, holder.hwKey);
    holder.hwKey = null;                  // went through: the next one is new
    done = true;
    return answer;
  } catch (err) {
    if (err.status === undefined) throw new Error (t ("no_answer"));
    throw err;
  } finally {
    holder.hwSending = false;
    holder.removeAttribute ("aria-busy");
    if (!done || again) buttons.forEach ((b, i) => { b.disabled = before [i]; });
  }
}

// ------------------------------------------------------------------ drafts

// The session ended (expired, or ended elsewhere) while a page was open:
// keep the page and what was typed on its forms in this tab
// (sessionStorage, gone when the tab closes), then ask to sign in. After
// the same user signs in, the page comes back with the values (restoreDraft).
function sessionEnded () {
  if (location.hash.startsWith ("#/login")) return;      // already on its way
  const fields = [];
  if (state.me && state.shown === location.hash)
    main.querySelectorAll ("form").forEach ((form, at) => {
      for (const input of form.elements) {
        if (!input.name || ["password", "file", "submit", "button", "hidden"].includes (input.type)
            || !typedIn (input))
          continue;
        fields.push ([at, input.name, input.type === "checkbox" ? input.checked : input.value]);
      }
    });
  sessionStorage.setItem ("hw-return", JSON.stringify ({
    hash: location.hash, user: state.me ? state.me.name : null, fields }));
  state.me = null;
  go ("#/login");
}

// Whether the user changed a field from what the page put there.
function typedIn (input) {
  if (input.type === "checkbox") return input.checked !== input.defaultChecked;
  if (input.tagName === "SELECT") {
    const first = [...input.options].find (o => o.defaultSelected) || input.options [0];
    return first ? input.value !== first.value : false;
  }
  return input.value !== input.defaultValue;
}

function takeReturn () {
  try { return JSON.parse (sessionStorage.getItem ("hw-return")) || null; }
  catch (e) { return null; }
}

// Where to go after signing in: the page the session ended on (for its
// user, or for anyone when nothing was typed there), else the role's own.
function afterSignIn () {
  const back = takeReturn ();
  const mine = back && (back.user === state.me.name || (!back.user && !(back.fields || []).length));
  if (!mine) sessionStorage.removeItem ("hw-return");
  return mine && back.hash && back.hash !== "#/login" ? back.hash
       : state.me.role === "police_liaison" ? "#/queue" : "#/cases";
}

// Give a page that was just drawn the values kept when the session ended.
function restoreDraft () {
  const back = takeReturn ();
  if (!back || back.hash !== location.hash || !state.me || back.user !== state.me.name) return;
  sessionStorage.removeItem ("hw-return");
  const forms = main.querySelectorAll ("form");
  let restored = 0;
  for (const [at, name, value] of back.fields || []) {
    const input = forms [at] && forms [at].elements.namedItem (name);
    if (!input || input instanceof RadioNodeList) continue;
    if (input.type === "checkbox") input.checked = value;
    else if (input.value !== value) {
      input.value = value;
      if (input.value !== value) continue;              // no such choice any more
      const details = input.closest ("details");
      if (details) details.open = true;
      restored++;
    }
  }
  if (restored) toast (t ("draft_restored"));
}

// ------------------------------------------------------------------ helpers

// The page's path ("case/12") and its query ("q=Li&page=2") from the hash.
function hashPath () { return location.hash.replace (/^#\/?/, "").split ("?") [0]; }
function hashQuery () {
  const at = location.hash.indexOf ("?");
  return new URLSearchParams (at < 0 ? "" : location.hash.slice (at + 1));
}

// A hash with the non-empty values of params as its query.
function hashWith (path, params) {
  const q = new URLSearchParams ();
  for (const [k, v] of Object.entries (params)) if (v !== "" && v !== null && v !== undefined) q.set (k, v);
  const text = q.toString ();
  return "#/" + path + (text ? "?" + text : "");
}

// A word with {name} places filled.
function textWith (text, values) {
  return text.replace (/\{(\w+)\}/g, (all, k) => values [k] !== undefined ? String (values [k]) : all);
}

// A time the API gives (UTC, ISO 8601) as the reader's clock shows it (the
// browser's zone: China time at a station), in the page's language. Dates
// that are facts (YYYY-MM-DD) are not times and are shown as they are.
function timeText (iso) {
  if (!iso) return "";
  const d = new Date (iso);
  if (isNaN (d.getTime ())) return iso;
  return new Intl.DateTimeFormat (state.lang, { dateStyle: "medium", timeStyle: "short",
                                                hourCycle: "h23" }).format (d);
}

// A range [low, high] as "low-high", or one number when they are equal.
function rangeText (range) {
  return range ? (range [0] === range [1] ? String (range [0]) : range.join ("-")) : "";
}

// Where a list stands ("1–50 of 312") with links to the pages before and
// after; hrefFor (offset) makes a page's link.
function pager (total, offset, shown, size, hrefFor) {
  // (past the end, as an old link may be: how many there are in all)
  const text = !total ? t ("page_none") : !shown ? textWith (t ("page_total"), { total })
             : textWith (t ("page_range"), { from: offset + 1, to: offset + shown, total });
  return el ("nav", { class: "pager", "aria-label": t ("pager") },
    offset > 0 ? el ("a", { class: "button", rel: "prev", href: hrefFor (Math.max (0, offset - size)),
                            text: t ("previous_page") }) : null,
    el ("span", { class: "range", text }),
    offset + shown < total ? el ("a", { class: "button", rel: "next", href: hrefFor (offset + size),
                                        text: t ("next_page") }) : null);
}

function label (key, input) {
  return el ("label", {}, el ("span", { text: t (key) }), input);
}

function stateText (s) { return t ("state_" + s); }

// ------------------------------------------------------------------ case facts

// The facts this app has fields and words of its own for. Any other fact
// of the server's table (GET /case-facts: a fact added there since, one
// row) is shown, asked for and corrected as text or a date, under the
// label the server gives it in the reader's language.
const OWN_FACTS = new Set (["sex", "province", "city", "station", "date_found", "age",
  "date_last_seen", "birth_year", "person_name", "family_name", "family_contact",
  "family_relation", "features", "notes", "external_ref", "purpose", "consent_basis",
  "consent_by", "consent_date"]);

async function loadFacts () {
  if (!state.facts)
    try { state.facts = (await api ("GET", "/case-facts")).facts; } catch (e) { return []; }
  return state.facts;
}

// The server's facts of a kind of case ("found" or "missing") that this
// app has no field of its own for (correctable: those staff may correct).
function otherFacts (kind, correctable) {
  return (state.facts || []).filter (f => !OWN_FACTS.has (f.name)
    && (f.type === "text" || f.type === "date") && (f.kind === "both" || f.kind === kind)
    && (!correctable || f.correctable));
}

function factLabel (f) { return f.label [state.lang] || f.label.en || f.name; }

function factInput (f, value) {
  const input = el ("input", { name: f.name, type: f.type === "date" ? "date" : "text",
                               maxlength: f.max_chars || null });
  input.defaultValue = value ?? "";
  return input;
}

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
  links.push (["#/same", "same_person"], ["#/notices", "notices"]);
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
  sessionStorage.removeItem ("hw-return");
  state.me = null; state.csrf = null;
  go ("#/login");
});

// ------------------------------------------------------------------ views

function viewLogin () {
  const name = el ("input", { name: "name", autocomplete: "username", required: true });
  const back = takeReturn ();
  if (back && back.user) name.value = back.user;    // the same user signs in again
  const password = el ("input", { name: "password", type: "password",
                                  autocomplete: "current-password", required: true });
  const message = el ("p", { class: "error", role: "alert" });
  const form = el ("form", { class: "card narrow", onsubmit: async (e) => {
    e.preventDefault ();
    try {
      const data = await api ("POST", "/session", { name: name.value, password: password.value });
      state.me = data.user; state.csrf = data.csrf;
      go (state.me.must_change_password ? "#/password" : afterSignIn ());
    } catch (err) { message.textContent = loginErrorText (err) || t ("bad_login"); }
  } }, el ("h2", { text: t ("login") }),
     back && back.fields && back.fields.length ? el ("p", { class: "notice", text: t ("session_expired") }) : null,
     label ("name", name), label ("password", password),
     el ("button", { type: "submit", text: t ("sign_in") }), message);
  main.replaceChildren (form);
  (name.value ? password : name).focus ();
}

const CASES_PAGE = 50;

// The cases a user may see (staff: their station's), newest first, a page
// at a time; found by number, name, family, reference, city or station
// (the server searches), and by type and state.
async function viewCases () {
  const query = hashQuery ();
  const filter = { q: query.get ("q") || "", kind: query.get ("kind") || "",
                   state: query.get ("state") || "" };
  const offset = Math.max (0, Number (query.get ("from")) || 0);
  const params = new URLSearchParams ({ limit: CASES_PAGE, offset });
  for (const [k, v] of Object.entries (filter)) if (v) params.set (k, v);
  const data = await api ("GET", "/cases?" + params);
  const hrefFor = (from) => hashWith ("cases", { ...filter, from: from || "" });
  main.replaceChildren (el ("section", { class: "card" },
    el ("div", { class: "actions" },
      el ("a", { class: "button", href: "#/new/found", text: t ("new_found") }),
      el ("a", { class: "button", href: "#/new/missing", text: t ("new_missing") })),
    el ("h2", { text: t ("cases") }),
    casesFilter (filter),
    data.cases.length ? casesTable (data.cases) : el ("p", { class: "hint", text: t ("no_match") }),
    pager (data.total, offset, data.cases.length, CASES_PAGE, hrefFor)));
}

function casesFilter (filter) {
  const q = el ("input", { type: "search", name: "q", value: filter.q, placeholder: t ("search_hint") });
  const kind = el ("select", { name: "kind", "aria-label": t ("list_kind") },
    [["", "kind_all"], ["found", "found_case"], ["missing", "missing_case"]].map (([v, k]) =>
      el ("option", { value: v, text: t (k), selected: v === filter.kind })));
  const st = el ("select", { name: "state", "aria-label": t ("list_state") },
    [["", "state_all"], ["open", "state_open"], ["closed", "state_closed"]].map (([v, k]) =>
      el ("option", { value: v, text: t (k), selected: v === filter.state })));
  const search = () => go (hashWith ("cases", { q: q.value.trim (), kind: kind.value, state: st.value }));
  kind.addEventListener ("change", search);
  st.addEventListener ("change", search);
  return el ("form", { class: "filter", role: "search", onsubmit: (e) => { e.preventDefault (); search (); } },
    el ("label", { class: "grow" }, el ("span", { text: t ("search_label") }), q),
    kind, st,
    el ("button", { type: "submit", text: t ("search") }),
    filter.q || filter.kind || filter.state
      ? el ("a", { href: "#/cases", class: "button secondary", text: t ("clear_search") }) : null);
}

// Who the case is about, as far as it is known: the name, else what the
// station saw (sex, age); a report also names the family who filed it.
function caseWho (c) {
  const known = [c.sex && c.sex !== "unknown" ? t (c.sex) : "",
                 c.age ? textWith (t ("age_about"), { age: rangeText (c.age) }) : "",
                 c.birth_year ? textWith (t ("born_in"), { year: rangeText (c.birth_year) }) : "",
                 c.city || ""].filter (Boolean).join (" · ");
  return [c.person_name ? el ("strong", { text: c.person_name })
                        : el ("span", { class: "unknown", text: t ("name_unknown") }),
          known ? el ("small", { text: known }) : null,
          c.kind === "missing" && c.family_name
            ? el ("small", { text: t ("family_name") + t ("colon") + c.family_name }) : null];
}

// A date that is a fact (YYYY-MM-DD, as recorded) and what it is.
function dateCell (key, date) {
  return date ? [el ("small", { text: t (key) }), el ("span", { class: "nowrap", text: date })] : null;
}

function casesTable (cases) {
  // Staff see their own station's cases only: no column says so each time.
  const stations = state.me.role !== "station_staff";
  const heads = ["list_case_no", "list_kind", "list_name", "list_province", "list_date",
                 stations ? "station" : null, "list_state", "photos", "list_candidates"].filter (Boolean);
  const found = (c) => c.kind === "found";
  // (one element in a cell: on a phone the cell is its label and that)
  const cell = (key, ...children) => el ("td", { "data-label": t (key), class: key },
                                         el ("div", {}, ...children));
  const rows = cases.map (c => el ("tr", { class: c.state === "closed" ? "closed" : null },
    cell ("list_case_no", el ("a", { href: "#/case/" + c.case_id, text: "#" + c.case_id }),
      c.external_ref ? el ("small", { class: "ref", title: c.external_ref, text: c.external_ref }) : null),
    cell ("list_kind", t (found (c) ? "found_case" : "missing_case")),
    cell ("list_name", caseWho (c)),
    cell ("list_province", c.province ? t (found (c) ? "province_found_short" : "province_home_short") +
                                        " " + provinceName (c.province) : ""),
    cell ("list_date", dateCell (found (c) ? "date_found_short" : "last_seen_short",
                                 found (c) ? c.date_found : c.date_last_seen)),
    stations ? cell ("station", c.station || "") : null,
    cell ("list_state", stateText (c.state)),
    cell ("photos", String (c.photos)),
    cell ("list_candidates", String (c.candidates))));
  return el ("table", { class: "cases" },
    el ("thead", {}, el ("tr", {}, heads.map (k => el ("th", { scope: "col", text: t (k) })))),
    el ("tbody", {}, rows));
}

async function viewNewCase (kind) {
  await loadFacts ();
  const fields = kind === "found"
    ? [["person_name"], ["sex", "select"], ["province", "province"], ["city"], ["date_found", "date"], ["age"],
       ["features"], ["notes", "textarea"], ["consent_basis", "consent"], ["consent_by"]]
    : [["person_name"], ["family_name"], ["contact"], ["relation"], ["sex", "select"],
       ["province", "province"], ["last_seen", "date"], ["birth_year"], ["features"],
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
      const made = await sendOnce (form, "POST", "/cases", body);
      if (!made) return;
      toast (t ("created") + " #" + made.case_id, false, "#/case/" + made.case_id);
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
    else if (type === "province") input = provinceSelect (key);
    else if (type === "textarea") input = el ("textarea", { name: key, rows: 3 });
    else input = el ("input", { name: key, type: type || "text" });
    inputs [key] = input;
    form.append (label (caseLabel (key, kind), input));
  }
  for (const f of otherFacts (kind, false)) {
    inputs [f.name] = factInput (f, "");
    form.append (el ("label", {}, el ("span", { text: factLabel (f) }), inputs [f.name]));
  }
  form.append (el ("button", { type: "submit", text: t ("save") }));
  main.replaceChildren (form);
}

const QUEUE_PAGE = 20;

// The pairs to review, best first, a page at a time; by the province where
// the person was found.
async function viewQueue () {
  const query = hashQuery ();
  const province = Number (query.get ("province")) || 0;
  const offset = Math.max (0, Number (query.get ("from")) || 0);
  const data = await api ("GET", "/queue?limit=" + QUEUE_PAGE + "&offset=" + offset +
                                 (province ? "&province=" + province : ""));
  const items = data.pairs.map (p => el ("li", { class: "candidate" },
    el ("div", { class: "pairchips" },
      p.explanation && p.explanation.pairs && p.explanation.pairs [0]
        ? [chip (p.explanation.pairs [0].found_face, t ("found_person")),
           chip (p.explanation.pairs [0].missing_face, t ("family"))] : null),
    el ("div", { class: "detail" },
      el ("h3", {}, el ("a", { href: "#/pair/" + p.found_case + "/" + p.missing_case,
        text: caseCalled (p.found || { kind: "found", case_id: p.found_case }) + " ↔ " +
              caseCalled (p.case || { kind: "missing", case_id: p.missing_case }) })),
      el ("p", { class: "score", text: t ("score") + " " + p.score.toFixed (3) + " · " + stateText (p.state) }),
      el ("p", { class: "meaning", text: scoreMeaning (p) }),
      pooledText (p.explanation) ? el ("p", { class: "note", text: pooledText (p.explanation) }) : null,
      guessedText (p.explanation) ? el ("p", { class: "note", text: guessedText (p.explanation) }) : null,
      factRows (p.explanation || {}))));
  const where = provinceSelect ("province", province, "province_all");
  where.addEventListener ("change", () => go (hashWith ("queue", { province: where.value })));
  main.replaceChildren (el ("section", { class: "card" }, el ("h2", { text: t ("queue") }),
    el ("p", { class: "hint", text: t ("only_dna") }),
    el ("form", { class: "filter", onsubmit: (e) => e.preventDefault () },
      label ("found_province", where)),
    el ("ol", { class: "candidates", start: offset + 1 },
      items.length ? items : el ("li", { text: t ("none_yet") })),
    pager (data.total, offset, data.pairs.length, QUEUE_PAGE,
           (from) => hashWith ("queue", { province: province || "", from: from || "" }))));
}

// viewPair: review.js; viewSameList and viewSamePair: same.js; viewUsers
// and viewPassword: users.js.

async function viewAudit () {
  const data = await api ("GET", "/audit?limit=200");
  const heads = ["audit_at", "audit_actor", "audit_action", "audit_object", "audit_detail"];
  main.replaceChildren (el ("section", { class: "card" }, el ("h2", { text: t ("audit") }),
    el ("div", { class: "scroll" }, el ("table", { class: "audit" },
      el ("thead", {}, el ("tr", {}, heads.map (k => el ("th", { scope: "col", text: t (k) })))),
      el ("tbody", {}, data.entries.map (e => el ("tr", {},
        el ("td", { class: "nowrap", text: timeText (e.at) }), el ("td", { text: e.actor }),
        el ("td", { text: actionText (e.action) }), el ("td", { text: objectText (e.object) }),
        el ("td", { text: detailText (e) }))))))));
}

// The details the server writes in a fixed form, in the reader's words: a
// review's new state, a new case's kind. Others are shown as recorded.
function detailText (e) {
  const detail = e.detail || "";
  const review = e.action === "review" && detail.match (/^([a-z_]+) \(review (\d+)\)$/);
  if (review) return stateText (review [1]) + " (" + t ("review") + " " + review [2] + ")";
  if (e.action === "case.add" && (detail === "found" || detail === "missing"))
    return t (detail + "_case");
  return detail;
}

// An audit action ("case.close") and object ("found 3 / missing 4") in the
// reader's words; an action without words is shown as recorded.
function actionText (action) {
  const key = "action_" + action;
  const text = t (key);
  return text === key ? action : text;
}

function objectText (object) {
  return (object || "").replace (/\b(case|photo|face|found|missing|user) (?=\S)/g,
                                 (all, word) => t ("object_" + word) + " ");
}

// ------------------------------------------------------------------ router

// Each route's number, and the newest one drawn: a slow page's late answer
// (the cases page while the results service is busy) must not stay drawn
// over a page the person has moved on to.
let routeStarted = 0, routeDrawn = 0;

async function route () {
  const seq = ++routeStarted;
  renderShell ();
  dropToast ();
  const parts = hashPath ().split ("/");
  if (!state.me && parts [0] !== "login") {
    try {
      const me = await api ("GET", "/me");
      state.me = me.user; state.csrf = me.csrf;
      renderShell ();
    } catch (e) {
      // (a 401 has sent the page to the sign-in form already)
      if (!location.hash.startsWith ("#/login")) go ("#/login");
      return;
    }
  }
  if (state.me && state.me.must_change_password && parts [0] !== "password" && parts [0] !== "login")
    return go ("#/password");
  let failed = false;
  try {
    switch (parts [0]) {
      case "login": return viewLogin ();
      case "cases": return await viewCases ();
      case "new": return await viewNewCase (parts [1] === "missing" ? "missing" : "found");
      case "case": return await viewCase (parts [1]);
      case "queue": return await viewQueue ();
      case "pair": return await viewPair (parts [1], parts [2]);
      case "same": return await (parts [1] ? viewSamePair (parts [1], parts [2]) : viewSameList ());
      case "notices": return await viewNotices ();
      case "users": return await viewUsers ();
      case "password": return viewPassword ();
      case "audit": return await viewAudit ();
      default: return go (state.me && state.me.role === "police_liaison" ? "#/queue"
                          : state.me && state.me.role === "admin" ? "#/users" : "#/cases");
    }
  } catch (err) {
    failed = true;
    main.replaceChildren (el ("section", { class: "card" },
      el ("h2", { text: err.status === 403 ? t ("forbidden") : t ("error") }),
      el ("p", { text: err.message })));
  } finally {
    if (seq < routeDrawn) {
      // A newer page was drawn already, and this one drew over it: draw that again.
      route ();
    } else {
      routeDrawn = seq;
      state.shown = location.hash;
      if (!failed) restoreDraft ();
      main.focus ({ preventScroll: true });
    }
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
