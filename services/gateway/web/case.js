// Homeward web app: a case's page (its facts, photos and faces, the
// corrections staff make) and its candidate families, each explained
// (facts that agree or conflict, what the score means). Loaded before
// app.js, whose helpers (el, t, api, ...) these functions call.

function factsList (c) {
  const items = [];
  const add = (key, value) => { if (value !== undefined && value !== null && value !== "")
    items.push (el ("dt", { text: t (key) }), el ("dd", { text: String (value) })); };
  add ("sex", t (c.sex));
  add (c.kind === "found" ? "found_province" : "home_province", provinceName (c.province));
  add ("station", c.station); add ("city", c.city);
  add ("date_found", c.date_found); add ("last_seen", c.date_last_seen);
  add ("age_shown", rangeText (c.age)); add ("birth_year_shown", rangeText (c.birth_year));
  add (c.kind === "found" ? "found_person_shown" : "person_name", c.person_name);
  add ("family_name", c.family_name);
  add ("contact", c.family_contact); add ("relation", c.family_relation);
  add ("features", c.features); add ("notes", c.notes);
  add ("consent_basis", c.consent_basis ? t ("consent_" + c.consent_basis) : "");
  add ("consent_by", c.consent_by); add ("consent_date", c.consent_date);
  add ("reference", c.external_ref);
  add ("purpose", purposeText (c.purpose));
  add ("registered_at", timeText (c.created_at));
  for (const f of otherFacts (c.kind, false))
    if (c [f.name]) items.push (el ("dt", { text: factLabel (f) }), el ("dd", { text: String (c [f.name]) }));
  if (c.erased) add ("erased", timeText (c.erased_at) + " (" + t ("erased_" + c.erased) + ")");
  return el ("dl", { class: "facts" }, items);
}

// Why the data is held: the server's own purposes have words; one written
// by an import is shown as written.
function purposeText (purpose) {
  if (!purpose) return "";
  const key = "purpose_" + purpose.replace (/ /g, "_");
  return t (key) === key ? purpose : t (key);
}

// What a correction changed, in the reader's words ("估计年龄 40-60 → 45-55"),
// from the server's change_list; its English text when there is none.
function changesText (done) {
  if (!Array.isArray (done.change_list)) return done.changes || "";
  const labels = { province: "province", age: "age_shown", birth_year: "birth_year_shown",
                   date_last_seen: "last_seen", family_contact: "contact",
                   family_relation: "relation" };
  const value = (field, v) => v === null || v === undefined || v === "" ? t ("none_value")
    : field === "sex" ? t (v) : field === "province" ? provinceName (v)
    : Array.isArray (v) ? rangeText (v) : String (v);
  const named = (field) => {
    const other = labels [field] || OWN_FACTS.has (field) ? null
                : (state.facts || []).find (f => f.name === field);
    return other ? factLabel (other) : t (labels [field] || field);
  };
  return done.change_list.map (c => named (c.field) + " " +
    value (c.field, c.from) + " → " + value (c.field, c.to)).join (state.lang === "zh-CN" ? "；" : "; ");
}

function chip (faceId, alt) {
  return el ("img", { class: "chip", src: "/api/v1/faces/" + faceId + "/chip", alt: alt,
                      width: 150, height: 150, loading: "lazy" });
}

// A fact in the reader's language, from its values (the server's English
// sentence when there are none).
function factText (f) {
  const v = f.values || {};
  const zh = state.lang === "zh-CN";
  const prov = (code) => code ? provinceName (code) : t ("unknown");
  switch (f.fact) {
    case "sex":
      if (!v.found) break;
      return f.verdict === "agrees" ? (zh ? "均为" + t (v.found) : "both " + v.found)
        : zh ? "受助人员登记为" + t (v.found) + "，走失者为" + t (v.missing) + "（可能登记有误）"
             : "found person recorded " + v.found + ", missing person " + v.missing + " (a recording error is possible)";
    case "age":
      if (!v.estimated) break;
      return zh ? "估计 " + v.estimated.join ("-") + " 岁；走失者 " + v.year + " 年应为 " +
                  (v.would_be [0] === v.would_be [1] ? v.would_be [0] : v.would_be.join ("-")) + " 岁"
                : "estimated " + v.estimated.join ("-") + "; the missing person would be " +
                  (v.would_be [0] === v.would_be [1] ? v.would_be [0] : v.would_be.join ("-")) + " in " + v.year;
    case "dates":
      if (!v.found) break;
      return v.days >= 0
        ? (zh ? "最后见到 " + v.last_seen + "，发现于 " + v.found + "（" + v.days + " 天后）"
              : "last seen " + v.last_seen + ", found " + v.found + " (" + v.days + " days later)")
        : (zh ? "发现日期 " + v.found + " 早于最后见到日期 " + v.last_seen + "（" + (-v.days) + " 天）"
              : "found on " + v.found + ", " + (-v.days) + " days before last seen on " + v.last_seen);
    case "province":
      if (v.found === undefined) break;
      return v.found === v.home ? (zh ? "在户籍省份被发现（" + prov (v.found) + "）" : "found in the home province (" + prov (v.found) + ")")
        : zh ? "发现于 " + prov (v.found) + "，户籍 " + prov (v.home) + "（约 " + v.km + " 公里）"
             : "found in " + prov (v.found) + ", home province " + prov (v.home) + " (~" + v.km + " km apart)";
  }
  return f.detail;
}

// What a score means, in plain words (the API's English sentence says the same).
function scoreMeaning (item) {
  const raw = Math.round ((item.score || 0) * 100);
  const zh = state.lang === "zh-CN";
  // Never "0" or "100": a score is a rate, not a certainty.
  const pct = raw < 1 ? (zh ? "不到 1" : "fewer than 1") : raw > 99 ? (zh ? "超过 99" : "more than 99")
                      : (zh ? "约 " + raw : "about " + raw);
  const n = item.families || 0;
  return zh
    ? "在数千个已知家庭的测试中，得此评分的候选家庭" + pct + "% 确为亲属（本次比对 " + n + " 个家庭）。只有 DNA 比对才能确认。"
    : "In tests with thousands of known families, " + pct + " in 100 candidate families scored like this were the true one (" + n + " families searched). Only a DNA test confirms.";
}

// How the faces were pooled, and what weighed less.
function pooledText (ex) {
  const zh = state.lang === "zh-CN";
  const parts = [];
  // A linked person's records weighed as one: their photos and facts together.
  const linked = (ex && ex.linked_records) || {};
  if (linked.found > 1)
    parts.push (zh ? "受助人员的 " + linked.found + " 条关联记录作为同一人比对（照片合并，信息互补）"
                   : "the person found's " + linked.found + " linked records weighed as one person (photos pooled, facts merged)");
  if (linked.missing > 1)
    parts.push (zh ? "家庭的 " + linked.missing + " 份关联报告作为同一人比对（照片合并，信息互补）"
                   : "the family's " + linked.missing + " linked reports weighed as one person (photos pooled, facts merged)");
  const p = ex && ex.pooled;
  if (!p) return parts.join ("; ");
  const side = (d, who) => {
    if (d.photos > 1) parts.push (zh ? who + " " + d.photos + " 张照片合并比对" : d.photos + " photos of the " + who + " pooled");
    if (d.child_photo) {
      const c = d.child_photo;
      parts.push (zh ? "童年照片（" + (c.year ? c.year + " 年，" : "") + "约 " + c.age + " 岁）：容貌会变化，较弱的相似也值得核查"
                     : "childhood photo (" + (c.year ? c.year + ", " : "") + "age about " + c.age + "): faces change, a weaker match is still worth a look");
    }
    if (d.verdict) parts.push (zh ? who + "的人脸质量较差（" + t ("verdict_" + d.verdict) + "），权重较低"
                                  : "a face of the " + who + " is " + t ("verdict_" + d.verdict) + ": it counts less");
    if (d.prior < 0.9 && d.photos === 1 && !d.group_photo) parts.push (zh ? who + "的合影中哪张脸是本人尚不确定" : "which face of the " + who + "'s group photo is the person is not certain");
  };
  side (p.found, zh ? "受助人员" : "person found");
  side (p.missing, zh ? "家庭" : "family");
  // The years between the photos that weigh most: the evidence was weighed
  // for them (the same person's faces differ more across many years).
  if (typeof p.age_gap === "number" && p.age_gap >= 5)
    parts.push (zh ? "两张照片相隔约 " + p.age_gap + " 年（约 " + p.missing.age + " 岁与约 " + p.found.age + " 岁）：同一人的容貌随年龄变化，已按年龄差计算相似度"
                   : "photos ~" + p.age_gap + " years apart (age ~" + p.missing.age + " and ~" + p.found.age + "): the same person's face changes with age; the evidence was weighed for the gap");
  if (typeof p.distance2 === "number")
    parts.push (zh ? "两种人脸特征共同比对（dlib " + p.distance.toFixed (3) + "，MobileFaceNet " + p.distance2.toFixed (3) + "）"
                   : "weighed by both face descriptors (dlib " + p.distance.toFixed (3) + ", MobileFaceNet " + p.distance2.toFixed (3) + ")");
  return parts.join ("; ");
}

// A group photo whose person nobody picked (an import, or "无法确定"):
// the rule matching followed, said in the reasons.
function guessedText (ex) {
  if (!ex || !(ex.flags || []).includes ("person_guessed")) return "";
  const p = ex.pooled || {};
  const group = (p.found && p.found.group_photo) || (p.missing && p.missing.group_photo);
  return group ? textWith (t ("person_guessed_n"), { faces: group.faces }) : t ("person_guessed");
}

// Advice for a face, fit for where its photo comes from.
function adviceText (f) {
  if (state.lang !== "zh-CN") return f.advice || t (f.verdict);
  return t ("advice_" + (f.advice_code || "usable"));
}

function factRows (explanation) {
  return el ("ul", { class: "factlist" }, (explanation.facts || [])
    .filter (f => f.verdict !== "unknown")
    .map (f => el ("li", { class: "fact " + f.verdict },
      el ("strong", { text: t ("fact_" + f.fact) + ": " + t (f.verdict) + " " }),
      el ("span", { text: factText (f) }))));
}

// The other side of a candidate pair in a line of facts, as far as the
// reader may see them: "女 · 户籍 北京 · 走失 2020-01-02 · 1950 年生".
function caseBrief (c) {
  const found = c.kind === "found";
  const parts = [];
  if (c.sex && c.sex !== "unknown") parts.push (t (c.sex));
  if (c.province) parts.push (t (found ? "province_found_short" : "province_home_short") + " " + provinceName (c.province));
  const date = found ? c.date_found : c.date_last_seen;
  if (date) parts.push (t (found ? "date_found_short" : "last_seen_short") + " " + date);
  if (c.age) parts.push (textWith (t ("age_about"), { age: rangeText (c.age) }));
  if (c.birth_year) parts.push (textWith (t ("born_in"), { year: rangeText (c.birth_year) }));
  if (c.features) parts.push (c.features);
  return parts.join (" · ");
}

// One candidate: the face crops side by side (each named by its side),
// who the other side is (another station's: its station and facts, never
// its names), the score and its reasons; a weaker one (below the floor,
// shown on request) says so.
function candidateItem (item, caseId, isFound) {
  const ex = item.explanation || { pairs: [], facts: [] };
  const best = (ex.pairs || []) [0];
  const other = item.case || {};
  const guessed = guessedText (ex);
  const title = [t (isFound ? "missing_case" : "found_case") + " #" + item.case_id];
  const who = isFound ? other.family_name || other.person_name : other.person_name;
  if (who) title.push (who);
  if (other.redacted && other.station) title.push (other.station);
  return el ("li", { class: "candidate" + (item.weaker ? " weaker" : "") },
    el ("div", { class: "pairchips", role: "group", "aria-label": t ("side_by_side") },
      best ? chip (isFound ? best.found_face : best.missing_face, t (isFound ? "found_person" : "family")) : null,
      best ? chip (isFound ? best.missing_face : best.found_face, t (isFound ? "family" : "found_person")) : null),
    el ("div", { class: "detail" },
      item.weaker ? el ("p", { class: "tag weaker", text: t ("weaker_tag") }) : null,
      el ("h3", {}, el ("a", { href: "#/pair/" + item.found_case + "/" + item.missing_case,
                              text: title.join (" · ") })),
      other.redacted ? el ("p", { class: "privacy", text: t (isFound ? "redacted_missing_short" : "redacted_found_short") }) : null,
      caseBrief (other) ? el ("p", { class: "brief", text: caseBrief (other) }) : null,
      el ("p", { class: "score" }, t ("score") + " " + item.score.toFixed (3) + " · " +
        t ("distance") + " " + item.distance.toFixed (3) + " · " + stateText (item.state)),
      el ("p", { class: "meaning", text: scoreMeaning (item) }),
      pooledText (ex) ? el ("p", { class: "note", text: pooledText (ex) }) : null,
      guessed ? el ("p", { class: "note", text: guessed }) : null,
      factRows (ex)));
}

// A group photo waiting for its uploader: which face is the person? Asked
// at the top of the case's page; until answered its faces are not matched.
// Each face is a button (left to right, as in the photo); "无法确定" keeps
// the rule for photos nobody picked (the face nearest the middle counts
// most). Police see that the station has not answered yet.
function personQuestion (p, canPick, answered) {
  const faces = [...(p.face_list || [])].sort ((a, b) => (a.box || [0]) [0] - (b.box || [0]) [0]);
  const box = el ("section", { class: "question", role: "region", "aria-labelledby": "ask-" + p.photo_id });
  const pick = async (holder, body) => {
    try {
      if (await sendOnce (box, "POST", "/photos/" + p.photo_id + "/person", body)) {
        toast (t (body.unsure ? "person_unsure_done" : "person_picked"));
        answered ();
      }
    } catch (err) { toast (err.message, true); }
  };
  box.append (
    el ("h2", { id: "ask-" + p.photo_id, text: textWith (t ("which_person"), { faces: faces.length }) }),
    el ("p", { class: "hint", text: t (canPick ? "which_person_hint" : "which_person_waiting") }),
    el ("ul", { class: "pick" }, faces.map ((f, i) => el ("li", {},
      canPick
        ? el ("button", { type: "button", class: "face-pick", "data-face": f.face_id,
                          onclick: (e) => pick (e.currentTarget, { face_id: f.face_id }) },
            chip (f.face_id, ""), el ("span", { text: textWith (t ("face_n"), { n: i + 1 }) }))
        : el ("figure", {}, chip (f.face_id, textWith (t ("face_n"), { n: i + 1 })),
            el ("figcaption", { text: textWith (t ("face_n"), { n: i + 1 }) }))))),
    canPick ? el ("div", { class: "actions" },
      el ("button", { type: "button", class: "secondary", text: t ("person_unsure"),
                      onclick: (e) => pick (e.currentTarget, { unsure: true }) }),
      el ("span", { class: "hint", text: t ("person_unsure_hint") })) : null);
  return box;
}

// Who the person was reunited with, when and by whom, linking to the pair.
function reunitedNotice (c) {
  const r = c.reunited_with;
  if (!r) return null;
  const found = c.kind === "found" ? c.case_id : r.case_id;
  const missing = c.kind === "found" ? r.case_id : c.case_id;
  return el ("p", { class: "reunited" },
    el ("strong", {}, el ("a", { href: "#/pair/" + found + "/" + missing,
      text: textWith (t (c.kind === "found" ? "reunited_with_missing" : "reunited_with_found"), { id: r.case_id })
            + (r.case && r.case.family_name ? (state.lang === "zh-CN" ? "（" + r.case.family_name + "）"
                                                       : " (" + r.case.family_name + ")") : "") })),
    textWith (t ("reunited_when"), { at: timeText (r.at), by: r.by }));
}

// A case's other records of the same person (linked by a "same" decision),
// each a link, and the decisions that linked them.
function linkedNotice (c) {
  if (!c.linked || !c.linked.length) return null;
  const kind = t (c.kind === "found" ? "found_case" : "missing_case");
  return el ("div", { class: "notice linked" },
    el ("p", {}, el ("strong", { text: t ("linked_records") + t ("colon") }),
      c.linked.flatMap ((id, i) => [i ? t ("list_sep") : "",
        el ("a", { href: "#/case/" + id, text: kind + " #" + id })])),
    el ("p", { class: "hint" }, t ("linked_hint") + " ",
      el ("a", { href: hashWith ("same", { state: "same", case: c.case_id }), text: t ("linked_decisions") })),
    linkedPerson (c));
}

// The person across the linked records (the server's linked_records, this
// one first, each as the reader may see it: another station's without its
// personal facts): a column a record, a row a fact any of them gives, the
// rows where two records cannot both be right marked, and the server's
// reasons for each such two below.
function linkedPerson (c) {
  const records = c.linked_records || [];
  if (records.length < 2) return null;
  const found = c.kind === "found";
  const conflicts = c.linked_conflicts || [];
  const rowsOf = { sex: ["sex"], age: ["age", "birth_year"], dates: ["date_found"],
                   province: ["province"], name: ["person_name"] };
  const marked = new Set (conflicts.flatMap (k => (k.reasons || []).flatMap (r => rowsOf [r.code] || [])));
  const facts = [
    ["sex", "sex", v => t (v)], ["province", found ? "found_province" : "home_province", provinceName],
    ["station", "station"], ["city", "city"], ["date_found", "date_found"], ["date_last_seen", "last_seen"],
    ["age", "age_shown", rangeText], ["birth_year", "birth_year_shown", rangeText],
    ["person_name", found ? "found_person_shown" : "person_name"], ["family_name", "family_name"],
    ["family_relation", "relation"], ["features", "features"]];
  const given = v => v !== undefined && v !== null && v !== "" && v !== "unknown";
  const rows = facts.filter (([name]) => records.some (r => given (r [name]))).map (([name, key, say]) =>
    el ("tr", { class: marked.has (name) ? "conflict" : "" },
      el ("th", { scope: "row", text: t (key) + (marked.has (name) ? " ⚠" : "") }),
      records.map (r => el ("td", { text: given (r [name]) ? (say ? say (r [name]) : String (r [name])) : "—" }))));
  const head = el ("tr", {}, el ("th", { text: "" }), records.map ((r, i) => el ("th", { scope: "col" },
    i ? el ("a", { href: "#/case/" + r.case_id, text: "#" + r.case_id }) : el ("span", { text: "#" + r.case_id + " " + t ("linked_this") }),
    r.redacted ? el ("small", { class: "hint", text: " " + t ("linked_other_station") }) : null)));
  return el ("div", { class: "linked-person" },
    el ("h3", { text: t ("linked_person") }),
    el ("div", { class: "scroll" }, el ("table", { class: "linked-facts" }, el ("thead", {}, head), el ("tbody", {}, rows))),
    conflicts.length
      ? el ("div", { class: "linked-conflicts" }, el ("p", {}, el ("strong", { text: t ("linked_conflicts") })),
          conflicts.map (k => el ("div", {}, el ("p", { text: "#" + k.case_a + " · #" + k.case_b }), sameReasons (k))))
      : el ("p", { class: "hint", text: t ("linked_no_conflicts") }));
}

// An administrator reopens a closed case (a reunion: both cases, the pair
// back to confirmed), with a reason, after asking; audited.
function reopenForm (c) {
  const reason = el ("input", { name: "reopen_reason", type: "text", required: true, maxlength: 200 });
  const form = el ("form", { class: "close-form", onsubmit: async (e) => {
    e.preventDefault ();
    if (!reason.value.trim () || !confirm (t (c.reunited_with ? "reopen_confirm_reunited" : "reopen_confirm"))) return;
    try {
      if (!await sendOnce (form, "POST", "/cases/" + c.case_id + "/reopen", { reason: reason.value.trim () })) return;
      toast (t ("reopened"));
      viewCase (c.case_id).catch ((err) => toast (err.message, true));
    } catch (err) { toast (err.message, true); }
  } }, label ("reopen_reason", reason),
    el ("button", { type: "submit", text: t ("reopen") }));
  return el ("details", { class: "close reopen" }, el ("summary", { text: t ("reopen") }), form);
}

async function viewCase (id) {
  await loadFacts ();
  const c = await api ("GET", "/cases/" + id);
  const isFound = c.kind === "found";
  // Another station's case (a candidate of the reader's): its facts only.
  if (c.redacted) {
    main.replaceChildren (el ("section", { class: "card" },
      el ("h2", { text: t (isFound ? "found_case" : "missing_case") + " #" + c.case_id + " · " + stateText (c.state) }),
      el ("p", { class: "notice privacy", text: t (isFound ? "redacted_found" : "redacted_missing") }),
      factsList (c)));
    return;
  }
  const questions = el ("div", { class: "questions" });
  const photoList = el ("ul", { class: "photos" });
  const candList = el ("ol", { class: "candidates" });
  const weakerBox = el ("div", { class: "weaker-toggle" });
  let showWeaker = false;
  const status = el ("p", { class: "status", role: "status" });
  const year = el ("input", { type: "number", name: "year", min: 1900, max: 2100 });
  const age = el ("input", { type: "number", name: "age", min: 0, max: 120 });
  const file = el ("input", { type: "file", name: "photo", accept: "image/*", multiple: true,
                              class: "visually-hidden", id: "file" });
  const drop = el ("label", { class: "drop", for: "file", tabindex: 0 }, t ("drop_photos"));
  // On a phone: the camera at once, or the photos it holds.
  const camera = el ("input", { type: "file", name: "camera", accept: "image/*",
                                capture: "environment", class: "visually-hidden" });
  camera.addEventListener ("change", () => upload (camera.files));
  const pick = el ("div", { class: "actions" },
    el ("button", { type: "button", class: "camera", onclick: () => camera.click (), text: t ("take_photo") }),
    el ("button", { type: "button", class: "secondary", onclick: () => file.click (), text: t ("choose_photos") }));

  // Each photo one submission (its own Idempotency-Key; the same one if
  // it is sent again); the buttons wait while photos are sent.
  async function upload (files) {
    for (const f of [...files]) {
      const form = new FormData ();
      form.append ("photo", f);
      if (year.value) form.append ("year", year.value);
      if (age.value) form.append ("age", age.value);
      status.textContent = t ("uploading") + " " + f.name;
      try {
        await sendOnce (pick, "POST", "/cases/" + id + "/photos", form,
                        { form: true, again: true, what: [f.name, f.size, f.lastModified, year.value, age.value].join ("/") });
      } catch (err) { toast (f.name + t ("colon") + err.message, true); }
    }
    status.textContent = t ("processing");
    refresh ().catch ((err) => { if (err.status !== 401) toast (err.message, true); });
  }
  file.addEventListener ("change", () => upload (file.files));
  drop.addEventListener ("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault (); file.click (); } });
  drop.addEventListener ("dragover", (e) => { e.preventDefault (); drop.classList.add ("over"); });
  drop.addEventListener ("dragleave", () => drop.classList.remove ("over"));
  drop.addEventListener ("drop", (e) => { e.preventDefault (); drop.classList.remove ("over"); upload (e.dataTransfer.files); });

  // Staff corrections: each audited (and sent once), and the candidates are ranked again.
  const canEdit = state.me.role !== "police_liaison" && c.state === "open";
  async function correct (button, path, body, done) {
    try { if (await sendOnce (button, "POST", path, body)) { toast (done); refresh (); } }
    catch (err) { toast (err.message, true); }
  }

  async function refresh () {
    const fresh = await api ("GET", "/cases/" + id);
    const waiting = [];
    photoList.replaceChildren ();
    for (const p of fresh.photo_list || []) {
      if (p.removed) {
        photoList.append (el ("li", { class: "removed" },
          el ("p", { text: "#" + p.photo_id + " · " + t ("photo_removed") + t ("colon") + p.removed })));
        continue;
      }
      if (p.person === "waiting") waiting.push (p);
      // Left to right, as in the photo (and as its question counts them).
      const list = [...(p.face_list || [])].sort ((a, b) => (a.box || [0]) [0] - (b.box || [0]) [0]);
      const faces = list.map (f => el ("li", { class: "face " + f.verdict + (f.excluded ? " excluded" : "") },
        chip (f.face_id, t ("faces") + " " + f.face_id),
        el ("span", { text: f.excluded ? t ("excluded") : f.verdict !== "ok" ? adviceText (f)
                          : p.person === "waiting" ? t ("person_waiting") : t ("ok") }),
        // (the person of a picked photo is its only face left in: marked already)
        canEdit && list.length > 1 && !f.excluded && p.person !== "waiting" && p.person !== "picked" ? el ("button", { type: "button", class: "small",
          text: t ("is_person"), onclick: (e) => correct (e.currentTarget, "/photos/" + p.photo_id + "/person",
            { face_id: f.face_id }, t ("saved")) }) : null,
        canEdit && p.person !== "waiting" ? el ("button", { type: "button", class: "small",
          text: t (f.excluded ? "include_face" : "exclude_face"),
          onclick: (e) => correct (e.currentTarget, "/faces/" + f.face_id + "/exclude", { excluded: !f.excluded,
            reason: f.excluded ? undefined : t ("exclude_reason") }, t ("saved")) }) : null));
      const taken = takenText (p);
      photoList.append (el ("li", {},
        el ("p", { text: "#" + p.photo_id + (taken ? " · " + taken : "") + " · " + photoStatus (fresh, p, faces.length) }),
        el ("ul", { class: "faces" }, faces),
        canEdit ? takenForm (p, () => refresh ().catch (() => {})) : null,
        canEdit ? el ("button", { type: "button", class: "small danger", text: t ("remove_photo"),
          onclick: (e) => {
            const why = prompt (t ("remove_reason"));
            if (why) correct (e.currentTarget, "/photos/" + p.photo_id + "/remove", { reason: why }, t ("photo_removed"));
          } }) : null));
    }
    questions.replaceChildren (...waiting.map (p => personQuestion (p, canEdit, () => refresh ().catch (() => {}))));
    const cands = await api ("GET", "/cases/" + id + "/candidates?limit=20" + (showWeaker ? "&weaker=1" : ""));
    candList.replaceChildren (...cands.candidates.map (item => candidateItem (item, id, isFound)));
    if (!cands.candidates.length)
      candList.append (el ("li", { text: t (waiting.length ? "none_until_picked" : "none_yet") }));
    weakerBox.replaceChildren (...[cands.weaker || showWeaker ? el ("button", {
      type: "button", class: "secondary", "aria-pressed": String (showWeaker),
      text: textWith (t (showWeaker ? "weaker_hide" : "weaker_show"), { n: cands.weaker || 0 }),
      onclick: () => { showWeaker = !showWeaker; refresh ().catch ((err) => toast (err.message, true)); } }) : null,
      showWeaker ? el ("p", { class: "hint", text: t ("weaker_hint") }) : null].filter (Boolean));
    const busy = fresh.matching || (fresh.photo_list || []).some (p => p.state === "pending");
    status.textContent = busy ? t ("processing") : "";
    // Again in a second while its photos are read or it is matched, unless
    // the user has left the page or signed out meanwhile (asked then, it
    // would answer 401 and send the sign-in form back to an empty one).
    if (busy)
      setTimeout (() => {
        if (state.me && location.hash === "#/case/" + id) refresh ().catch (() => {});
      }, 1000);
  }

  // Data protection: the case's station and administrators export all that
  // is held; administrators erase on request (consent withdrawn).
  const role = state.me.role;
  const reason = el ("input", { name: "erase_reason", type: "text" });
  const eraseForm = role === "admin" && !c.erased ? el ("form", { class: "inline", onsubmit: async (e) => {
    e.preventDefault ();
    if (!confirm (t ("erase_confirm"))) return;
    try {
      if (!await sendOnce (eraseForm, "POST", "/cases/" + id + "/erase", { reason: reason.value, level: "all" })) return;
      toast (t ("erase_queued")); viewCase (id);
    } catch (err) { toast (err.message, true); }
  } }, label ("erase_reason", reason), el ("button", { type: "submit", class: "danger",
                                                       text: t ("erase") })) : null;
  const privacy = el ("div", { class: "actions" },
    role !== "police_liaison"
      ? el ("a", { class: "button", href: "/api/v1/cases/" + id + "/export",
                   download: "homeward-case-" + id + ".json", text: t ("export") }) : null,
    eraseForm);
  main.replaceChildren (
    questions,
    el ("section", { class: "card" },
      el ("h2", { text: t (isFound ? "found_case" : "missing_case") + " #" + c.case_id + " · " + stateText (c.state) }),
      closedNotice (c), linkedNotice (c), factsList (c), privacy, canEdit ? factsForm (c) : null,
      canEdit ? closeForm (c) : null,
      role === "admin" && c.state === "closed" && !c.erased ? reopenForm (c) : null),
    el ("section", { class: "card" },
      el ("h2", { text: t ("photos") }),
      c.state === "open" ? el ("div", { class: "upload" }, label ("year_taken", year), label ("age_taken", age),
                                file, camera, pick, drop)
                         : el ("p", { class: "hint", text: t ("closed_no_upload") }),
      status, photoList),
    el ("section", { class: "card" },
      el ("h2", { text: t ("candidates") }), el ("p", { class: "hint", text: t ("only_dna") }),
      candList, weakerBox),
    c.trail ? el ("section", { class: "card" }, el ("h2", { text: t ("trail") }), trailList (c.trail, true)) : null);
  refresh ().catch ((err) => { if (err.status !== 401) toast (err.message, true); });
}

// When a photo was taken, as its line says it: "1956 · 约 6 岁时" /
// "1956 · about age 6", or "" when neither is known.
function takenText (p) {
  return [p.year_taken ? String (p.year_taken) : "",
          p.age_taken !== undefined ? textWith (t ("taken_age"), { n: p.age_taken }) : ""]
    .filter (Boolean).join (" · ");
}

// Correct when a photo was taken (its year, the person's age in it): the
// service checks both against the birth year, audits the change and ranks
// the case again. Empty: unknown.
function takenForm (p, done) {
  const year = el ("input", { type: "number", name: "year", min: 1900, max: 2100,
                              value: p.year_taken ? String (p.year_taken) : "" });
  const age = el ("input", { type: "number", name: "age", min: 0, max: 120,
                             value: p.age_taken !== undefined ? String (p.age_taken) : "" });
  const form = el ("form", { class: "inline taken", onsubmit: async (e) => {
    e.preventDefault ();
    const number = (input) => input.value.trim () === "" ? null : Number (input.value);
    try {
      if (await sendOnce (form, "PATCH", "/photos/" + p.photo_id, { year: number (year), age: number (age) })) {
        toast (t ("corrected")); done ();
      }
    } catch (err) { toast (err.message, true); }
  } }, label ("year_taken", year), label ("age_taken", age),
    el ("button", { type: "submit", class: "small", text: t ("save_corrections") }),
    el ("p", { class: "hint", text: t ("taken_hint") }));
  return el ("details", { class: "taken" }, el ("summary", { text: t ("correct_taken") }), form);
}

// A photo's line: being read, failed, its faces; on a closed case, that its
// faces have left matching (or the photo was erased), not "no face".
function photoStatus (c, p, faces) {
  // (closed: whether or not its faces are still listed while they leave)
  if (c.state === "closed")
    return t (c.erased ? "erased_photo" : "closed_photo");
  return p.state === "pending" ? t ("processing") : p.state === "failed" ? ((state.lang === "zh-CN" && p.error_zh) || p.error || t ("error"))
       : !faces ? t ("no_face")
       : t ("faces") + " " + faces + (p.person === "waiting" ? " · " + t ("person_waiting")
                                    : p.person === "unsure" ? " · " + t ("person_unsure_said")
                                    : p.person === "picked" ? " · " + t ("person_picked_said") : "");
}

// What a closed case says first: who the person was reunited with, when
// and why it was closed, and what was erased.
function closedNotice (c) {
  if (c.state !== "closed") return null;
  return el ("div", { class: "notice closed" + (c.reunited_with ? " reunion" : "") },
    reunitedNotice (c),
    el ("p", { text: c.reunited_with ? textWith (t ("reunited_closed"), { at: timeText (c.closed_at) })
                     : textWith (t ("closed_on"), { at: timeText (c.closed_at), reason: closedReason (c.closed_reason) }) }),
    c.erased ? el ("p", { text: textWith (t ("erased_on"), { what: t ("erased_" + c.erased),
                                                         at: timeText (c.erased_at) }) }) : null);
}

// The reasons the server writes itself, in the reader's words; a person's
// own reason as written.
function closedReason (reason) {
  const text = reason || "";
  let m = text.match (/^reunited \(found (\d+), missing (\d+)\)$/);
  if (m) return textWith (t ("reason_reunited"), { found: m [1], missing: m [2] });
  m = text.match (/^erasure: (.*)$/s);
  if (m) return textWith (t ("reason_erasure"), { why: m [1] });
  return text;
}

// Staff close their station's cases (an administrator any case): with a
// reason, after asking; its faces then leave matching.
function closeForm (c) {
  const reason = el ("input", { name: "close_reason", type: "text", required: true, maxlength: 200 });
  const form = el ("form", { class: "close-form", onsubmit: async (e) => {
    e.preventDefault ();
    if (!reason.value.trim () || !confirm (t ("close_confirm"))) return;
    try {
      if (!await sendOnce (form, "POST", "/cases/" + c.case_id + "/close", { reason: reason.value.trim () })) return;
      toast (t ("closed_done"));
      viewCase (c.case_id).catch ((err) => toast (err.message, true));
    } catch (err) { toast (err.message, true); }
  } }, label ("close_reason", reason),
    el ("button", { type: "submit", class: "danger", text: t ("close_case") }));
  return el ("details", { class: "close" }, el ("summary", { text: t ("close_case") }), form);
}

// A form field's label where it differs by kind: matching weighs a
// report's home province (hukou) against where a person was found, and a
// found person's name is only what they say.
function caseLabel (key, kind) {
  if (key === "province") return kind === "found" ? "found_province" : "home_province_form";
  if (key === "person_name" && kind === "found") return "found_person_name";
  return key;
}

// Correct a case's facts (a wrong birth year or sex re-ranks at once).
function factsForm (c) {
  const isFound = c.kind === "found";
  const fields = isFound
    ? [["person_name", "text", c.person_name], ["sex", "select", c.sex],
       ["province", "province", c.province || ""], ["city", "text", c.city],
       ["date_found", "date", c.date_found], ["age", "text", rangeText (c.age)],
       ["features", "text", c.features], ["notes", "textarea", c.notes]]
    : [["sex", "select", c.sex], ["province", "province", c.province || ""], ["city", "text", c.city],
       ["last_seen", "date", c.date_last_seen], ["birth_year", "text", rangeText (c.birth_year)],
       ["person_name", "text", c.person_name], ["family_name", "text", c.family_name],
       ["contact", "text", c.family_contact], ["relation", "text", c.family_relation],
       ["features", "text", c.features], ["notes", "textarea", c.notes]];
  const keys = { contact: "family_contact", relation: "family_relation", last_seen: "date_last_seen" };
  const inputs = {};
  const form = el ("form", { class: "facts-form", onsubmit: async (e) => {
    e.preventDefault ();
    const body = {};
    for (const [k, [input, before]] of Object.entries (inputs)) {
      const value = input.value;
      if (String (value) === String (before ?? "")) continue;
      body [keys [k] || k] = k === "province" ? Number (value) : value;
    }
    if (!Object.keys (body).length) return toast (t ("nothing_changed"));
    try {
      const done = await sendOnce (form, "PATCH", "/cases/" + c.case_id, body);
      if (!done) return;
      toast (t ("corrected") + t ("colon") + changesText (done));
      viewCase (c.case_id);
    } catch (err) { toast (err.message, true); }
  } });
  for (const [key, type, value] of fields) {
    let input;
    if (type === "select")
      input = el ("select", { name: key }, ["unknown", "male", "female"].map (
        v => el ("option", { value: v, text: t (v), selected: v === value })));
    else if (type === "province") input = provinceSelect (key, value);
    else if (type === "textarea") input = el ("textarea", { name: key, rows: 2 });
    else input = el ("input", { name: key, type });
    // What the case holds is the field's default: a value that differs
    // from it was typed (kept if the session ends: app.js, sessionEnded).
    if (type !== "select" && type !== "province") input.defaultValue = value ?? "";
    inputs [key] = [input, value];
    form.append (label (caseLabel (key, c.kind), input));
  }
  for (const f of otherFacts (c.kind, true)) {
    inputs [f.name] = [factInput (f, c [f.name]), c [f.name]];
    form.append (el ("label", {}, el ("span", { text: factLabel (f) }), inputs [f.name] [0]));
  }
  form.append (el ("button", { type: "submit", text: t ("save_corrections") }));
  return el ("details", {}, el ("summary", { text: t ("correct_facts") }), form);
}
