// Homeward web app: relatives to tell (issue 27). A decision on a found
// person and a report that the family must hear of (a DNA request: their
// sample is needed; a match confirmed; a reunion; a DNA test that ruled
// the person out) is listed for the report and every report linked with it
// (two relatives who reported one child both hear), with what to tell them
// in the reader's language and, for who sees the report whole, who they
// are and how to reach them (#/notices, GET /notices). "Told" records that
// they were, and how (POST /notices/{report}/{found}); the server says who
// may (the report's station, a police liaison) in "allowed". Its words are
// in i18n.js. Uses, when called, the helpers of review.js (caseCalled),
// case.js (caseBrief) and app.js (el, t, api, sendOnce, pager).
"use strict";

const NOTICE_PAGE = 20;

// One family to tell: the report and who to reach, the found person, the
// decision and what to say, who decided and when, and told or the form.
function noticeItem (n, after) {
  const zh = state.lang === "zh-CN";
  const r = n.report || { case_id: n.missing_case, kind: "missing" };
  const f = n.found || { case_id: n.found_case, kind: "found" };
  const reach = [r.family_name, r.family_relation ? t ("relation") + t ("colon") + r.family_relation : "",
                 r.family_contact ? t ("contact") + t ("colon") + r.family_contact : ""].filter (Boolean);
  let action;
  if (n.told_at)
    action = el ("p", { class: "decided" }, textWith (t ("notice_told_by"), { by: n.told_by, at: timeText (n.told_at) }),
      n.note ? el ("span", { class: "note-text", text: " · " + n.note }) : null);
  else if ((n.allowed || []).includes ("told")) {
    const note = el ("input", { name: "note", type: "text", maxlength: 500 });
    const form = el ("form", { class: "notice-told", onsubmit: async (e) => {
      e.preventDefault ();
      const body = note.value.trim () ? { note: note.value.trim () } : {};
      try {
        const done = await sendOnce (form, "POST", "/notices/" + n.missing_case + "/" + n.found_case, body);
        if (!done) return;
        toast (t ("notice_saved"));
        await after ();
      } catch (err) {
        if (err.status === 409) { toast (err.message, true); return after (); }
        toast (err.message, true);
      }
    } }, label ("notice_how", note), el ("button", { type: "submit", text: t ("notice_told") }));
    action = form;
  } else
    action = el ("p", { class: "hint", text: t ("notice_other_station") });
  return el ("li", { class: "candidate notice-item" + (n.told_at ? " told" : ""),
                     "data-notice": n.missing_case + "/" + n.found_case },
    el ("div", { class: "detail" },
      el ("h3", {}, n.report ? el ("a", { href: "#/case/" + r.case_id, text: caseCalled (r) })
                             : el ("span", { text: caseCalled (r) }), " · ",
        n.found ? el ("a", { href: "#/case/" + f.case_id, text: caseCalled (f) })
                : el ("span", { text: caseCalled (f) })),
      el ("p", { class: "pair-state state-" + n.decision }, t ("notice_decision") + t ("colon"),
        el ("strong", { text: t ("state_" + n.decision) }), " · " +
        textWith (t ("same_decided"), { by: n.decided_by, at: timeText (n.decided_at) })),
      el ("p", { class: "tell" }, el ("strong", { text: t ("notice_say") + t ("colon") }),
        el ("span", { text: (zh && n.text_zh) || n.text })),
      reach.length ? el ("p", { class: "reach", text: reach.join (" · ") })
                   : el ("p", { class: "privacy", text: t ("notice_no_contact") }),
      action));
}

// The families to tell (to_tell by default), oldest decision first.
async function viewNotices () {
  const query = hashQuery ();
  const filter = { state: query.get ("state") || "to_tell" };
  const offset = Math.max (0, Number (query.get ("from")) || 0);
  const data = await api ("GET", "/notices?" + new URLSearchParams ({ state: filter.state,
                                                                        limit: NOTICE_PAGE, offset }));
  const which = el ("select", { name: "state", "aria-label": t ("same_show") },
    ["to_tell", "told", "all"].map (s => el ("option", { value: s, text: t ("notice_state_" + s),
                                                          selected: s === filter.state })));
  which.addEventListener ("change", () => go (hashWith ("notices", { state: which.value })));
  main.replaceChildren (el ("section", { class: "card" }, el ("h2", { text: t ("notices") }),
    el ("p", { class: "hint", text: t ("notices_intro") }),
    el ("form", { class: "filter", onsubmit: (e) => e.preventDefault () }, label ("same_show", which)),
    el ("ol", { class: "candidates notices", start: offset + 1 },
      data.notices.length ? data.notices.map (n => noticeItem (n, viewNotices))
                          : el ("li", { text: t ("notices_none") })),
    pager (data.total, offset, data.notices.length, NOTICE_PAGE,
           (from) => hashWith ("notices", { ...filter, from: from || "" }))));
}
