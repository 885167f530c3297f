// Homeward web app: the review workflow. A pair side by side
// (#/pair/FOUND/MISSING, one call: GET /pairs/FOUND/MISSING), the steps
// the workflow allows from where the pair stands (the server's "allowed":
// nothing else is offered), each with its form, the reunion confirmed in a
// dialog, and the review trail (also on a case's page). The server enforces
// every rule; a step refused meanwhile (409) is said, with what is allowed
// now, and the pair is shown again. Uses, when called, the helpers of
// case.js (factsList, chip, factRows, ...) and app.js (el, t, api, sendOnce).
"use strict";

// The words of the review workflow, of a group photo's question and of
// weaker candidates (case.js uses them too), in both languages.
Object.assign (HW_TEXT ["zh-CN"], {
  step_dna_requested: "申请 DNA 比对", step_dna_matched: "记录DNA比对结果：一致",
  step_dna_not_matched: "记录DNA比对结果：不一致", step_rejected: "排除：不是这一家",
  step_pending: "撤销排除，重新待审核", step_reunited: "已团聚",
  help_step_dna_requested: "已采集或即将送检 DNA 样本。有样本编号请填写；结果出来后在这里记录。",
  help_step_dna_matched: "DNA 比对一致：确认是这一家人。请填写化验报告编号，并在说明中写明。",
  help_step_dna_not_matched: "DNA 比对不一致：不是这一家人，此比对将被排除。",
  help_step_rejected: "人脸或信息明显不符：不是这一家人。排除后不再出现在候选中。",
  help_step_pending: "把此比对放回待审核（例如排除有误），请说明原因。",
  dna_ref_request: "DNA 样本编号（可不填）", dna_ref_result: "化验报告编号（可不填）",
  dna_ref_shown: "DNA 样本/报告编号", dna_result: "DNA 比对结果",
  dna_matched: "一致", dna_not_matched: "不一致",
  note_required: "说明（必填）", note_optional: "说明（可不填）", note_needed: "请先填写说明",
  reopen_reason_shown: "原因", trail_reopen: "管理员重新打开", trail_none: "尚无审核记录。",
  final_reunited: "已团聚：这是最终结果，不能再更改。如确有错误，只有管理员可以在案件页面重新打开。",
  final_closed: "{which} 已结案，不再接受审核",
  staff_no_review: "审核由公安联络员进行。救助站在这里可以查看比对情况和审核记录。",
  no_step_now: "现在没有可做的审核步骤。",
  redacted_missing: "另一救助站的寻亲报告：为保护隐私，只显示比对所需的信息（不显示姓名、家属和联系方式）。",
  redacted_found: "另一救助站登记的受助人员：为保护隐私，只显示比对所需的信息（不显示姓名和备注）。",
  redacted_missing_short: "另一救助站的寻亲报告：只显示比对所需的信息",
  redacted_found_short: "另一救助站的受助人员：只显示比对所需的信息",
  pair_state: "当前状态", step_refused: "未能保存",
  refused_state: "此比对现在是“{state}”（可能刚被他人更改）。", allowed_now: "现在可以",
  allowed_none: "现在不能再做任何审核。", list_sep: "、", next_steps: "下一步",
  steps_hint: "以下是按审核流程现在可以做的步骤。只有 DNA 比对才能确认是一家人。",
  cancel: "取消", reunite_title: "确认团聚",
  reunite_ask: "确认{found}已与{missing}团聚？",
  reunite_final: "确认后两个案件都会结案，不能再更改；如有错误，只有管理员可以重新打开。",
  reunite_yes: "确认已团聚", face_of: "{case} 的人脸", paren_open: "（", paren_close: "）",
  which_person: "这张照片中有 {faces} 张人脸，哪一位是本人？",
  which_person_hint: "请点击本人的脸（按照片中从左到右排列）。其他人脸不参与比对。选好之前，这张照片不参与比对。",
  which_person_waiting: "等待救助站指出合影中的本人；在此之前这张照片不参与比对。",
  face_n: "左起第 {n} 位", person_unsure: "无法确定",
  person_unsure_hint: "无法确定时，比对以最靠近照片中间的人脸为主。",
  person_picked: "已标记本人，正在比对", person_unsure_done: "已记下无法确定，正在比对",
  person_waiting: "等待指出本人", person_unsure_said: "未能确定哪一位是本人",
  person_picked_said: "已指出本人",
  none_until_picked: "请先在上方指出合影中的本人，之后才会比对。",
  weaker_show: "显示较弱的候选（{n}）", weaker_hide: "隐藏较弱的候选",
  weaker_hint: "较弱的候选：证据低于门槛，不会进入待审核队列，仅供参考。",
  weaker_tag: "较弱的候选",
  person_guessed: "合影中没有人指出哪一位是本人：比对时以最靠近照片中间的人脸为主。",
  person_guessed_n: "合影（{faces} 张人脸）中没有人指出哪一位是本人：比对时以最靠近照片中间的人脸为主。",
  reunited_with_missing: "已与寻亲报告 #{id} 团聚", reunited_with_found: "已与受助人员 #{id} 团聚",
  reunited_when: "（{at}，由 {by} 记录）",
  reunited_closed: "两个案件已于 {at} 结案。团聚是最终结果；如有错误，只有管理员可以重新打开。",
  reopen: "重新打开", reopen_reason: "重新打开的原因（如：团聚记录有误）",
  reopen_confirm: "确定重新打开此案件吗？此操作记入审计日志。",
  reopen_confirm_reunited: "确定重新打开吗？团聚的两个案件都会重新打开，比对回到“已确认”（DNA 一致）。此操作记入审计日志。",
  reopened: "已重新打开",
  no_answer: "没有收到服务器的回复（网络中断？）。请再保存一次：不会重复登记。",
  "action_case.reopen": "重新打开案件", "action_pair.read": "查看比对", "action_trail.read": "查看审核记录"
});
Object.assign (HW_TEXT ["en"], {
  step_dna_requested: "Request a DNA test", step_dna_matched: "Record the DNA result: matched",
  step_dna_not_matched: "Record the DNA result: not matched", step_rejected: "Reject: not this family",
  step_pending: "Undo the rejection (back to pending)", step_reunited: "Reunited",
  help_step_dna_requested: "A DNA sample is taken or on its way to the lab. Give its reference if there is one; record the result here when it comes.",
  help_step_dna_matched: "The DNA matched: this is the family. Give the lab report's reference and say so in the note.",
  help_step_dna_not_matched: "The DNA did not match: not this family. The pair is rejected.",
  help_step_rejected: "The faces or facts clearly disagree: not this family. The pair leaves the candidates.",
  help_step_pending: "Put the pair back to pending (e.g. it was rejected by mistake); say why.",
  dna_ref_request: "DNA sample reference (optional)", dna_ref_result: "Lab report reference (optional)",
  dna_ref_shown: "DNA sample or report", dna_result: "DNA result",
  dna_matched: "matched", dna_not_matched: "not matched",
  note_required: "Note (required)", note_optional: "Note (optional)", note_needed: "Write a note first",
  reopen_reason_shown: "Reason", trail_reopen: "Reopened by an administrator", trail_none: "No reviews yet.",
  final_reunited: "Reunited: this is final and cannot be changed. If it is wrong, only an administrator can reopen it, on the case's page.",
  final_closed: "{which} is closed: no more reviews",
  staff_no_review: "Police liaisons review pairs. Here the station sees the pair and its review trail.",
  no_step_now: "No review step is possible now.",
  redacted_missing: "Another station's missing-person report: to protect privacy, only what matching needs is shown (no names, family or contact).",
  redacted_found: "A person found by another station: to protect privacy, only what matching needs is shown (no names or notes).",
  redacted_missing_short: "Another station's report: only what matching needs",
  redacted_found_short: "Another station's person found: only what matching needs",
  pair_state: "Now", step_refused: "Not saved",
  refused_state: "the pair is now \u201c{state}\u201d (someone may have just changed it).", allowed_now: "What can be done now",
  allowed_none: "No review step is possible now.", list_sep: ", ", next_steps: "Next step",
  steps_hint: "The steps the workflow allows from here. Only a DNA test confirms a family.",
  cancel: "Cancel", reunite_title: "Confirm the reunion",
  reunite_ask: "Has {found} been reunited with {missing}?",
  reunite_final: "Both cases are then closed and this cannot be changed; if it is wrong, only an administrator can reopen them.",
  reunite_yes: "Yes, reunited", face_of: "face of {case}", paren_open: " (", paren_close: ")",
  which_person: "This photo has {faces} faces: which one is the person?",
  which_person_hint: "Click the person's face (left to right, as in the photo). The others are left out of matching. Until you choose, this photo is not matched.",
  which_person_waiting: "Waiting for the station to say which face is the person; until then this photo is not matched.",
  face_n: "Face {n} from the left", person_unsure: "Cannot tell",
  person_unsure_hint: "If you cannot tell, matching counts the face nearest the middle most.",
  person_picked: "Person marked; matching now", person_unsure_done: "Noted as not known; matching now",
  person_waiting: "which face is the person?", person_unsure_said: "which face is the person is not known",
  person_picked_said: "the person is marked",
  none_until_picked: "Say which face of the group photo is the person (above); matching starts then.",
  weaker_show: "Show weaker candidates ({n})", weaker_hide: "Hide weaker candidates",
  weaker_hint: "Weaker candidates: their evidence is below the floor; they never enter the review queue and are shown for reference only.",
  weaker_tag: "Weaker candidate",
  person_guessed: "Nobody picked which face of the group photo is the person: the face nearest the middle counts most.",
  person_guessed_n: "Nobody picked which of the group photo's {faces} faces is the person: the face nearest the middle counts most.",
  reunited_with_missing: "Reunited with missing-person report #{id}", reunited_with_found: "Reunited with person found #{id}",
  reunited_when: " ({at}, recorded by {by})",
  reunited_closed: "Both cases were closed on {at}. A reunion is final; if it is wrong, only an administrator can reopen it.",
  reopen: "Reopen", reopen_reason: "Why reopen (e.g. the reunion was recorded by mistake)?",
  reopen_confirm: "Reopen this case? This is recorded in the audit log.",
  reopen_confirm_reunited: "Reopen? Both cases of the reunion open again and the pair goes back to confirmed (DNA matched). This is recorded in the audit log.",
  reopened: "Reopened",
  no_answer: "No answer came back (is the network down?). Save again: it will not be recorded twice.",
  "action_case.reopen": "case reopened", "action_pair.read": "pair viewed", "action_trail.read": "review trail viewed"
});

// What a move means, said on its button: from dna_requested, "confirmed"
// and "rejected" record the DNA result.
function stepKey (from, to) {
  switch (to) {
    case "dna_requested": return "step_dna_requested";
    case "confirmed": return "step_dna_matched";
    case "rejected": return from === "dna_requested" ? "step_dna_not_matched" : "step_rejected";
    case "pending": return "step_pending";
    case "reunited": return "step_reunited";
  }
  return "state_" + to;
}

// Whether a move records a DNA sample or lab report: the request and its result.
function takesDnaRef (from, to) {
  return to === "dna_requested" || (from === "dna_requested" && (to === "confirmed" || to === "rejected"));
}

// A case as its number and, where the reader may see it, who it is about:
// "寻亲报告 #7（王家）", "受助人员 #3（自称老李）".
function caseCalled (c) {
  const who = c.kind === "missing" ? c.family_name || c.person_name : c.person_name;
  return t (c.kind === "found" ? "found_case" : "missing_case") + " #" + c.case_id +
         (who ? t ("paren_open") + who + t ("paren_close") : "");
}

// In Chinese, a space between a case's number and the word after it
// ("受助人员 #59 已与"), none after its name in brackets ("（王家）团聚").
function spaced (text) {
  return state.lang === "zh-CN" && /\d$/.test (text) ? text + " " : text;
}

// The review trail, oldest first: when (the reader's clock), who, from what
// to what (an administrator's reopening said as such), the DNA sample or
// report and its result, the note (staff get neither notes nor references).
// withPair: each entry names and links its pair (a case's page, where the
// trail holds all its pairs).
function trailList (entries, withPair) {
  if (!entries || !entries.length) return el ("p", { class: "hint", text: t ("trail_none") });
  return el ("ol", { class: "trail" }, entries.map (r => {
    const move = (r.from ? stateText (r.from) + " → " : "") + stateText (r.state);
    const more = [];
    if (r.dna_ref) more.push (el ("li", { text: t ("dna_ref_shown") + t ("colon") + r.dna_ref }));
    if (r.dna_result) more.push (el ("li", { class: "dna " + r.dna_result,
      text: t ("dna_result") + t ("colon") + t ("dna_" + r.dna_result) }));
    if (r.note) more.push (el ("li", { text: t (r.event === "reopen" ? "reopen_reason_shown" : "note")
                                             + t ("colon") + r.note }));
    return el ("li", { class: r.event === "reopen" ? "reopen" : null },
      el ("p", { class: "line" },
        el ("span", { class: "nowrap", text: timeText (r.at) }), " · ", r.actor, " · ",
        r.event === "reopen" ? el ("strong", { text: t ("trail_reopen") + t ("colon") }) : null,
        move,
        withPair ? [" · ", el ("a", { href: "#/pair/" + r.found_case + "/" + r.missing_case,
          text: t ("found_case") + " #" + r.found_case + " ↔ " + t ("missing_case") + " #" + r.missing_case })] : null),
      more.length ? el ("ul", { class: "more" }, more) : null);
  }));
}

// Why a pair offers no step: the reunion is final, a case is closed, or
// (staff) the police liaisons review.
function noStepText (data) {
  const p = data.pair;
  if (p.state === "reunited") return t ("final_reunited");
  for (const c of [data.found, data.missing])
    if (c.state === "closed")
      return textWith (t ("final_closed"), { which: t (c.kind === "found" ? "found_case" : "missing_case") + " #" + c.case_id })
             + (c.closed_reason ? t ("colon") + closedReason (c.closed_reason) : "");
  if (state.me.role === "station_staff") return t ("staff_no_review");
  return t ("no_step_now");
}

// One side's card: its facts, and when the reader's station does not hold
// it, that only what matching needs is shown.
function pairSide (c) {
  return el ("div", { class: "side" + (c.redacted ? " redacted" : "") },
    el ("h3", {}, el ("a", { href: "#/case/" + c.case_id, text: caseCalled (c) }),
      c.state === "closed" ? " · " + stateText (c.state) : null),
    c.redacted ? el ("p", { class: "privacy", text: t (c.kind === "found" ? "redacted_found_short" : "redacted_missing_short") }) : null,
    factsList (c));
}

// The pair side by side. said: what the page says first (a step refused
// meanwhile: the server's words and what is allowed now).
async function viewPair (foundId, missingId, said) {
  await loadFacts ();
  const data = await api ("GET", "/pairs/" + foundId + "/" + missingId);
  const f = data.found, m = data.missing, item = data.pair;
  const ex = item.explanation || { pairs: [], facts: [] };
  const canReview = state.me.role !== "station_staff";
  const allowed = data.allowed || [];
  const guessed = guessedText (ex);
  main.replaceChildren (
    el ("section", { class: "card pair" },
      el ("h2", { text: t ("pair") + t ("colon") + t ("found_case") + " #" + f.case_id + " ↔ " +
                        t ("missing_case") + " #" + m.case_id }),
      el ("p", { class: "pair-state state-" + item.state },
        t ("pair_state") + t ("colon"), el ("strong", { text: stateText (item.state) })),
      [f, m].filter (c => c.redacted).map (c => el ("p", { class: "notice privacy",
        text: t (c.kind === "found" ? "redacted_found" : "redacted_missing") })),
      said ? el ("div", { class: "notice refused", role: "alert" },
        el ("p", {}, el ("strong", { text: t ("step_refused") + t ("colon") +
          (said.state ? textWith (t ("refused_state"), { state: stateText (said.state) }) : "") }),
          " " + said.message),
        el ("p", { text: said.allowed && said.allowed.length
          ? t ("allowed_now") + t ("colon") + said.allowed.map (s => t (stepKey (said.state, s))).join (t ("list_sep"))
          : t ("allowed_none") })) : null,
      el ("h3", { text: t ("side_by_side") }),
      el ("ul", { class: "pairs" }, (ex.pairs || []).map (p => el ("li", {},
        el ("figure", {}, chip (p.found_face, textWith (t ("face_of"), { case: t ("found_case") + " #" + f.case_id })),
          el ("figcaption", { text: t ("found_case") + " #" + f.case_id })),
        el ("figure", {}, chip (p.missing_face, textWith (t ("face_of"), { case: t ("missing_case") + " #" + m.case_id })),
          el ("figcaption", { text: t ("missing_case") + " #" + m.case_id })),
        el ("span", { class: "distance", text: t ("distance") + " " + Number (p.distance).toFixed (3) })))),
      el ("p", { class: "score", text: t ("score") + " " + item.score.toFixed (3) }),
      el ("p", { class: "meaning", text: scoreMeaning (item) }),
      pooledText (ex) ? el ("p", { class: "note", text: pooledText (ex) }) : null,
      guessed ? el ("p", { class: "note", text: guessed }) : null,
      el ("h3", { text: t ("facts") }), factRows (ex),
      el ("p", { class: "hint", text: t ("only_dna") }),
      el ("div", { class: "columns" }, pairSide (f), pairSide (m))),
    el ("section", { class: "card steps", "aria-labelledby": "steps-title" },
      el ("h2", { id: "steps-title", text: t ("next_steps") }),
      canReview && allowed.length ? stepsFor (data) : el ("p", { class: "notice closed", text: noStepText (data) })),
    el ("section", { class: "card" }, el ("h2", { text: t ("trail") }), trailList (data.trail, false)));
}

// The steps allowed from here, a button each; a step's button opens its
// form (reunited: a dialog that names the family and asks for a note).
function stepsFor (data) {
  const from = data.pair.state;
  const place = el ("div", { class: "step-place" });
  const buttons = data.allowed.map (to => el ("button", {
    type: "button", class: to === "rejected" || to === "pending" ? "step secondary" : "step",
    "aria-expanded": "false", "data-step": to, text: t (stepKey (from, to)),
    onclick: (e) => {
      for (const b of buttons) b.setAttribute ("aria-expanded", String (b === e.currentTarget));
      if (to === "reunited") { place.replaceChildren (); return reuniteDialog (data); }
      const opener = e.currentTarget;
      place.replaceChildren (stepForm (data, to, () => {
        place.replaceChildren ();
        for (const b of buttons) b.setAttribute ("aria-expanded", "false");
        opener.focus ();
      }));
      place.querySelector ("input, textarea").focus ();
    } }));
  return el ("div", {},
    el ("p", { class: "hint", text: t ("steps_hint") }),
    el ("div", { class: "actions" }, buttons), place);
}

// A step's fields: the DNA sample or report (the request and its result),
// the note (required where the workflow says).
function stepFields (data, to) {
  const from = data.pair.state;
  const needsNote = (data.needs_note || []).includes (to);
  const ref = takesDnaRef (from, to)
    ? el ("input", { name: "dna_ref", type: "text", maxlength: 200, autocomplete: "off" }) : null;
  const note = el ("textarea", { name: "note", rows: 2, required: needsNote, maxlength: 500 });
  return { ref, note, labels: [
    ref ? label (to === "dna_requested" ? "dna_ref_request" : "dna_ref_result", ref) : null,
    label (needsNote ? "note_required" : "note_optional", note)] };
}

// Send a step; after it (or a refusal) the pair is shown again, as the server has it.
async function sendStep (holder, data, to, ref, note) {
  const body = { case_id: data.found.case_id, candidate: data.missing.case_id, state: to };
  if (note.value.trim ()) body.note = note.value.trim ();
  if (ref && ref.value.trim ()) body.dna_ref = ref.value.trim ();
  const again = () => viewPair (data.found.case_id, data.missing.case_id);
  try {
    const done = await sendOnce (holder, "POST", "/reviews", body);
    if (!done) return false;
    toast (t ("saved") + t ("colon") + stateText (done.state));
    await again ();
    return true;
  } catch (err) {
    if (err.status === 409) {
      const said = err.data || {};
      await viewPair (data.found.case_id, data.missing.case_id,
                      { message: err.message, allowed: said.allowed || [], state: said.state });
      return true;
    }
    toast (err.message, true);
    return false;
  }
}

function stepForm (data, to, cancel) {
  const from = data.pair.state;
  const { ref, note, labels } = stepFields (data, to);
  const form = el ("form", { class: "step-form", onsubmit: async (e) => {
    e.preventDefault ();
    if (note.required && !note.value.trim ()) { note.focus (); return toast (t ("note_needed"), true); }
    await sendStep (form, data, to, ref, note);
  } },
    el ("h3", { text: t (stepKey (from, to)) }),
    el ("p", { class: "hint", text: t ("help_" + stepKey (from, to)) }),
    labels,
    el ("div", { class: "actions" },
      el ("button", { type: "submit", text: t ("save") }),
      el ("button", { type: "button", class: "secondary", text: t ("cancel"), onclick: cancel })));
  return form;
}

// 已团聚: final, closing both cases; asked in a dialog that names both
// sides, with a note.
function reuniteDialog (data) {
  const { note, labels } = stepFields (data, "reunited");
  const old = document.getElementById ("reunite");
  if (old) old.remove ();
  const opener = document.activeElement;
  const dialog = el ("dialog", { id: "reunite", class: "confirm", "aria-labelledby": "reunite-title" });
  const form = el ("form", { onsubmit: async (e) => {
    e.preventDefault ();
    if (!note.value.trim ()) { note.focus (); return; }
    if (await sendStep (form, data, "reunited", null, note)) dialog.close ();
  } },
    el ("h2", { id: "reunite-title", text: t ("reunite_title") }),
    el ("p", { class: "ask", text: textWith (t ("reunite_ask"), { found: spaced (caseCalled (data.found)),
                                                                   missing: spaced (caseCalled (data.missing)) }) }),
    el ("p", { class: "hint", text: t ("reunite_final") }),
    labels,
    el ("div", { class: "actions" },
      el ("button", { type: "submit", text: t ("reunite_yes") }),
      el ("button", { type: "button", class: "secondary", text: t ("cancel"),
                      onclick: () => dialog.close () })));
  dialog.append (form);
  dialog.addEventListener ("close", () => {
    dialog.remove ();
    if (opener && opener.isConnected) opener.focus ();      // (cancelled: back to its button)
  });
  document.body.append (dialog);
  dialog.showModal ();
  note.focus ();
}
