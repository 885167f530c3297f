// Homeward web app: the same person twice (issue 27). Two records of one
// side (two people found, two reports) whose faces and facts are alike,
// suggested by the matcher for a person to decide: the suggestions a page
// at a time (#/same, by state and case: GET /same-person), each with its
// two records side by side, its evidence and reasons, and one pair with
// its face chips (#/same/A/B). "Same" links the two records, which then
// are matched as one person; "different" keeps them apart. The buttons are
// the server's "allowed" (nothing else is offered); the server enforces
// every rule, and a decision refused meanwhile (409) is said and the pair
// shown again. Its words are in i18n.js. Uses, when called, the helpers of
// review.js (caseCalled, pairSide), case.js (chip, caseBrief) and app.js
// (el, t, api, sendOnce, pager).
"use strict";

const SAME_PAGE = 20;

// A pair's state in the reader's words: 待决定, 已确认同一人, 不是同一人.
function sameStateText (s) { return t ("same_state_" + s); }

// The score of one person, signed ("+7.59"), and the faces' distance.
function sameScoreText (p) {
  const score = Number (p.score || 0);
  return t ("same_evidence") + " " + (score > 0 ? "+" : "") + score.toFixed (2) +
         (p.distance >= 0 ? " · " + t ("distance") + " " + Number (p.distance).toFixed (3) : "");
}

// Why the pair is suggested, a line each, in the reader's language.
function sameReasons (p) {
  const zh = state.lang === "zh-CN";
  return el ("ul", { class: "factlist reasons" }, (p.reasons || []).map (r => {
    const what = t ("same_reason_" + r.code);
    return el ("li", { class: "fact " + r.verdict },
      el ("strong", { text: (what === "same_reason_" + r.code ? r.code : what) + t ("colon") +
                            t (r.verdict) + " " }),
      el ("span", { text: (zh && r.text_zh) || r.text || "" }));
  }));
}

// Who decided and when, and the note (for who sees both records whole).
function sameDecided (p) {
  if (p.state === "pending" || !p.decided_by) return null;
  return el ("p", { class: "decided" },
    textWith (t ("same_decided"), { by: p.decided_by, at: timeText (p.decided_at) }),
    p.note ? el ("span", { class: "note-text", text: " · " + t ("note") + t ("colon") + p.note }) : null);
}

// Why no decision is offered: a closed case, a decided pair (an
// administrator's), two stations' records (a police liaison's).
function sameNoDecisionText (p) {
  if ((p.a && p.a.state === "closed") || (p.b && p.b.state === "closed")) return t ("same_no_decide_closed");
  if (p.state !== "pending") return t ("same_no_decide_decided");
  if (state.me.role === "station_staff") return t ("same_no_decide_staff");
  return t ("same_no_decide");
}

// The decisions allowed now, a button each, with a note (required to
// change a decided pair). after (said): draws the page again, with what a
// refusal said.
function sameDecision (p, after) {
  const allowed = p.allowed || [];
  if (!allowed.length) return el ("p", { class: "notice closed", text: sameNoDecisionText (p) });
  const changing = p.state !== "pending";
  const note = el ("textarea", { name: "note", rows: 2, maxlength: 500, required: changing });
  const form = el ("form", { class: "same-decision", onsubmit: (e) => e.preventDefault () });
  const decide = async (decision) => {
    if (changing && !note.value.trim ()) { note.focus (); return toast (t ("note_needed"), true); }
    const body = { decision };
    if (note.value.trim ()) body.note = note.value.trim ();
    try {
      const done = await sendOnce (form, "POST", "/same-person/" + p.case_a + "/" + p.case_b, body);
      if (!done) return;
      toast (t ("same_saved_" + done.state));
      await after ();
    } catch (err) {
      if (err.status === 409) return after ({ message: err.message });
      toast (err.message, true);
    }
  };
  form.append (
    el ("p", { class: "hint", text: t ("same_decide_hint") }),
    label (changing ? "note_required" : "note_optional", note),
    el ("div", { class: "actions" }, allowed.map (d => el ("button", {
      type: "button", class: d === "different" ? "secondary" : null, "data-decision": d,
      text: t ((changing ? "change_" : "decide_") + d), onclick: () => decide (d) }))));
  return form;
}

// One record of a pair in the list: its number (and name, where the
// reader may see it), its station and a line of facts.
function sameSide (c, face) {
  return el ("div", { class: "side" + (c.redacted ? " redacted" : "") },
    face ? chip (face, textWith (t ("face_of"), { case: caseCalled (c) })) : null,
    el ("h4", {}, el ("a", { href: "#/case/" + c.case_id, text: caseCalled (c) })),
    c.station ? el ("p", { class: "brief", text: c.station }) : null,
    c.redacted ? el ("p", { class: "privacy", text: t (c.kind === "found" ? "redacted_found_short" : "redacted_missing_short") }) : null,
    caseBrief (c) ? el ("p", { class: "brief", text: caseBrief (c) }) : null,
    c.state === "closed" ? el ("p", { class: "brief", text: stateText (c.state) }) : null);
}

// A refusal the page says first: the server's words.
function sameRefused (said) {
  return said ? el ("div", { class: "notice refused", role: "alert" },
    el ("p", {}, el ("strong", { text: t ("step_refused") + t ("colon") }), " " + said.message)) : null;
}

// The suggestions, strongest first, by state (pending by default) and
// case, a page at a time.
async function viewSameList (said) {
  const query = hashQuery ();
  const filter = { state: query.get ("state") || "pending", case: query.get ("case") || "" };
  const offset = Math.max (0, Number (query.get ("from")) || 0);
  const params = new URLSearchParams ({ state: filter.state, limit: SAME_PAGE, offset });
  if (filter.case) params.set ("case", filter.case);
  const data = await api ("GET", "/same-person?" + params);
  const again = (refused) => viewSameList (refused);
  const items = data.pairs.map (p => el ("li", { class: "candidate same-pair", "data-pair": p.case_a + "/" + p.case_b },
    el ("div", { class: "detail" },
      el ("h3", {}, el ("a", { href: "#/same/" + p.case_a + "/" + p.case_b,
                              text: caseCalled (p.a) + " ↔ " + caseCalled (p.b) })),
      el ("p", { class: "pair-state state-" + p.state },
        t ("pair_state") + t ("colon"), el ("strong", { text: sameStateText (p.state) })),
      sameDecided (p),
      el ("div", { class: "columns" }, sameSide (p.a, p.face_a), sameSide (p.b, p.face_b)),
      el ("p", { class: "score", text: sameScoreText (p) }),
      sameReasons (p),
      el ("p", {}, el ("a", { href: "#/same/" + p.case_a + "/" + p.case_b, text: t ("side_by_side") })),
      sameDecision (p, again))));
  const which = el ("select", { name: "state", "aria-label": t ("same_show") },
    ["pending", "same", "different", "all"].map (s =>
      el ("option", { value: s, text: sameStateText (s), selected: s === filter.state })));
  which.addEventListener ("change", () => go (hashWith ("same", { state: which.value, case: filter.case })));
  main.replaceChildren (el ("section", { class: "card" }, el ("h2", { text: t ("same_person") }),
    el ("p", { class: "hint", text: t ("same_intro") }),
    sameRefused (said),
    el ("form", { class: "filter", onsubmit: (e) => e.preventDefault () },
      label ("same_show", which),
      filter.case ? el ("span", { class: "range", text: textWith (t ("same_case_only"), { id: filter.case }) }) : null,
      filter.case ? el ("a", { href: hashWith ("same", { state: filter.state }), class: "button secondary",
                               text: t ("clear_search") }) : null),
    el ("ol", { class: "candidates same-pairs", start: offset + 1 },
      items.length ? items : el ("li", { text: t ("same_none") })),
    pager (data.total, offset, data.pairs.length, SAME_PAGE,
           (from) => hashWith ("same", { ...filter, from: from || "" }))));
}

// A record's faces as chips, for who sees it whole: those of its photos
// that are matched (not removed, not left out). Another station's record:
// the face that weighs most (face, from the pair).
async function sameChips (c, face) {
  if (c.redacted)
    return face ? el ("div", { class: "pairchips" },
      chip (face, textWith (t ("face_of"), { case: caseCalled (c) }))) : null;
  const whole = await api ("GET", "/cases/" + c.case_id);
  const faces = [];
  for (const p of whole.photo_list || [])
    if (!p.removed)
      for (const f of p.face_list || []) if (!f.excluded) faces.push (f.face_id);
  if (!faces.length) return el ("p", { class: "hint", text: t ("same_no_chips") });
  return el ("div", { class: "pairchips" }, faces.slice (0, 4).map (id =>
    chip (id, textWith (t ("face_of"), { case: caseCalled (c) }))));
}

// One pair side by side: both records (their face chips, their facts), the
// evidence and its reasons, who decided, and the decisions allowed now.
async function viewSamePair (a, b, said) {
  await loadFacts ();
  const p = await api ("GET", "/same-person/" + a + "/" + b);
  const chips = await Promise.all ([[p.a, p.face_a], [p.b, p.face_b]].map (([c, face]) =>
    sameChips (c, face).catch (() => null)));
  const again = (refused) => viewSamePair (a, b, refused);
  main.replaceChildren (
    el ("section", { class: "card pair same" },
      el ("p", {}, el ("a", { href: "#/same", text: "← " + t ("same_person") })),
      el ("h2", { text: t ("same_person") + t ("colon") + caseCalled (p.a) + " ↔ " + caseCalled (p.b) }),
      el ("p", { class: "pair-state state-" + p.state },
        t ("pair_state") + t ("colon"), el ("strong", { text: sameStateText (p.state) })),
      sameDecided (p),
      [p.a, p.b].filter (c => c.redacted).map (c => el ("p", { class: "notice privacy",
        text: t (c.kind === "found" ? "redacted_found" : "redacted_missing") })),
      sameRefused (said),
      el ("div", { class: "columns" },
        [p.a, p.b].map ((c, i) => el ("div", {}, chips [i], pairSide (c)))),
      el ("p", { class: "score", text: sameScoreText (p) }),
      el ("p", { class: "hint", text: t ("same_evidence_hint") }),
      el ("h3", { text: t ("same_reasons") }), sameReasons (p)),
    el ("section", { class: "card steps", "aria-labelledby": "same-decide" },
      el ("h2", { id: "same-decide", text: t ("same_decide") }),
      sameDecision (p, again)));
}
