// The same person twice (issue 27) through the HTTP API, against one real
// `homeward serve`: a wanderer registered at two stations and again at the
// second, suggested as one person with reasons in both languages; who sees
// which pair and another station's record without its personal facts; a
// link by station staff (their own two records) and by a police liaison
// (across stations), refused to the others; one queue item for the linked
// person and their family, a DNA request on it reaching the family's other
// pairs; an administrator's unlink with a reason; an erased record
// unlinked from the others; the audit of it all; a reunion closing the
// person's linked records; one child reported by two relatives, a DNA
// request to be told to both families, each by their own station, and to a
// third relative whose report is linked later; a record like two records
// that cannot be one person, its pairs scored down with the reason in both
// languages, the other suggested once one is decided different.
import assert from "node:assert/strict";
import { startServe, Client, photo, waitMatched } from "./harness.mjs";

const serve = await startServe ({});
const HAN = /[\u4e00-\u9fff]/;
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

async function newCase (client, body, file) {
  const r = await client.request ("POST", "/api/v1/cases", { json: body });
  assert.equal (r.status, 201, JSON.stringify (r.data));
  const form = new FormData ();
  form.append ("photo", photo (file), "p.jpg");
  const u = await client.request ("POST", `/api/v1/cases/${r.data.case_id}/photos`, { form });
  assert.equal (u.status, 201, JSON.stringify (u.data));
  return r.data.case_id;
}
const found = (extra = {}) => ({ kind: "found", sex: "male", province: 44,
  date_found: "2021-06-01", age: "40-60", consent_basis: "vital_interests",
  notes: "speaks Cantonese", ...extra });

// One man found in Guangzhou, then twice in Beijing; a stranger in Beijing;
// his family's report.
const inA = await newCase (staffA, found ({ external_ref: "GZ-7" }), "lfw/Bill_Gates/1.jpg");
const inB = await newCase (staffB, found ({ province: 11, date_found: "2021-09-01" }),
                           "lfw/Bill_Gates/2.jpg");
const inB2 = await newCase (staffB, found ({ province: 11, date_found: "2022-01-10" }),
                            "lfw/Bill_Gates/3.jpg");
const stranger = await newCase (staffB, found ({ province: 11 }), "lfw/Kevin_Spacey/1.jpg");
const family = await newCase (staffB, { kind: "missing", sex: "male", province: 44,
  date_last_seen: "2020-01-02", family_name: "Gates family", family_contact: "138 0000 0000",
  consent_basis: "family", consent_by: "his son" }, "lfw/Bill_Gates/4.jpg");
for (const id of [inA, inB, inB2, stranger, family]) await waitMatched (police, id);

const pairOf = (list, a, b) => list.pairs.find (p =>
  p.case_a === Math.min (a, b) && p.case_b === Math.max (a, b));
const decide = (client, a, b, decision, note) => client.request ("POST",
  `/api/v1/same-person/${a}/${b}`, { json: note ? { decision, note } : { decision } });

await test ("suggested with its reasons in English and Chinese, never the stranger", async () => {
  const r = await police.request ("GET", "/api/v1/same-person");
  assert.equal (r.status, 200, JSON.stringify (r.data));
  const pair = pairOf (r.data, inA, inB);
  assert.ok (pair, JSON.stringify (r.data.pairs.map (p => [p.case_a, p.case_b, p.score])));
  assert.equal (pair.kind, "found");
  assert.equal (pair.state, "pending");
  assert.ok (pair.score >= r.data.floor_found && typeof r.data.floor_missing === "number");
  const faces = pair.reasons.find (x => x.code === "faces");
  assert.ok (faces && faces.text.includes ("apart") && faces.text_zh.includes ("面部距离"));
  assert.ok (pair.reasons.some (x => x.code === "dates" && x.text_zh.includes ("相隔")));
  // Two provinces count neither way for a wanderer.
  const province = pair.reasons.find (x => x.code === "province");
  assert.equal (province.verdict, "neutral");
  assert.ok (province.text_zh.startsWith ("分别在广东和北京被发现，相距"), province.text_zh);
  assert.deepEqual (pair.allowed, ["same", "different"]);
  assert.ok (pairOf (r.data, inB, inB2));
  for (const id of [inA, inB, inB2])
    assert.equal (pairOf (r.data, id, stranger), undefined);
  // Never in the family queue.
  const queue = await police.request ("GET", "/api/v1/queue?limit=500");
  assert.ok (!queue.data.pairs.some (p => p.found_case === inA && p.missing_case === inB));
});

await test ("staff see the pairs of their station, another station's record without its personal facts", async () => {
  const r = await staffA.request ("GET", "/api/v1/same-person");
  assert.equal (r.status, 200);
  const pair = pairOf (r.data, inA, inB);
  assert.ok (pair);
  assert.equal (pairOf (r.data, inB, inB2), undefined);
  const mine = pair.a.case_id === inA ? pair.a : pair.b, theirs = pair.a.case_id === inA ? pair.b : pair.a;
  assert.equal (mine.notes, "speaks Cantonese");
  assert.equal (theirs.redacted, true);
  assert.equal (theirs.notes, undefined);
  assert.equal (theirs.sex, "male");
  // Decided across stations by a police liaison, not by either station.
  assert.deepEqual (pair.allowed, []);
  assert.equal ((await decide (staffA, inA, inB, "same")).status, 403);
  assert.equal ((await staffA.request ("GET", `/api/v1/same-person/${inB}/${inB2}`)).status, 403);
  assert.equal ((await staffA.request ("GET", `/api/v1/same-person/${inA}/${inB}`)).status, 200);
  // The other station's record itself: its facts, not its photos or notes.
  const other = await staffA.request ("GET", `/api/v1/cases/${inB}`);
  assert.equal (other.status, 200, JSON.stringify (other.data));
  assert.equal (other.data.redacted, true);
  assert.equal (other.data.notes, undefined);
  assert.equal (other.data.photo_list, undefined);
});

await test ("a station links its own two records; a police liaison links across stations", async () => {
  assert.equal ((await decide (staffB, inB, inB2, "maybe")).status, 400);
  const own = await decide (staffB, inB, inB2, "same");
  assert.equal (own.status, 200, JSON.stringify (own.data));
  assert.equal (own.data.state, "same");
  assert.equal (own.data.decided_by, "staff_b");
  assert.equal ((await decide (staffB, inB, inB2, "same")).status, 403);
  const across = await decide (police, inA, inB, "same");
  assert.equal (across.status, 200, JSON.stringify (across.data));
  assert.equal ((await decide (police, inA, inB, "different", "no")).status, 403);
  const c = await staffA.request ("GET", `/api/v1/cases/${inA}`);
  assert.deepEqual (c.data.linked.sort (), [inB, inB2].sort ());
  // Linked pairs leave the pending list.
  const r = await police.request ("GET", "/api/v1/same-person");
  assert.equal (pairOf (r.data, inA, inB), undefined);
  const all = await police.request ("GET", "/api/v1/same-person?state=same");
  assert.ok (pairOf (all.data, inA, inB) && pairOf (all.data, inB, inB2));
});

await test ("a linked record's page: the person across the records, as each reader may see them, and their conflicts", async () => {
  const page = await police.request ("GET", `/api/v1/cases/${inA}`);
  assert.equal (page.status, 200, JSON.stringify (page.data));
  assert.deepEqual (page.data.linked_records.map (r => r.case_id), [inA, ...[inB, inB2].sort ((x, y) => x - y)]);
  assert.equal (page.data.linked_records [1].notes, "speaks Cantonese");
  assert.deepEqual (page.data.linked_conflicts, []);
  // Station A's worker: station B's records without their personal facts.
  const mine = await staffA.request ("GET", `/api/v1/cases/${inA}`);
  assert.equal (mine.data.linked_records [0].notes, "speaks Cantonese");
  for (const r of mine.data.linked_records.slice (1)) {
    assert.equal (r.redacted, true);
    assert.equal (r.notes, undefined);
    assert.equal (r.sex, "male");
  }
  // A sex recorded two ways and years of birth that cannot meet: conflicts
  // of each two records that disagree, said in both languages.
  const fix = await staffB.request ("PATCH", `/api/v1/cases/${inB2}`, { json: { sex: "female", age: "18-20" } });
  assert.equal (fix.status, 200, JSON.stringify (fix.data));
  const now = (await staffA.request ("GET", `/api/v1/cases/${inA}`)).data;
  const pairs = now.linked_conflicts.map (k => [k.case_a, k.case_b].sort ((x, y) => x - y).join ("/"));
  assert.deepEqual (pairs.sort (), [[inA, inB2], [inB, inB2]].map (p => p.sort ((x, y) => x - y).join ("/")).sort (),
                    JSON.stringify (now.linked_conflicts));
  for (const k of now.linked_conflicts) {
    assert.deepEqual (k.reasons.map (r => r.code).sort (), ["age", "sex"]);
    const sex = k.reasons.find (r => r.code === "sex");
    assert.equal (sex.verdict, "conflicts");
    assert.ok (sex.text.includes ("male and female") || sex.text.includes ("female and male"), sex.text);
    assert.ok (sex.text_zh.startsWith ("性别分别记为"), sex.text_zh);
  }
  // What the page showed of the other records is audited (the first time a
  // reader sees them: an administrator here, who has seen none yet).
  assert.equal ((await admin.request ("GET", `/api/v1/cases/${inA}`)).status, 200);
  const audit = await admin.request ("GET", "/api/v1/audit?limit=200");
  const read = audit.data.entries.find (e => e.actor === "admin1" && e.action === "case.read"
    && e.object === `case ${inA}`);
  assert.ok (read && [inB, inB2].every (id => new RegExp (`\\b${id}\\b`).test (read.detail)),
             JSON.stringify (read));
  // Matched as one person, its records' facts merged: the correction of
  // one record matches the others again, and with two sexes recorded none
  // is weighed, not even station A's own "male" (issue 27).
  const facts = async (record = inA) => {
    for (const id of [inA, inB, inB2]) await waitMatched (police, id);
    const pair = await police.request ("GET", `/api/v1/pairs/${record}/${family}`);
    assert.equal (pair.status, 200, JSON.stringify (pair.data));
    const ex = pair.data.pair.explanation;
    assert.deepEqual (ex.linked_records, { found: 3, missing: 1 }, JSON.stringify (ex));
    return Object.fromEntries (ex.facts.map (f => [f.fact, f]));
  };
  assert.equal ((await facts ()).sex.verdict, "unknown");
  const back = await staffB.request ("PATCH", `/api/v1/cases/${inB2}`, { json: { sex: "male", age: "40-60" } });
  assert.equal (back.status, 200, JSON.stringify (back.data));
  assert.deepEqual ((await police.request ("GET", `/api/v1/cases/${inA}`)).data.linked_conflicts, []);
  assert.equal ((await facts ()).sex.verdict, "agrees");
  // Station B's record (found in Beijing on 2021-09-01) as the family's
  // pair weighs it: the person was first found on 2021-06-01 in Guangdong,
  // the family's home province.
  const b = await facts (inB);
  assert.equal (b.dates.values.found, "2021-06-01");
  assert.equal (b.province.values.found, 44);
});

await test ("one queue item for the person and the family; a DNA request reaches every record", async () => {
  for (const id of [inA, inB, inB2]) await waitMatched (police, id);
  const queue = await police.request ("GET", "/api/v1/queue?limit=500");
  const his = queue.data.pairs.filter (p => p.missing_case === family
    && [inA, inB, inB2].includes (p.found_case));
  assert.equal (his.length, 1, JSON.stringify (queue.data.pairs.map (p => [p.found_case, p.missing_case])));
  const shown = his [0];
  const dna = await police.request ("POST", "/api/v1/reviews", { json: { case_id: shown.found_case,
    candidate: family, state: "dna_requested", dna_ref: "LAB-1" } });
  assert.equal (dna.status, 200, JSON.stringify (dna.data));
  let requested = 0;
  for (const id of [inA, inB, inB2]) {
    const pair = await police.request ("GET", `/api/v1/pairs/${id}/${family}`);
    if (pair.status === 200) assert.equal (pair.data.pair.state, "dna_requested", String (id));
    requested += pair.status === 200;
  }
  assert.ok (requested >= 2, `${requested} of the person's records paired with the family`);
});

await test ("an administrator unlinks with a reason; the audit log has it all", async () => {
  assert.equal ((await decide (admin, inA, inB, "different")).status, 400);
  const r = await decide (admin, inA, inB, "different", "two brothers, DNA says so");
  assert.equal (r.status, 200, JSON.stringify (r.data));
  assert.equal (r.data.state, "different");
  assert.deepEqual ((await admin.request ("GET", `/api/v1/cases/${inA}`)).data.linked, []);
  assert.deepEqual ((await admin.request ("GET", `/api/v1/cases/${inB}`)).data.linked, [inB2]);
  // The export of a record shows its pairs and links.
  const exp = await admin.request ("GET", `/api/v1/cases/${inB}/export`);
  assert.equal (exp.status, 200);
  const held = exp.data.same_person.find (p => p.case_a === Math.min (inA, inB) && p.case_b === Math.max (inA, inB));
  assert.equal (held.state, "different");
  assert.equal (held.note, "two brothers, DNA says so");
  assert.deepEqual (exp.data.case.linked, [inB2]);
  const audit = await admin.request ("GET", "/api/v1/audit?limit=500");
  const actions = audit.data.entries.map (e => e.action);
  for (const a of ["same_person.link", "same_person.unlink"])
    assert.ok (actions.includes (a), a);
  // The reason stays with the pair (an erasure reaches it), not in the log;
  // the second record's own audit (in its export) has the decision too.
  const unlink = audit.data.entries.find (e => e.action === "same_person.unlink");
  assert.equal (unlink.detail, "same -> different (with a note)");
  assert.ok (exp.data.audit.some (e => e.action === "same_person.unlink"), JSON.stringify (exp.data.audit));
  assert.ok (audit.data.entries.some (e => e.action === "refused"
    && (e.object || "").includes (`case ${inA} / case ${inB}`)));
});

await test ("an erased record leaves its person's other records, unlinked", async () => {
  const erase = await admin.request ("POST", `/api/v1/cases/${inB2}/erase`,
    { json: { reason: "consent withdrawn" } });
  assert.equal (erase.status, 202, JSON.stringify (erase.data));
  let c;
  for (let i = 0; i < 100; i++) {
    c = (await admin.request ("GET", `/api/v1/cases/${inB2}`)).data;
    if (c.erased) break;
    await new Promise (r => setTimeout (r, 200));
  }
  assert.equal (c.erased, "all");
  const other = await admin.request ("GET", `/api/v1/cases/${inB}`);
  assert.equal (other.data.state, "open");
  assert.deepEqual (other.data.linked, []);
  const all = await police.request ("GET", "/api/v1/same-person?state=all");
  assert.equal (pairOf (all.data, inB, inB2), undefined);
});

await test ("a reunion closes the person's linked records with it", async () => {
  const relink = await decide (admin, inA, inB, "same", "the brothers were one man after all");
  assert.equal (relink.status, 200, JSON.stringify (relink.data));
  const confirm = await police.request ("POST", "/api/v1/reviews", { json: { case_id: inB,
    candidate: family, state: "confirmed", note: "DNA matched (LAB-1)" } });
  assert.equal (confirm.status, 200, JSON.stringify (confirm.data));
  const reunite = await police.request ("POST", "/api/v1/reviews", { json: { case_id: inB,
    candidate: family, state: "reunited", note: "taken home by his son" } });
  assert.equal (reunite.status, 200, JSON.stringify (reunite.data));
  const other = (await admin.request ("GET", `/api/v1/cases/${inA}`)).data;
  assert.equal (other.state, "closed");
  assert.ok (other.closed_reason.includes (`case ${inB}`), other.closed_reason);
});

await test ("one child reported by two relatives: a DNA request is to be told to both, each by their own station", async () => {
  const report = (client, extra, file) => newCase (client, { kind: "missing", sex: "male",
    province: 44, date_last_seen: "2019-03-02", consent_basis: "family", ...extra }, file);
  const mother = await report (staffA, { family_name: "Mother", family_relation: "mother",
    family_contact: "138 1111 1111", consent_by: "his mother" }, "lfw/Li_Zhaoxing/1.jpg");
  const grandpa = await report (staffB, { family_name: "Grandfather", family_relation: "grandfather",
    family_contact: "139 2222 2222", consent_by: "his grandfather" }, "lfw/Li_Zhaoxing/2.jpg");
  const man = await newCase (staffB, found ({ province: 11, date_found: "2021-09-01", age: "60-80" }),
                             "lfw/Li_Zhaoxing/3.jpg");
  for (const id of [mother, grandpa, man]) await waitMatched (police, id);
  const linked = await decide (police, mother, grandpa, "same");
  assert.equal (linked.status, 200, JSON.stringify (linked.data));
  for (const id of [mother, grandpa, man]) await waitMatched (police, id);
  // Nothing to tell yet; then a DNA request on the pair of one report.
  const none = await police.request ("GET", `/api/v1/notices?case=${man}`);
  assert.equal (none.status, 200, JSON.stringify (none.data));
  assert.deepEqual (none.data.notices, []);
  const candidates = await police.request ("GET", `/api/v1/cases/${man}/candidates?limit=50&weaker=1`);
  const pair = candidates.data.candidates.find (c => [mother, grandpa].includes (c.case_id));
  assert.ok (pair, JSON.stringify (candidates.data));
  const dna = await police.request ("POST", "/api/v1/reviews", { json: { case_id: man,
    candidate: pair.case_id, state: "dna_requested", dna_ref: "LAB-7" } });
  assert.equal (dna.status, 200, JSON.stringify (dna.data));
  // Both relatives are to hear of it, whichever report it was decided on.
  const all = await police.request ("GET", `/api/v1/notices?case=${man}`);
  assert.deepEqual (all.data.notices.map (n => n.missing_case).sort ((x, y) => x - y),
                    [mother, grandpa].sort ((x, y) => x - y));
  for (const n of all.data.notices) {
    assert.equal (n.decision, "dna_requested");
    assert.equal (n.found_case, man);
    assert.ok (n.text.includes ("DNA sample") && n.text_zh.includes ("DNA 样本"), n.text_zh);
    assert.deepEqual (n.allowed, ["told"]);
    assert.equal (n.told_at, undefined);
  }
  // Each station sees its own report's family, whole; not the other's.
  const mine = (await staffA.request ("GET", "/api/v1/notices")).data.notices.filter (n => n.found_case === man);
  assert.deepEqual (mine.map (n => n.missing_case), [mother]);
  assert.equal (mine [0].report.family_contact, "138 1111 1111");
  assert.equal (mine [0].found.redacted, true);
  const theirs = (await staffB.request ("GET", "/api/v1/notices")).data.notices.filter (n => n.found_case === man);
  assert.deepEqual (theirs.map (n => n.missing_case), [grandpa]);
  // Told by the report's station, once; not by the other station.
  assert.equal ((await staffA.request ("POST", `/api/v1/notices/${grandpa}/${man}`, { json: {} })).status, 403);
  const told = await staffA.request ("POST", `/api/v1/notices/${mother}/${man}`,
    { json: { note: "phoned the mother; she gives a sample on Monday" } });
  assert.equal (told.status, 200, JSON.stringify (told.data));
  assert.equal (told.data.told_by, "staff_a");
  assert.deepEqual (told.data.allowed, []);
  const again = await staffA.request ("POST", `/api/v1/notices/${mother}/${man}`, { json: {} });
  assert.equal (again.status, 409, JSON.stringify (again.data));
  assert.ok (HAN.test (again.data.error.messages ["zh-CN"] || again.data.error.message_zh || ""), JSON.stringify (again.data));
  assert.equal ((await staffA.request ("POST", `/api/v1/notices/${mother}/${mother}`, { json: {} })).status, 404);
  const left = (await police.request ("GET", `/api/v1/notices?case=${man}`)).data.notices;
  assert.deepEqual (left.map (n => n.missing_case), [grandpa]);
  const done = (await staffA.request ("GET", "/api/v1/notices?state=told")).data.notices;
  assert.equal (done.find (n => n.missing_case === mother).note, "phoned the mother; she gives a sample on Monday");
  // The report's export holds what its family was told, and how.
  const exp = await staffA.request ("GET", `/api/v1/cases/${mother}/export`);
  assert.equal (exp.status, 200, JSON.stringify (exp.data));
  assert.deepEqual (exp.data.notices.map (n => [n.found_case, n.decision, n.told_by, n.note]),
                    [[man, "dna_requested", "staff_a", "phoned the mother; she gives a sample on Monday"]]);
  const audit = await admin.request ("GET", "/api/v1/audit?limit=100");
  assert.ok (audit.data.entries.some (e => e.action === "family.told" && e.actor === "staff_a"
    && e.object === `found ${man} / missing ${mother}` && e.detail === "told of dna_requested"),
    "the telling audited (how they were told stays out of the log)");
  // The found person's export (station B's) says the mother's family was
  // told, not how.
  const his = await staffB.request ("GET", `/api/v1/cases/${man}/export`);
  assert.equal (his.status, 200, JSON.stringify (his.data));
  const hisNotice = his.data.notices.find (n => n.missing_case === mother);
  assert.equal (hisNotice.told_by, "staff_a");
  assert.equal (hisNotice.note, undefined);
  // An aunt's report, linked later: her family hears of the DNA test under way.
  const aunt = await report (staffB, { family_name: "Aunt", family_relation: "aunt",
    family_contact: "137 3333 3333", consent_by: "his aunt" }, "lfw/Li_Zhaoxing/4.jpg");
  await waitMatched (police, aunt);
  const third = await decide (police, mother, aunt, "same");
  assert.equal (third.status, 200, JSON.stringify (third.data));
  const hers = (await police.request ("GET", `/api/v1/notices?case=${aunt}`)).data.notices;
  assert.deepEqual (hers.map (n => [n.missing_case, n.found_case, n.decision, n.decided_by]),
                    [[aunt, man, "dna_requested", "police1"]]);
  // (the mother, told already, is not asked to be told again)
  assert.deepEqual ((await police.request ("GET", `/api/v1/notices?case=${man}`)).data.notices
    .map (n => n.missing_case).sort ((x, y) => x - y), [grandpa, aunt].sort ((x, y) => x - y));
  // The DNA test matched: every family is to hear again.
  const confirm = await police.request ("POST", "/api/v1/reviews", { json: { case_id: man,
    candidate: pair.case_id, state: "confirmed", note: "DNA matched (LAB-7)" } });
  assert.equal (confirm.status, 200, JSON.stringify (confirm.data));
  const now = (await police.request ("GET", `/api/v1/notices?case=${man}`)).data.notices;
  assert.deepEqual (now.map (n => n.decision), ["confirmed", "confirmed", "confirmed"]);
  // (one person, one family group: both reports' pairs confirmed together)
  for (const id of [mother, grandpa]) {
    const p = await police.request ("GET", `/api/v1/pairs/${man}/${id}`);
    if (p.status === 200) assert.equal (p.data.pair.state, "confirmed", String (id));
  }
  // The aunt's report unlinked by an administrator (another child after
  // all): her family is no longer to hear of the confirmation.
  const apart = await decide (admin, mother, aunt, "different", "her nephew is another boy");
  assert.equal (apart.status, 200, JSON.stringify (apart.data));
  assert.deepEqual ((await police.request ("GET", `/api/v1/notices?case=${aunt}`)).data.notices, []);
  assert.deepEqual ((await police.request ("GET", `/api/v1/notices?case=${man}`)).data.notices
    .map (n => n.missing_case).sort ((x, y) => x - y), [mother, grandpa].sort ((x, y) => x - y));
});

await test ("a record like two that cannot be one person: both its pairs scored down, saying why", async () => {
  // One man's photos at three records; two of them found the same day in
  // Jiangsu and in Xinjiang, a man and a woman (two people, then), so the
  // first record, of no known sex, is at most one of them: each of its
  // pairs is the other's rival.
  const more = (sex, province, date) => found ({ sex, province, date_found: date,
                                                 age: "60-80" });
  const r = await newCase (staffA, more ("unknown", 32, "2023-03-01"), "lfw/Clint_Eastwood/4.jpg");
  const p = await newCase (staffA, more ("male", 32, "2023-05-01"), "lfw/Clint_Eastwood/2.jpg");
  const q = await newCase (staffB, more ("female", 65, "2023-05-01"), "lfw/Clint_Eastwood/3.jpg");
  for (const id of [r, p, q]) await waitMatched (police, id);
  const list = await police.request ("GET", `/api/v1/same-person?case=${r}`);
  assert.equal (list.status, 200, JSON.stringify (list.data));
  const shown = list.data.pairs.map (x => [x.case_a, x.case_b, x.score]);
  // The stronger (faces 0.37 apart) is suggested, scored down and saying
  // by how much; the weaker falls below the floor.
  assert.equal (list.data.pairs.length, 1, JSON.stringify (shown));
  const rq = pairOf (list.data, r, q);
  assert.ok (rq, JSON.stringify (shown));
  const faces = rq.reasons.find (x => x.code === "faces");
  const alike = rq.reasons.find (x => x.code === "look_alikes");
  assert.ok (alike && alike.verdict === "conflicts" && alike.effect < -1, JSON.stringify (rq.reasons));
  assert.ok (rq.score < faces.effect + alike.effect + 1 && rq.score >= list.data.floor_found);
  assert.ok (alike.text.includes ("resembles other records") && alike.text_zh.includes ("还与其他记录相似"));
  // Decided not the same person: the other pair rises to the list.
  assert.equal ((await decide (police, r, q, "different")).status, 200);
  const after = await police.request ("GET", `/api/v1/same-person?case=${r}`);
  const rp = pairOf (after.data, r, p);
  assert.ok (rp && rp.score >= after.data.floor_found,
             JSON.stringify (after.data.pairs.map (x => [x.case_a, x.case_b, x.score])));
});

await serve.stop ();
if (failures) {
  console.log (serve.logText ().slice (-4000));
  process.exit (1);
}
