// The day's work through the HTTP API, against one real `homeward serve`:
// the review workflow (only a DNA test confirms; a reunion is final; an
// administrator's audited reopening), privacy between stations (another
// station's candidate as facts only, the pair view for staff), the
// candidate floor, a group photo's uploader asked which face is the
// person, Idempotency-Keys, and the audit of reads and refusals.
import assert from "node:assert/strict";
import { startServe, Client, photo, waitMatched } from "./harness.mjs";

// A candidate floor above the default (-12), so that a stranger's pairs
// surely fall below it (the default is measured by bench-identify).
const serve = await startServe ({ extra: ["--candidate-floor", "-6"] });
let failures = 0;
async function test (name, fn) {
  try { await fn (); console.log ("ok   " + name); }
  catch (e) { failures++; console.log ("FAIL " + name + ": " + (e.stack || e)); }
}

const staffA = new Client (serve.base), staffB = new Client (serve.base);
const police = new Client (serve.base), admin = new Client (serve.base);
for (const [c, name] of [[staffA, "staff_a"], [staffB, "staff_b"], [police, "police1"],
                         [admin, "admin1"]])
  assert.equal ((await c.login (name, { bearer: true })).status, 200);

async function upload (client, caseId, file, extra = {}) {
  const form = new FormData ();
  form.append ("photo", photo (file), "p.jpg");
  for (const [k, v] of Object.entries (extra)) form.append (k, v);
  const r = await client.request ("POST", `/api/v1/cases/${caseId}/photos`, { form });
  assert.equal (r.status, 201, JSON.stringify (r.data));
  return r.data;
}

async function newCase (client, body, file) {
  const r = await client.request ("POST", "/api/v1/cases", { json: body });
  assert.equal (r.status, 201, JSON.stringify (r.data));
  if (file) await upload (client, r.data.case_id, file);
  return r.data.case_id;
}

const found = (extra = {}) => ({ kind: "found", sex: "male", province: 44,
  date_found: "2021-06-01", age: "40-60", consent_basis: "vital_interests", ...extra });
const report = (name, extra = {}) => ({ kind: "missing", sex: "male", province: 11,
  date_last_seen: "2020-01-02", family_name: name + " family", family_relation: "son",
  family_contact: "138 0000 0000", consent_basis: "family", consent_by: name + " family (son)",
  notes: "call after 6 pm", ...extra });

// Two families at staff_b's station, one person found at staff_a's.
const gates = await newCase (staffB, report ("Gates"), "lfw/Bill_Gates/1.jpg");
const spacey = await newCase (staffB, report ("Spacey"), "lfw/Kevin_Spacey/1.jpg");
const gatesFound = await newCase (staffA, found (), "lfw/Bill_Gates/2.jpg");
for (const id of [gates, spacey]) await waitMatched (staffB, id);
await waitMatched (staffA, gatesFound);

const review = (client, a, b, state, extra = {}) =>
  client.request ("POST", "/api/v1/reviews", { json: { case_id: a, candidate: b, state, ...extra } });

await test ("privacy: another station's candidate is facts only; its pair view works for staff", async () => {
  const list = await staffA.request ("GET", `/api/v1/cases/${gatesFound}/candidates`);
  assert.equal (list.status, 200);
  const item = list.data.candidates.find (c => c.case_id === gates);
  assert.ok (item, "the family is a candidate");
  for (const key of ["family_name", "family_contact", "family_relation", "consent_by", "notes",
                     "person_name", "external_ref"])
    assert.equal (item.case [key], undefined, key);
  assert.equal (item.case.redacted, true);
  assert.equal (item.case.sex, "male");
  assert.equal (item.case.province, 11);
  // The other case itself: facts only, not 403 (it is a candidate of theirs).
  const other = await staffA.request ("GET", `/api/v1/cases/${gates}`);
  assert.equal (other.status, 200);
  assert.equal (other.data.family_contact, undefined);
  assert.equal (other.data.photo_list, undefined);
  // The pair side by side: their case whole, the other's facts, the face chips.
  const pair = await staffA.request ("GET", `/api/v1/pairs/${gatesFound}/${gates}`);
  assert.equal (pair.status, 200, JSON.stringify (pair.data));
  assert.equal (pair.data.found.case_id, gatesFound);
  assert.equal (pair.data.found.redacted, undefined);
  assert.equal (pair.data.missing.redacted, true);
  assert.equal (pair.data.missing.family_name, undefined);
  assert.deepEqual (pair.data.allowed, []);                    // staff do not review
  const face = pair.data.pair.explanation.pairs [0].missing_face;
  assert.equal ((await staffA.request ("GET", `/api/v1/faces/${face}/chip`)).status, 200);
  // A case that is no candidate of theirs, its export, its photos: refused.
  const unrelated = await staffA.request ("GET", `/api/v1/cases/${spacey}`);
  assert.ok ([200, 403].includes (unrelated.status));
  if (unrelated.status === 200) assert.equal (unrelated.data.family_name, undefined);
  assert.equal ((await staffA.request ("GET", `/api/v1/cases/${gates}/export`)).status, 403);
  assert.equal ((await staffA.request ("GET", `/api/v1/cases/${gates}/candidates`)).status, 403);
  const theirs = await staffB.request ("GET", `/api/v1/cases/${gates}`);
  assert.equal ((await staffA.request ("GET", `/api/v1/photos/${theirs.data.photo_list [0].photo_id}`)).status, 403);
  // Police see everything.
  const full = await police.request ("GET", `/api/v1/pairs/${gatesFound}/${gates}`);
  assert.equal (full.data.missing.family_contact, "138 0000 0000");
  assert.deepEqual (full.data.allowed.sort (), ["dna_requested", "rejected"]);
});

await test ("workflow: only a DNA test confirms; refusals say what is allowed", async () => {
  const early = await review (police, gatesFound, gates, "confirmed", { note: "same face" });
  assert.equal (early.status, 409);
  assert.equal (early.data.error.code, "conflict");
  assert.equal (early.data.error.state, "pending");
  assert.deepEqual (early.data.error.allowed.sort (), ["dna_requested", "rejected"]);
  assert.equal ((await review (police, gatesFound, gates, "reunited", { note: "x" })).status, 409);
  assert.equal ((await review (staffA, gatesFound, gates, "dna_requested")).status, 403);
  const dna = await review (police, gatesFound, gates, "dna_requested", { dna_ref: "sample GZ-0042" });
  assert.equal (dna.status, 200, JSON.stringify (dna.data));
  assert.deepEqual (dna.data.allowed.sort (), ["confirmed", "rejected"]);
  const noNote = await review (police, gatesFound, gates, "confirmed");
  assert.equal (noNote.status, 400);
  const ok = await review (police, gatesFound, gates, "confirmed",
                           { note: "DNA matched", dna_ref: "lab report 7731" });
  assert.equal (ok.status, 200, JSON.stringify (ok.data));
  assert.deepEqual (ok.data.allowed, ["reunited"]);
  // The same person confirmed with a second family: refused.
  const second = await review (police, gatesFound, spacey, "dna_requested");
  if (second.status === 200)
    assert.equal ((await review (police, gatesFound, spacey, "confirmed", { note: "x" })).status, 409);
  // The trail: who, when, from what, the DNA references; staff see no notes.
  const trail = await police.request ("GET", `/api/v1/cases/${gatesFound}/reviews`);
  const entries = trail.data.reviews.filter (r => r.missing_case === gates);
  assert.deepEqual (entries.map (r => r.from + ">" + r.state),
                    ["pending>dna_requested", "dna_requested>confirmed"]);
  assert.equal (entries [0].dna_ref, "sample GZ-0042");
  assert.equal (entries [1].dna_result, "matched");
  const staffTrail = await staffA.request ("GET", `/api/v1/cases/${gatesFound}/reviews`);
  assert.ok (staffTrail.data.reviews.every (r => r.note === undefined && r.dna_ref === undefined));
  if (second.status === 200)
    assert.equal ((await review (police, gatesFound, spacey, "rejected")).status, 200);
});

await test ("reunited: needs a note, names the family, is final for every role", async () => {
  assert.equal ((await review (police, gatesFound, gates, "reunited")).status, 400);
  const done = await review (police, gatesFound, gates, "reunited", { note: "handed to his son" });
  assert.equal (done.status, 200, JSON.stringify (done.data));
  const c = await staffA.request ("GET", `/api/v1/cases/${gatesFound}`);
  assert.equal (c.data.state, "closed");
  assert.equal (c.data.reunited_with.case_id, gates);
  assert.equal (c.data.reunited_with.by, "police1");
  assert.ok (c.data.trail.some (r => r.state === "reunited"));
  for (const client of [police, admin])
    for (const state of ["rejected", "pending", "confirmed", "dna_requested", "reunited"]) {
      const r = await review (client, gatesFound, gates, state, { note: "change it" });
      assert.equal (r.status, 409, `${state}: ${JSON.stringify (r.data)}`);
    }
  // Nor reunited with another family: the case is closed.
  assert.equal ((await review (police, gatesFound, spacey, "pending", { note: "x" })).status, 409);
  assert.equal ((await staffA.request ("POST", `/api/v1/cases/${gatesFound}/close`,
    { json: { reason: "again" } })).status, 409);
  const pair = await police.request ("GET", `/api/v1/pairs/${gatesFound}/${gates}`);
  assert.deepEqual (pair.data.allowed, []);
});

await test ("reopen: an administrator's decision, with a reason, audited", async () => {
  for (const client of [staffA, police])
    assert.equal ((await client.request ("POST", `/api/v1/cases/${gatesFound}/reopen`,
      { json: { reason: "wrong family" } })).status, 403);
  assert.equal ((await admin.request ("POST", `/api/v1/cases/${gatesFound}/reopen`,
    { json: {} })).status, 400);
  const r = await admin.request ("POST", `/api/v1/cases/${gatesFound}/reopen`,
    { json: { reason: "marked reunited by mistake" } });
  assert.equal (r.status, 200, JSON.stringify (r.data));
  const pair = await police.request ("GET", `/api/v1/pairs/${gatesFound}/${gates}`);
  assert.equal (pair.data.pair.state, "confirmed");
  assert.equal (pair.data.open, true);
  assert.ok (pair.data.trail.some (t => t.event === "reopen" && t.actor === "admin1"));
  const audit = await admin.request ("GET", "/api/v1/audit?limit=1000");
  assert.ok (audit.data.entries.some (e => e.action === "case.reopen" && e.actor === "admin1"
                                       && e.detail === "marked reunited by mistake"));
});

await test ("the candidate floor: hopeless pairs never queue, weaker ones on request", async () => {
  // A woman found far away, with no family among the reports.
  const stranger = await newCase (staffA, found ({ sex: "female", age: "20-30" }));
  await upload (staffA, stranger, "lfw/Liza_Minnelli/2.jpg", { ask_person: "false" });
  await waitMatched (staffA, stranger);
  const shown = await staffA.request ("GET", `/api/v1/cases/${stranger}/candidates`);
  const all = await staffA.request ("GET", `/api/v1/cases/${stranger}/candidates?weaker=1`);
  assert.equal (shown.status, 200);
  assert.equal (typeof shown.data.floor, "number");
  assert.equal (shown.data.weaker + shown.data.candidates.length, all.data.candidates.length);
  assert.equal (shown.data.floor, -6);
  assert.ok (shown.data.weaker > 0, "a woman of 20-30 is no match for these reports");
  // The floor is on the evidence (faces and facts), not the score.
  const floor = shown.data.floor;
  assert.ok (all.data.candidates.every (c => c.evidence >= floor - 0.01 || c.weaker));
  assert.ok (shown.data.candidates.every (c => c.evidence >= floor - 0.01 || c.state !== "pending"));
  const queue = await police.request ("GET", "/api/v1/queue?limit=500");
  assert.ok (queue.data.below_floor > 0);
  assert.ok (queue.data.pairs.every (p => p.evidence >= floor - 0.01 || p.state !== "pending"));
  assert.ok (!queue.data.pairs.some (p => p.weaker));
});

await test ("a group photo asks which face is the person; until then it is not matched", async () => {
  const id = await newCase (staffA, found ({ sex: "unknown", age: "20-60" }));
  const up = await upload (staffA, id, "faces/faceapi/sample1.jpg");
  let c;
  for (let i = 0; i < 600; i++) {
    c = (await staffA.request ("GET", `/api/v1/cases/${id}`)).data;
    if (c.photo_list [0].state !== "pending") break;
    await new Promise (r => setTimeout (r, 100));
  }
  const p = c.photo_list [0];
  assert.equal (p.person, "waiting");
  assert.ok (p.face_list.length >= 2);
  await waitMatched (staffA, id);
  assert.equal ((await staffA.request ("GET", `/api/v1/cases/${id}/candidates?weaker=1`)).data.candidates.length, 0);
  // Police cannot pick for the station; a face of another photo is refused.
  const face = p.face_list [1].face_id;
  assert.equal ((await police.request ("POST", `/api/v1/photos/${up.photo_id}/person`,
    { json: { face_id: face } })).status, 403);
  assert.equal ((await staffA.request ("POST", `/api/v1/photos/${up.photo_id}/person`,
    { json: {} })).status, 400);
  const pick = await staffA.request ("POST", `/api/v1/photos/${up.photo_id}/person`,
                                     { json: { face_id: face } });
  assert.equal (pick.status, 200, JSON.stringify (pick.data));
  await waitMatched (staffA, id);
  const after = (await staffA.request ("GET", `/api/v1/cases/${id}`)).data.photo_list [0];
  assert.equal (after.person, "picked");
  assert.deepEqual (after.face_list.filter (f => !f.excluded).map (f => f.face_id), [face]);
  const cands = await staffA.request ("GET", `/api/v1/cases/${id}/candidates?weaker=1`);
  assert.ok (cands.data.candidates.length > 0, "matched once picked");
  for (const k of cands.data.candidates)
    assert.ok (k.explanation.pairs.every (pr => pr.found_face === face));
  // A bulk upload keeps today's rule, and says so in the reasons.
  const bulk = await newCase (staffA, found ({ sex: "unknown", age: "20-60" }));
  await upload (staffA, bulk, "faces/faceapi/sample1.jpg", { ask_person: "false" });
  await waitMatched (staffA, bulk);
  const guessed = await staffA.request ("GET", `/api/v1/cases/${bulk}/candidates?weaker=1`);
  assert.ok (guessed.data.candidates.length > 0);
  assert.ok (guessed.data.candidates.some (k => k.explanation.flags.includes ("person_guessed")));
});

await test ("Idempotency-Key: one case per submission, one review per click", async () => {
  const key = { "Idempotency-Key": "form-7f3e2a" };
  const body = report ("Twice");
  const a = await staffB.request ("POST", "/api/v1/cases", { json: body, headers: key });
  const b = await staffB.request ("POST", "/api/v1/cases", { json: body, headers: key });
  assert.equal (a.status, 201);
  assert.equal (b.status, 201);
  assert.equal (b.data.case_id, a.data.case_id);
  const list = await staffB.request ("GET", "/api/v1/cases?limit=500");
  assert.equal (list.data.cases.filter (c => c.family_name === "Twice family").length, 1);
  const other = await staffB.request ("POST", "/api/v1/cases",
    { json: report ("Thrice"), headers: key });
  assert.equal (other.status, 409);
  // Another user's key is their own.
  const c = await staffA.request ("POST", "/api/v1/cases", { json: found (), headers: key });
  assert.equal (c.status, 201);
  assert.notEqual (c.data.case_id, a.data.case_id);
  // A photo and a review sent twice: done once.
  const form = () => { const f = new FormData (); f.append ("photo", photo ("lfw/Bill_Gates/3.jpg"), "x.jpg"); return f; };
  const k2 = { "Idempotency-Key": "upload-1" };
  const p1 = await staffB.request ("POST", `/api/v1/cases/${a.data.case_id}/photos`, { form: form (), headers: k2 });
  const p2 = await staffB.request ("POST", `/api/v1/cases/${a.data.case_id}/photos`, { form: form (), headers: k2 });
  assert.deepEqual (p2.data, p1.data);
  assert.equal (p2.data.existed, false);
  // The same key with other bytes is another request.
  const other2 = new FormData ();
  other2.append ("photo", photo ("lfw/Bill_Gates/4.jpg"), "y.jpg");
  const p3 = await staffB.request ("POST", `/api/v1/cases/${a.data.case_id}/photos`, { form: other2, headers: k2 });
  assert.equal (p3.status, 409);
  const k3 = { "Idempotency-Key": "review-1" };
  const r1 = await police.request ("POST", "/api/v1/reviews", { json: { case_id: gatesFound,
    candidate: spacey, state: "pending", note: "a second look" }, headers: k3 });
  const r2 = await police.request ("POST", "/api/v1/reviews", { json: { case_id: gatesFound,
    candidate: spacey, state: "pending", note: "a second look" }, headers: k3 });
  assert.equal (r2.status, r1.status);
  assert.deepEqual (r2.data, r1.data);
  const trail = await police.request ("GET", `/api/v1/cases/${gatesFound}/reviews`);
  assert.ok (trail.data.reviews.filter (t => t.note === "a second look").length <= 1);
});

await test ("audit: one read row per page view, chips and photos, refusals as refused", async () => {
  const before = (await admin.request ("GET", "/api/v1/audit?limit=1000")).data.entries;
  const id = await newCase (staffB, report ("Audited"), "lfw/Kevin_Spacey/2.jpg");
  await waitMatched (staffB, id);
  for (let i = 0; i < 3; i++) await staffB.request ("GET", `/api/v1/cases/${id}`);
  const c = (await staffB.request ("GET", `/api/v1/cases/${id}`)).data;
  const photoId = c.photo_list [0].photo_id, faceId = c.photo_list [0].face_list [0].face_id;
  await police.request ("GET", `/api/v1/photos/${photoId}`);
  await police.request ("GET", `/api/v1/faces/${faceId}/chip`);
  await police.request ("GET", `/api/v1/faces/${faceId}/chip`);
  const refused = await staffA.request ("GET", `/api/v1/cases/${id}/export`);
  assert.equal (refused.status, 403);
  const after = (await admin.request ("GET", "/api/v1/audit?limit=1000")).data.entries;
  const fresh = after.slice (0, after.length - before.length);
  const object = `case ${id}`;
  const rows = (actor, action) => fresh.filter (e => e.actor === actor && e.action === action
                                                && e.object === object);
  assert.equal (rows ("staff_b", "case.read").length, 1, "one read row for four page loads");
  assert.equal (rows ("police1", "photo.read").length, 1);
  assert.equal (rows ("police1", "face.chip").length, 0, "covered by the photo's read");
  assert.ok (fresh.some (e => e.actor === "staff_a" && e.action === "refused"
                         && e.object === object), "a refused export is recorded as refused");
  assert.ok (!fresh.some (e => e.actor === "staff_a" && e.action === "case.export"));
});

await serve.stop ();
if (failures) console.log (serve.logText ().slice (-4000));
console.log (failures ? `${failures} failed` : "all passed");
process.exit (failures ? 1 : 0);
