// The HTTP API over real HTTP against a running `homeward serve`: sign-in,
// roles, station isolation, CSRF, rate limiting, uploads good and bad,
// pagination, errors, metrics; a photo's year and age from every form (the
// upload, PATCH, the command line, an import).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { startServe, Client, photo, waitMatched, HOMEWARD, DATA } from "./harness.mjs";

const serve = await startServe ();
let failures = 0;
async function test (name, fn) {
  try { await fn (); console.log ("ok   " + name); }
  catch (e) { failures++; console.log ("FAIL " + name + ": " + (e.stack || e)); }
}
const anon = new Client (serve.base);

await test ("health and metrics need no sign-in", async () => {
  const h = await anon.request ("GET", "/api/v1/health");
  assert.equal (h.status, 200);
  assert.equal (h.data.status, "ok");
  const m = await anon.request ("GET", "/metrics");
  assert.equal (m.status, 200);
  assert.match (m.data, /homeward_http_requests_total\{status="2xx"\} \d+/);
  assert.match (m.data, /homeward_shard_serving\{partition="0",replica="0"\} 1/);
  assert.match (m.data, /homeward_photos_pending \d+/);
});

await test ("everything else needs a sign-in (401)", async () => {
  for (const [method, path] of [["GET", "/api/v1/me"], ["GET", "/api/v1/cases"],
                                 ["POST", "/api/v1/cases"], ["GET", "/api/v1/queue"],
                                 ["GET", "/api/v1/audit"]]) {
    const r = await anon.request (method, path, method === "GET" ? {} : { json: {} });
    assert.equal (r.status, 401, method + " " + path);
    assert.equal (r.data.error.code, "unauthenticated");
  }
  const wrong = await anon.login ("staff_a", { password: "not the password" });
  assert.equal (wrong.status, 401);
  assert.equal (wrong.data.error.message, "wrong user name or password");
});

const staffA = new Client (serve.base), staffB = new Client (serve.base);
const police = new Client (serve.base), admin = new Client (serve.base);
let caseA, missingB;

await test ("staff sign in with a cookie; changes need the CSRF token", async () => {
  const r = await staffA.login ("staff_a");
  assert.equal (r.status, 200);
  assert.match (r.headers.get ("set-cookie"), /HttpOnly; SameSite=Strict/);
  const me = await staffA.request ("GET", "/api/v1/me");
  assert.equal (me.data.user.station, "Guangzhou relief station");
  const noToken = await staffA.request ("POST", "/api/v1/cases",
    { json: { kind: "found", sex: "male" }, headers: { "X-CSRF-Token": "" } });
  assert.equal (noToken.status, 403);
  assert.equal (noToken.data.error.code, "csrf");
  const made = await staffA.request ("POST", "/api/v1/cases",
    { json: { kind: "found", sex: "male", province: 44, date_found: "2021-06-01", age: "40-60",
              consent_basis: "vital_interests" } });
  assert.equal (made.status, 201);
  caseA = made.data.case_id;
  const got = await staffA.request ("GET", `/api/v1/cases/${caseA}`);
  assert.equal (got.data.station, "Guangzhou relief station");      // forced to their station
});

await test ("the case facts' table: one entry a fact, with what a form needs", async () => {
  const r = await staffA.request ("GET", "/api/v1/case-facts");
  assert.equal (r.status, 200);
  const by = Object.fromEntries (r.data.facts.map (f => [f.name, f]));
  assert.deepEqual (by.family_relation, { name: "family_relation", type: "text", kind: "missing",
    correctable: true, personal: true, listed: false, max_chars: 30,
    label: { en: "Relation", "zh-CN": "关系" } });
  assert.equal (by.age.type, "range");
  assert.equal (by.age.kind, "found");
  assert.equal (by.sex.type, "sex");
  assert.equal (by.external_ref.correctable, false);
  // Every fact the case JSON can hold is in the table.
  const got = await staffA.request ("GET", `/api/v1/cases/${caseA}`);
  for (const key of Object.keys (got.data))
    if (!["case_id", "kind", "state", "province_name", "photos", "faces", "created_at",
          "closed_at", "closed_reason", "erased_at", "erased", "matching", "trail",
          "candidates", "redacted", "photo_list", "face_list", "reunited_with", "linked",
          "linked_records", "linked_conflicts"].includes (key))
      assert.ok (by [key], "a case's " + key + " is in the facts' table");
  assert.equal ((await anon.request ("GET", "/api/v1/case-facts")).status, 401);
});

await test ("station isolation: another station's staff get 403", async () => {
  assert.equal ((await staffB.login ("staff_b", { bearer: true })).status, 200);
  const r = await staffB.request ("GET", `/api/v1/cases/${caseA}`);
  assert.equal (r.status, 403);
  const list = await staffB.request ("GET", "/api/v1/cases");
  assert.ok (!list.data.cases.some (c => c.case_id === caseA));
  const up = await staffB.request ("POST", `/api/v1/cases/${caseA}/photos`,
    { form: (() => { const f = new FormData (); f.append ("photo", photo ("lfw/Bill_Gates/2.jpg"), "x.jpg"); return f; }) () });
  assert.equal (up.status, 403);
});

await test ("bearer tokens need no CSRF; a missing report and its photo", async () => {
  const made = await staffB.request ("POST", "/api/v1/cases", { json: {
    kind: "missing", sex: "male", province: 11, date_last_seen: "2020-01-02",
    family_name: "Gates family", family_relation: "son", consent_basis: "family",
    consent_by: "Gates family (son)" } });
  assert.equal (made.status, 201);
  missingB = made.data.case_id;
  const form = new FormData ();
  form.append ("photo", photo ("lfw/Bill_Gates/1.jpg"), "gates.jpg");
  form.append ("year", "2015");
  const up = await staffB.request ("POST", `/api/v1/cases/${missingB}/photos`, { form });
  assert.equal (up.status, 201, JSON.stringify (up.data));
  assert.equal (up.data.format, "jpeg");
  await waitMatched (staffB, missingB);
});

await test ("uploads: a photo, then bad ones with clear errors", async () => {
  const form = new FormData ();
  form.append ("photo", photo ("lfw/Bill_Gates/2.jpg"), "probe.jpg");
  const up = await staffA.request ("POST", `/api/v1/cases/${caseA}/photos`, { form });
  assert.equal (up.status, 201);
  const again = await staffA.request ("POST", `/api/v1/cases/${caseA}/photos`, { form });
  assert.equal (again.data.existed, true);                       // the same photo twice: once
  const text = new FormData ();
  text.append ("photo", new Blob (["not an image, a letter"], { type: "image/jpeg" }), "a.jpg");
  const bad = await staffA.request ("POST", `/api/v1/cases/${caseA}/photos`, { form: text });
  assert.equal (bad.status, 415);
  assert.match (bad.data.error.message, /text, not an image/);
  const notImage = new FormData ();
  notImage.append ("photo", new Blob (["%PDF-1.4"], { type: "application/pdf" }), "a.pdf");
  assert.equal ((await staffA.request ("POST", `/api/v1/cases/${caseA}/photos`, { form: notImage })).status, 415);
  const empty = new FormData ();
  empty.append ("year", "2001");
  assert.equal ((await staffA.request ("POST", `/api/v1/cases/${caseA}/photos`, { form: empty })).status, 400);
  // Declared too large: refused from the header, without sending the body.
  const status = await new Promise ((resolve, reject) => {
    const u = new URL (serve.base);
    const req = httpRequest ({ host: u.hostname, port: u.port, method: "POST",
      path: `/api/v1/cases/${caseA}/photos`, headers: { "Content-Length": String (500 * 1024 * 1024),
      "Content-Type": "multipart/form-data; boundary=x", Cookie: staffA.cookie,
      "X-CSRF-Token": staffA.csrf } }, (res) => { res.resume (); resolve (res.statusCode); });
    req.on ("error", reject);
    req.flushHeaders ();
  });
  assert.equal (status, 413);
  const matched = await waitMatched (staffA, caseA);
  assert.equal (matched.photos, 1);
});

await test ("candidates: the family first, explained, paginated", async () => {
  const r = await staffA.request ("GET", `/api/v1/cases/${caseA}/candidates?limit=20`);
  assert.equal (r.status, 200);
  assert.equal (r.data.candidates [0].case_id, missingB);
  // Another station's report: its facts, not its family's name (privacy
  // between stations; the whole rule: workflow_test.mjs).
  assert.equal (r.data.candidates [0].case.family_name, undefined);
  assert.equal (r.data.candidates [0].case.redacted, true);
  assert.equal (r.data.candidates [0].case.sex, "male");
  assert.ok (r.data.candidates [0].explanation.facts.length === 4);
  const face = r.data.candidates [0].explanation.pairs [0].missing_face;
  const chip = await staffA.request ("GET", `/api/v1/faces/${face}/chip`);
  assert.equal (chip.status, 200);                               // a candidate's face: visible
  assert.equal ((await staffA.request ("GET", `/api/v1/cases/${caseA}/candidates?limit=0`)).status, 400);
  const page = await staffA.request ("GET", `/api/v1/cases/${caseA}/candidates?limit=1&offset=1`);
  assert.equal (page.status, 200);
  assert.ok (page.data.candidates.length <= 1);
  if (page.data.candidates.length) assert.notEqual (page.data.candidates [0].case_id, missingB);
});

await test ("police review across provinces; staff may not", async () => {
  assert.equal ((await police.login ("police1")).status, 200);
  const queue = await police.request ("GET", "/api/v1/queue?limit=10");
  assert.equal (queue.status, 200);
  assert.ok (queue.data.pairs.some (p => p.found_case === caseA && p.missing_case === missingB));
  assert.equal ((await staffA.request ("GET", "/api/v1/queue")).status, 403);
  const byStaff = await staffA.request ("POST", "/api/v1/reviews",
    { json: { case_id: caseA, candidate: missingB, state: "confirmed" } });
  assert.equal (byStaff.status, 403);
  const bad = await police.request ("POST", "/api/v1/reviews",
    { json: { case_id: caseA, candidate: missingB, state: "maybe" } });
  assert.equal (bad.status, 400);
  const ok = await police.request ("POST", "/api/v1/reviews",
    { json: { case_id: caseA, candidate: missingB, state: "dna_requested", note: "sample taken" } });
  assert.equal (ok.status, 200);
  const trail = await police.request ("GET", `/api/v1/cases/${caseA}/reviews`);
  assert.equal (trail.data.reviews [0].actor, "police1");
  assert.equal (trail.data.reviews [0].note, "sample taken");
});

await test ("corrections: facts, a face left out, a photo removed; by the station only", async () => {
  // The score says what it means; the explanation says how faces were pooled.
  const r = await staffA.request ("GET", `/api/v1/cases/${caseA}/candidates?limit=5`);
  assert.match (r.data.candidates [0].meaning, /in 100 candidate families/);
  assert.ok (r.data.candidates [0].families >= 1);
  assert.ok (r.data.candidates [0].explanation.pooled);
  // Facts: corrected by the case's station; others may not; the change is said back.
  const fix = await staffA.request ("PATCH", `/api/v1/cases/${caseA}`, { json: { age: "45-55" } });
  assert.equal (fix.status, 200, JSON.stringify (fix.data));
  assert.match (fix.data.changes, /age: 40-60 -> 45-55/);
  assert.equal ((await staffA.request ("PATCH", `/api/v1/cases/${caseA}`, { json: { kind: "missing" } })).status, 400);
  assert.equal ((await staffB.request ("PATCH", `/api/v1/cases/${caseA}`, { json: { age: "50" } })).status, 403);
  assert.equal ((await police.request ("PATCH", `/api/v1/cases/${caseA}`, { json: { age: "50" } })).status, 403);
  // A face: its advice fits a person who can be photographed again.
  const c = await staffA.request ("GET", `/api/v1/cases/${caseA}`);
  const photoId = c.data.photo_list [0].photo_id;
  const ph = await staffA.request ("GET", `/api/v1/photos/${photoId}`);
  const face = ph.data.face_list [0];
  assert.equal (face.advice_code, "retake_closer");               // LFW faces are ~60 px
  assert.equal ((await staffB.request ("POST", `/api/v1/faces/${face.face_id}/exclude`, { json: {} })).status, 403);
  const out = await staffA.request ("POST", `/api/v1/faces/${face.face_id}/exclude`,
    { json: { excluded: true, reason: "a poster behind the person" } });
  assert.equal (out.status, 200);
  const back = await staffA.request ("POST", `/api/v1/faces/${face.face_id}/exclude`, { json: { excluded: false } });
  assert.equal (back.status, 200);
  assert.equal ((await staffA.request ("POST", `/api/v1/faces/999999/exclude`, { json: {} })).status, 404);
  // A photo uploaded by mistake, removed with a reason; a missing reason is refused.
  const form = new FormData ();
  form.append ("photo", photo ("lfw/Kevin_Spacey/2.jpg"), "wrong.jpg");
  const up = await staffA.request ("POST", `/api/v1/cases/${caseA}/photos`, { form });
  await waitMatched (staffA, caseA);
  assert.equal ((await staffA.request ("POST", `/api/v1/photos/${up.data.photo_id}/remove`, { json: {} })).status, 400);
  assert.equal ((await police.request ("POST", `/api/v1/photos/${up.data.photo_id}/remove`,
    { json: { reason: "x" } })).status, 403);
  const removed = await staffA.request ("POST", `/api/v1/photos/${up.data.photo_id}/remove`,
    { json: { reason: "another person's photo" } });
  assert.equal (removed.status, 200);
  const again = await staffA.request ("GET", `/api/v1/photos/${up.data.photo_id}`);
  assert.equal (again.data.removed, "another person's photo");
  await waitMatched (staffA, caseA);
  const list = await staffA.request ("GET", `/api/v1/cases/${caseA}/candidates?limit=5`);
  assert.equal (list.data.candidates [0].case_id, missingB);
});

await test ("a photo's year and age: given at upload, checked, corrected with PATCH", async () => {
  const made = await staffB.request ("POST", "/api/v1/cases", { json: {
    kind: "missing", sex: "male", province: 11, date_last_seen: "2018-04-01", birth_year: 1956,
    family_name: "Peirsol family", family_relation: "brother", consent_basis: "family",
    consent_by: "Peirsol family (brother)" } });
  assert.equal (made.status, 201, JSON.stringify (made.data));
  const id = made.data.case_id;
  const upload = (year, age) => {
    const f = new FormData ();
    f.append ("photo", photo ("lfw/Aaron_Peirsol/1.jpg"), "childhood.jpg");
    f.append ("year", year);
    f.append ("age", age);
    return staffB.request ("POST", `/api/v1/cases/${id}/photos`,
                           { form: f, headers: { "Accept-Language": "zh-CN" } });
  };
  // Before the birth year, or a year and an age that give another birth year: refused, in both languages.
  const early = await upload ("1950", "");
  assert.equal (early.status, 400);
  assert.match (early.data.error.messages.en, /the photo's year 1950 is before the birth year 1956/);
  assert.match (early.data.error.messages ["zh-CN"], /照片年份 1950 早于出生年份 1956/);
  assert.match ((await upload ("1980", "6")).data.error.messages.en, /born in 1974/);
  assert.equal ((await upload ("1962", "121")).status, 400);
  assert.equal ((await upload ("1962", "six")).status, 400);
  const up = await upload ("1970", "6");              // the family misremembers the year
  assert.equal (up.status, 400);
  const good = await upload ("1962", "");
  assert.equal (good.status, 201, JSON.stringify (good.data));
  const photoId = good.data.photo_id;
  // Corrected by its station: year and age; others may not; the case shows it.
  const fix = await staffB.request ("PATCH", `/api/v1/photos/${photoId}`, { json: { year: 1962, age: 6 } });
  assert.equal (fix.status, 200, JSON.stringify (fix.data));
  assert.equal (fix.data.age_taken, 6);
  assert.equal ((await staffA.request ("PATCH", `/api/v1/photos/${photoId}`, { json: { age: 7 } })).status, 403);
  assert.equal ((await staffB.request ("PATCH", `/api/v1/photos/${photoId}`, { json: { age: 30 } })).status, 400);
  assert.equal ((await staffB.request ("PATCH", `/api/v1/photos/${photoId}`, { json: { place: "x" } })).status, 400);
  const typed = await staffB.request ("PATCH", `/api/v1/photos/${photoId}`, { json: { age: "six" } });
  assert.equal (typed.status, 400);
  assert.match (JSON.stringify (typed.data), /year and age are whole numbers/);
  assert.equal ((await staffB.request ("PATCH", `/api/v1/photos/999999`, { json: { age: 6 } })).status, 404);
  const c = await waitMatched (staffB, id);
  assert.equal (c.photo_list [0].year_taken, 1962);
  assert.equal (c.photo_list [0].age_taken, 6);
  // A family's small old photo: described, with advice that fits a print.
  const ph = await staffB.request ("GET", `/api/v1/photos/${photoId}`);
  assert.equal (ph.data.age_taken, 6);
  const face = ph.data.face_list [0];                 // LFW faces are ~60 px
  assert.equal (face.verdict, "too_small");
  assert.equal (face.advice_code, "larger_scan");
  assert.match (face.advice, /scan the print at a higher resolution/);
  assert.match (face.advice, /another photo from the same age/);
  // Null: back to unknown; a key left out stays.
  const clear = await staffB.request ("PATCH", `/api/v1/photos/${photoId}`, { json: { age: null } });
  assert.equal (clear.status, 200);
  const after = await staffB.request ("GET", `/api/v1/photos/${photoId}`);
  assert.equal (after.data.year_taken, 1962);
  assert.equal (after.data.age_taken, undefined);
});

await test ("a photo's year and age from the command line and an import (photo_ages)", async () => {
  const api = ["--api", `ipc://${join (serve.dir, "var", "api.sock")}`];
  const cli = (...args) => spawnSync (HOMEWARD, [...args, ...api], { encoding: "utf8" });
  // An import: photo_years and photo_ages parallel to the photos, an empty item unknown.
  const csv = join (serve.dir, "ages.csv");
  const lfw = join (DATA, "lfw");
  writeFileSync (csv, "ref,kind,sex,province,date_last_seen,birth_year,family_name,consent_basis," +
    "consent_by,photos,photo_years,photo_ages\n" +
    `a1,missing,female,11,2017-08-01,1956,Guevara import family,family,the family,` +
    `${lfw}/Ana_Guevara/1.jpg;${lfw}/Ana_Guevara/2.jpg;${lfw}/Aron_Ralston/1.jpg,1962;;1990,6;;\n`);
  const run = cli ("import", csv);
  assert.equal (run.status, 0, run.stderr);
  assert.equal ((await admin.login ("admin1", { bearer: true })).status, 200);
  const found = await admin.request ("GET", "/api/v1/cases?q=" + encodeURIComponent ("Guevara import family"));
  assert.equal (found.data.cases.length, 1, JSON.stringify (found.data));
  const id = found.data.cases [0].case_id;
  const c = await admin.request ("GET", `/api/v1/cases/${id}`);
  const [one, two, three] = c.data.photo_list;
  assert.equal (one.year_taken, 1962);
  assert.equal (one.age_taken, 6);
  assert.equal (two.year_taken, undefined);
  assert.equal (two.age_taken, undefined);
  assert.equal (three.year_taken, 1990);
  assert.equal (three.age_taken, undefined);
  // photo taken: corrected, said back; an impossible age refused with the service's words.
  const taken = cli ("photo", "taken", String (two.photo_id), "--year", "1960", "--age", "4");
  assert.equal (taken.status, 0, taken.stderr);
  assert.match (taken.stdout, /taken in 1960 at about age 4/);
  const bad = cli ("photo", "taken", String (two.photo_id), "--age", "30");
  assert.notEqual (bad.status, 0);
  assert.match (bad.stderr, /born in 1930, but the birth year is 1956/);
  assert.equal ((await admin.request ("GET", `/api/v1/photos/${two.photo_id}`)).data.age_taken, 4);
  const cleared = cli ("photo", "taken", String (three.photo_id), "--year", "unknown");
  assert.equal (cleared.status, 0, cleared.stderr);
  assert.equal ((await admin.request ("GET", `/api/v1/photos/${three.photo_id}`)).data.year_taken, undefined);
  // photo add --year --age: refused before the birth year; taken, with the advice for a print.
  const early = cli ("photo", "add", String (id), `${lfw}/Aron_Ralston/2.jpg`, "--year", "1950");
  assert.notEqual (early.status, 0);
  assert.match (early.stderr, /the photo's year 1950 is before the birth year 1956/);
  const added = cli ("photo", "add", String (id), `${lfw}/Aron_Ralston/2.jpg`, "--year", "1963", "--age", "7");
  assert.equal (added.status, 0, added.stderr);
  assert.match (added.stdout, /scan the print at a higher resolution/);
  assert.doesNotMatch (added.stdout, /retake/);
  const shown = cli ("photo", "show", String (one.photo_id));
  assert.match (shown.stdout, /taken in 1962 at about age 6/);
});

await test ("admin: users and the audit log; others 403", async () => {
  assert.equal ((await admin.login ("admin1", { bearer: true })).status, 200);
  const audit = await admin.request ("GET", "/api/v1/audit?limit=500");
  assert.equal (audit.status, 200);
  assert.ok (audit.data.entries.some (e => e.actor === "staff_a" && e.action === "case.add"));
  assert.ok (audit.data.entries.some (e => e.actor === "police1" && e.action === "review"));
  assert.ok (audit.data.entries.some (e => e.actor === "staff_b" && e.action === "case.read"));
  for (const action of ["case.update", "face.exclude", "face.include", "photo.remove"])
    assert.ok (audit.data.entries.some (e => e.actor === "staff_a" && e.action === action), action);
  assert.equal ((await police.request ("GET", "/api/v1/audit")).status, 403);
  const made = await admin.request ("POST", "/api/v1/users", { json: {
    name: "staff_c", role: "station_staff", station: "Chengdu relief station", province: 51,
    password: "long enough password" } });
  assert.equal (made.status, 201);
  const weak = await admin.request ("POST", "/api/v1/users", { json: {
    name: "staff_d", role: "station_staff", station: "x", password: "short" } });
  assert.equal (weak.status, 400);
  assert.equal ((await staffA.request ("GET", "/api/v1/users")).status, 403);
});

await test ("errors are JSON with the right status", async () => {
  const r1 = await staffA.request ("GET", "/api/v1/cases/999999");
  assert.equal (r1.status, 404);
  assert.equal (r1.data.error.code, "not_found");
  const r2 = await staffA.request ("POST", "/api/v1/cases", { json: { kind: "found", date_found: "2021-02-30" } });
  assert.equal (r2.status, 400);
  assert.match (r2.data.error.message, /not a real day/);
  const r3 = await fetch (serve.base + "/api/v1/cases", { method: "POST", body: "{not json",
    headers: { Cookie: staffA.cookie, "X-CSRF-Token": staffA.csrf, "Content-Type": "application/json" } });
  assert.equal (r3.status, 400);
  assert.equal ((await r3.json ()).error.code, "malformed_json");
  // A body declared over the JSON limit: refused from its header alone.
  const status = await new Promise ((resolve, reject) => {
    const u = new URL (serve.base);
    const req = httpRequest ({ host: u.hostname, port: u.port, method: "POST", path: "/api/v1/cases",
      headers: { "Content-Length": String (2 * 1024 * 1024), "Content-Type": "application/json",
                 Cookie: staffA.cookie, "X-CSRF-Token": staffA.csrf } },
      (res) => { res.resume (); resolve (res.statusCode); });
    req.on ("error", reject);
    req.flushHeaders ();
  });
  assert.equal (status, 413);
  assert.equal ((await staffA.request ("GET", "/api/v1/nothing")).status, 404);
  assert.equal ((await staffA.request ("GET", "/../../etc/passwd")).status, 404);
});

await test ("data protection: consent required, export, erasure, audit chain", async () => {
  const noConsent = await staffA.request ("POST", "/api/v1/cases", { json: {
    kind: "found", province: 44, age: "8-10" } });
  assert.equal (noConsent.status, 400);
  assert.match (noConsent.data.error.message, /record the consent/);
  const child = await staffA.request ("POST", "/api/v1/cases", { json: {
    kind: "found", province: 44, age: "8-10", consent_basis: "vital_interests" } });
  assert.equal (child.status, 400);
  assert.match (child.data.error.message, /minor/);
  // Everything held on the case: facts, consent, photo bytes, faces, audit.
  const exp = await staffA.request ("GET", `/api/v1/cases/${caseA}/export`);
  assert.equal (exp.status, 200);
  assert.match (exp.headers.get ("content-disposition"), /attachment/);
  assert.equal (exp.data.format, "homeward.case-export.v1");
  assert.equal (exp.data.case.consent_basis, "vital_interests");
  assert.ok (exp.data.photos.length >= 1 && exp.data.photos [0].bytes_base64.length > 1000);
  assert.equal (exp.data.faces [0].embedding.length, 128);
  assert.ok (exp.data.audit.some (e => e.action === "case.add"));
  assert.equal ((await police.request ("GET", `/api/v1/cases/${caseA}/export`)).status, 403);
  assert.equal ((await staffB.request ("GET", `/api/v1/cases/${caseA}/export`)).status, 403);
  // Erasure: administrators only; it closes the case and removes its photos,
  // faces and personal facts; the trail says so.
  const made = await staffA.request ("POST", "/api/v1/cases", { json: {
    kind: "found", sex: "female", province: 44, date_found: "2021-06-01", age: "30-40",
    notes: "red coat", consent_basis: "self", consent_by: "herself" } });
  const id = made.data.case_id;
  const form = new FormData ();
  form.append ("photo", photo ("lfw/Liza_Minnelli/2.jpg"), "x.jpg");
  assert.equal ((await staffA.request ("POST", `/api/v1/cases/${id}/photos`, { form })).status, 201);
  await waitMatched (staffA, id);
  assert.equal ((await staffA.request ("POST", `/api/v1/cases/${id}/erase`,
    { json: { reason: "consent withdrawn" } })).status, 403);
  const erase = await admin.request ("POST", `/api/v1/cases/${id}/erase`,
    { json: { reason: "consent withdrawn" } });
  assert.equal (erase.status, 202, JSON.stringify (erase.data));
  let c;
  for (let i = 0; i < 100; i++) {
    c = (await admin.request ("GET", `/api/v1/cases/${id}`)).data;
    if (c.erased) break;
    await new Promise (r => setTimeout (r, 200));
  }
  assert.equal (c.erased, "all");
  assert.equal (c.state, "closed");
  assert.equal (c.photos, 0);
  assert.equal (c.notes, undefined);
  const after = await admin.request ("GET", `/api/v1/cases/${id}/export`);
  assert.equal (after.data.photos.length, 0);
  assert.equal (after.data.faces.length, 0);
  assert.ok (after.data.audit.some (e => e.action === "case.erase"));
  const verify = await admin.request ("GET", "/api/v1/audit/verify");
  assert.equal (verify.status, 200);
  assert.equal (verify.data.intact, true);
  assert.ok (verify.data.entries > 10);
  const anchored = await admin.request ("GET",
    `/api/v1/audit/verify?anchor=${verify.data.head_id}:${verify.data.head}`);
  assert.equal (anchored.data.intact, true);
  const wrong = await admin.request ("GET", `/api/v1/audit/verify?anchor=1:${"0".repeat (64)}`);
  assert.equal (wrong.data.intact, false);
  assert.equal ((await police.request ("GET", "/api/v1/audit/verify")).status, 403);
});

await test ("sign-in locks the account after 5 failures (429)", async () => {
  const c = new Client (serve.base);
  for (let i = 0; i < 4; i++)
    assert.equal ((await c.login ("victim", { password: "guess " + i })).status, 401);
  const fifth = await c.login ("victim", { password: "guess 4" });   // this one locks it
  assert.equal (fifth.status, 429);
  assert.equal (fifth.data.error.code, "account_locked");
  const locked = await c.login ("victim");                       // even the right password
  assert.equal (locked.status, 429);
  assert.ok (Number (locked.headers.get ("retry-after")) > 0);
  assert.equal ((await new Client (serve.base).login ("police1")).status, 200);   // others unaffected
});

await test ("sign-out ends the session", async () => {
  assert.equal ((await staffA.request ("DELETE", "/api/v1/session")).status, 200);
  staffA.cookie = null;
  assert.equal ((await staffA.request ("GET", "/api/v1/me")).status, 401);
});

await serve.stop ();
if (failures) console.log (serve.logText ().slice (-4000));
console.log (failures ? `${failures} failed` : "all passed");
process.exit (failures ? 1 : 0);
