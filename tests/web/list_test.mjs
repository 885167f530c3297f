// The case list's API over real HTTP: a search (q) by case number, name,
// family, reference, city and station, filters by kind and state, pages
// with a total; staff only ever find their own station's cases. And what a
// correction answers: change_list (field, from, to) beside its text.
import assert from "node:assert/strict";
import { startServe, Client } from "./harness.mjs";

const serve = await startServe ();
let failures = 0;
async function test (name, fn) {
  try { await fn (); console.log ("ok   " + name); }
  catch (e) { failures++; console.log ("FAIL " + name + ": " + (e.stack || e)); }
}

const staffA = new Client (serve.base), staffB = new Client (serve.base);
const police = new Client (serve.base);
const list = async (client, query) => {
  const r = await client.request ("GET", "/api/v1/cases?" + new URLSearchParams (query));
  assert.equal (r.status, 200, JSON.stringify (r.data));
  return r.data;
};
const ids = {};

try {
  for (const [c, name] of [[staffA, "staff_a"], [staffB, "staff_b"], [police, "police1"]])
    assert.equal ((await c.login (name, { bearer: true })).status, 200);
  // Guangzhou: 60 people found (3 named, 2 with a reference), a report;
  // Beijing: a report of its own.
  for (let i = 0; i < 60; i++) {
    const made = await staffA.request ("POST", "/api/v1/cases", { json: {
      kind: "found", sex: i % 2 ? "male" : "female", province: 44, date_found: "2021-05-01",
      age: "30-40", consent_basis: "vital_interests",
      ...(i === 7 ? { person_name: "自称张三", city: "广州市越秀区" } : {}),
      ...(i === 8 ? { person_name: "Zhang San" } : {}),
      ...(i === 9 ? { person_name: "ZHANG_SAN" } : {}),
      ...(i === 10 || i === 11 ? { external_ref: "GZ-2021-" + (100 + i) } : {}) } });
    assert.equal (made.status, 201, JSON.stringify (made.data));
    ids [i] = made.data.case_id;
  }
  const report = await staffA.request ("POST", "/api/v1/cases", { json: {
    kind: "missing", sex: "male", province: 11, date_last_seen: "2019-03-02", birth_year: 1950,
    person_name: "王建国", family_name: "王家", family_relation: "儿子",
    consent_basis: "family", consent_by: "王小明（儿子）" } });
  assert.equal (report.status, 201);
  ids.report = report.data.case_id;
  const other = await staffB.request ("POST", "/api/v1/cases", { json: {
    kind: "missing", sex: "female", province: 11, person_name: "王建国",
    family_name: "Beijing family", consent_basis: "family", consent_by: "Beijing family" } });
  assert.equal (other.status, 201);
  ids.other = other.data.case_id;
} catch (e) {
  failures++;
  console.log ("FAIL setting up: " + (e.stack || e));
}

await test ("pages of a station's cases, newest first, with the total", async () => {
  const first = await list (staffA, { limit: 50 });
  assert.equal (first.total, 61);
  assert.equal (first.cases.length, 50);
  assert.equal (first.cases [0].case_id, ids.report);
  const second = await list (staffA, { limit: 50, offset: 50 });
  assert.equal (second.total, 61);
  assert.equal (second.cases.length, 11);
  assert.equal (second.cases [10].case_id, ids [0]);
  const seen = new Set ([...first.cases, ...second.cases].map (c => c.case_id));
  assert.equal (seen.size, 61, "no case twice, none left out");
  assert.ok (!seen.has (ids.other), "another station's case is not in staff's list");
  const past = await list (staffA, { limit: 50, offset: 100 });
  assert.deepEqual ([past.cases.length, past.total], [0, 61]);
  // The police see every station's.
  assert.equal ((await list (police, { limit: 1 })).total, 62);
});

await test ("the summaries name the person and the reference", async () => {
  const [r] = (await list (staffA, { q: "王建国" })).cases;
  assert.equal (r.person_name, "王建国");
  assert.equal (r.family_name, "王家");
  assert.deepEqual (r.birth_year, [1950, 1950]);
  assert.equal (r.province_name, "Beijing");
  const [f] = (await list (staffA, { q: "GZ-2021-110" })).cases;
  assert.equal (f.external_ref, "GZ-2021-110");
  assert.deepEqual (f.age, [30, 40]);
  assert.equal (f.state, "open");
});

await test ("a search by number, name, reference, city and station", async () => {
  const found = async (client, q) => (await list (client, { q })).cases.map (c => c.case_id);
  assert.ok ((await found (staffA, String (ids [5]))).includes (ids [5]), "by number");
  assert.ok ((await found (staffA, "#" + ids [5])).includes (ids [5]), "by #number");
  assert.deepEqual (await found (staffA, "王建国"), [ids.report], "staff find only their own");
  assert.deepEqual ((await found (police, "王建国")).sort (), [ids.report, ids.other].sort ());
  assert.deepEqual (await found (staffA, "张三"), [ids [7]], "part of a name");
  assert.deepEqual ((await found (staffA, "zhang san")).sort (), [ids [8]], "letters in any case");
  assert.deepEqual (await found (staffA, "g_san"), [ids [9]], "_ is itself, not any character");
  assert.deepEqual ((await found (staffA, "gz-2021-1")).sort (), [ids [10], ids [11]].sort (),
                    "by reference");
  assert.deepEqual (await found (staffA, "越秀"), [ids [7]], "by city");
  assert.deepEqual (await found (staffA, "王家"), [ids.report], "by the family's name");
  assert.equal ((await list (staffA, { q: "guangzhou relief", limit: 1 })).total, 61, "by station");
  assert.equal ((await list (staffA, { q: "Beijing" })).total, 0, "not another station's");
  assert.equal ((await list (staffA, { q: "  王建国  " })).total, 1, "spaces around are no part");
  const long = await staffA.request ("GET", "/api/v1/cases?q=" + encodeURIComponent ("长".repeat (101)));
  assert.equal (long.status, 400);
  assert.equal ((await staffA.request ("GET", "/api/v1/cases?q=" + "长".repeat (100))).status, 200,
                "100 characters (300 bytes) are within the limit");
});

await test ("filters by kind and state", async () => {
  assert.equal ((await list (staffA, { kind: "missing" })).total, 1);
  assert.equal ((await list (staffA, { kind: "found", limit: 1 })).total, 60);
  const closed = await staffA.request ("POST", `/api/v1/cases/${ids [3]}/close`,
                                       { json: { reason: "left the station" } });
  assert.equal (closed.status, 200);
  const shut = await list (staffA, { state: "closed" });
  assert.deepEqual (shut.cases.map (c => c.case_id), [ids [3]]);
  assert.equal (shut.cases [0].state, "closed");
  assert.match (shut.cases [0].closed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal ((await list (staffA, { state: "open", limit: 1 })).total, 60);
  assert.equal ((await list (staffA, { state: "open", kind: "found", q: "张三" })).total, 1);
  const bad = await staffA.request ("GET", "/api/v1/cases?state=lost");
  assert.equal (bad.status, 400);
});

await test ("a correction answers what changed as data", async () => {
  const r = await staffA.request ("PATCH", `/api/v1/cases/${ids.report}`, { json: {
    province: 44, birth_year: "1948-1952", city: "深圳", family_relation: "" } });
  assert.equal (r.status, 200, JSON.stringify (r.data));
  assert.match (r.data.changes, /province: 11 -> 44/);                 // the text stays
  const by = Object.fromEntries (r.data.change_list.map (c => [c.field, c]));
  assert.deepEqual (by.province, { field: "province", from: 11, to: 44 });
  assert.deepEqual (by.birth_year, { field: "birth_year", from: [1950, 1950], to: [1948, 1952] });
  assert.deepEqual (by.city, { field: "city", from: null, to: "深圳" });
  assert.deepEqual (by.family_relation, { field: "family_relation", from: "儿子", to: null });
  assert.deepEqual (r.data.change_list.map (c => c.field),
                    ["province", "birth_year", "city", "family_relation"]);
});

await test ("the queue answers its total", async () => {
  const q = await police.request ("GET", "/api/v1/queue?limit=1&province=44");
  assert.equal (q.status, 200);
  assert.equal (q.data.total, 0);                   // no photos here: no pairs
  assert.deepEqual (q.data.pairs, []);
});

await serve.stop ();
if (failures) console.log (serve.logText ().slice (-3000));
process.exit (failures ? 1 : 0);
