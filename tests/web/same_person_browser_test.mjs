// The same person twice (issue 27) in headless Chromium (Debian's, driven
// by playwright-core), in Chinese at a station in China (zh-CN,
// Asia/Shanghai): one man registered as found at two stations (two photos
// of him); a police liaison opens 疑似同一人 from the navigation, sees the
// pair with its two records side by side and its reasons in Chinese, and
// decides 是同一人; the pair is then `same` (through the API), leaves the
// pending list, and its side by side shows the faces and no decision
// left; the first record's page names the second as a linked record,
// shows the person across both records with a conflict (a sex corrected
// meanwhile) marked and said in Chinese, and its link opens it; the pair
// fits a 390 px phone. A station's worker sees the pair without a decision
// (two stations' records: a police liaison's). His family's report at
// station A, on a DNA request, is a family to tell (待告知家属): station A's
// worker sees what to say and how to reach them, and records that they
// were told. Screenshots go to $ARTIFACTS.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServe, Client, photo, waitMatched, PASSWORD } from "./harness.mjs";

const artifacts = process.env.ARTIFACTS || "web-artifacts";
mkdirSync (artifacts, { recursive: true });
const serve = await startServe ();
const ZONE = "Asia/Shanghai";
const HAN = /[\u4e00-\u9fff]/;
let browser, page, failed = false;

async function signIn (page, name) {
  await page.getByLabel ("用户名").fill (name);
  await page.getByLabel ("密码").fill (PASSWORD);
  await page.getByRole ("button", { name: "登录" }).click ();
}

async function addFound (client, fields, file) {
  const r = await client.request ("POST", "/api/v1/cases", { json: { kind: "found", sex: "male",
    age: "40-60", consent_basis: "vital_interests", ...fields } });
  assert.equal (r.status, 201, JSON.stringify (r.data));
  const form = new FormData ();
  form.append ("photo", photo (file), "p.jpg");
  const up = await client.request ("POST", `/api/v1/cases/${r.data.case_id}/photos`, { form });
  assert.equal (up.status, 201, JSON.stringify (up.data));
  return r.data.case_id;
}

try {
  // One man found twice: at station A (Guangzhou), a month later at B (Beijing).
  const staffA = new Client (serve.base), staffB = new Client (serve.base);
  const police = new Client (serve.base);
  for (const [c, name] of [[staffA, "staff_a"], [staffB, "staff_b"], [police, "police1"]])
    assert.equal ((await c.login (name, { bearer: true })).status, 200);
  const first = await addFound (staffA, { province: 44, date_found: "2021-06-01" }, "lfw/Bill_Gates/1.jpg");
  const second = await addFound (staffB, { province: 11, date_found: "2021-07-01" }, "lfw/Bill_Gates/2.jpg");
  await waitMatched (staffA, first);
  await waitMatched (staffB, second);
  const [a, b] = first < second ? [first, second] : [second, first];
  const pairPath = `/api/v1/same-person/${a}/${b}`;
  // (suggested once both are matched: in station A's list of pending pairs)
  let suggested = null, list = null;
  for (let i = 0; i < 300 && !suggested; i++) {
    list = await staffA.request ("GET", "/api/v1/same-person?case=" + first);
    suggested = list.status === 200 && list.data.pairs.find (p => p.case_a === a && p.case_b === b);
    if (!suggested) await new Promise (r => setTimeout (r, 100));
  }
  assert.ok (suggested, "the two records are suggested as one person: " + JSON.stringify (list.data) +
             " " + JSON.stringify ((await police.request ("GET", pairPath)).data));
  suggested = (await police.request ("GET", pairPath)).data;
  assert.equal (suggested.state, "pending");
  assert.deepEqual (suggested.allowed, ["same", "different"]);
  const reason = suggested.reasons.find (r => r.code === "faces") || suggested.reasons [0];
  assert.match (reason.text_zh, HAN);

  browser = await chromium.launch ({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  const context = await browser.newContext ({ viewport: { width: 1280, height: 900 },
                                              locale: "zh-CN", timezoneId: ZONE });
  page = await context.newPage ();
  page.on ("pageerror", (e) => { console.log ("page error: " + e); failed = true; });
  const toast = page.locator ("#toast");

  // A station's worker: the pair (the other station's record as facts
  // only), no decision offered.
  await page.goto (serve.base + "/");
  await signIn (page, "staff_a");
  await page.locator ("#nav").getByRole ("link", { name: "疑似同一人" }).click ();
  const staffItem = page.locator (`li.same-pair[data-pair="${a}/${b}"]`);
  await staffItem.waitFor ();
  assert.equal (await staffItem.locator ("button[data-decision]").count (), 0);
  await staffItem.getByText ("两个救助站的记录由公安联络员决定").waitFor ();
  await staffItem.locator (".side.redacted").waitFor ();
  await page.getByRole ("button", { name: "退出" }).click ();
  console.log ("ok   a station sees the pair of two stations' records, without a decision");

  // The police liaison, in Chinese: the suggestion, its reasons in Chinese.
  await signIn (page, "police1");
  await page.locator ("#nav").getByRole ("link", { name: "疑似同一人" }).click ();
  await page.getByRole ("heading", { name: "疑似同一人" }).waitFor ();
  const item = page.locator (`li.same-pair[data-pair="${a}/${b}"]`);
  await item.waitFor ();
  const text = await item.innerText ();
  assert.ok (text.includes (reason.text_zh), `the Chinese reason "${reason.text_zh}" in: ${text}`);
  assert.ok (!text.includes (reason.text), "not the English reason");
  assert.ok (text.includes ("受助人员 #" + a) && text.includes ("受助人员 #" + b), text);
  assert.ok (text.includes ("同一人分数"), text);
  assert.equal (await item.locator (".side").count (), 2, "the two records side by side");
  await page.screenshot ({ path: join (artifacts, "same-01-list.png"), fullPage: true });
  console.log ("ok   a police liaison sees the pair side by side, its reasons in Chinese");

  // 是同一人: linked, through the API; the pending list is empty.
  await item.getByRole ("button", { name: "是同一人", exact: true }).click ();
  await toast.filter ({ hasText: "已关联" }).waitFor ();
  const decided = await police.request ("GET", pairPath);
  assert.equal (decided.status, 200);
  assert.equal (decided.data.state, "same");
  assert.equal (decided.data.decided_by, "police1");
  await page.locator ("ol.same-pairs").getByText ("没有符合条件的记录").waitFor ();
  console.log ("ok   是同一人 links the two records (the pair is now same)");

  // The pair side by side: both faces, decided, no decision left.
  await page.locator ("select[name=state]").selectOption ("same");
  await page.locator (`li.same-pair[data-pair="${a}/${b}"]`).getByRole ("link", { name: "并排比较" }).click ();
  await page.locator ("section.same .pair-state", { hasText: "已关联（同一人）" }).waitFor ();
  const chips = page.locator ("section.same img.chip");
  await chips.nth (1).waitFor ();
  await page.waitForFunction ((els) => els.every (img => img.complete && img.naturalWidth > 0),
                              await chips.elementHandles ());
  await page.getByText ("已经决定。只有管理员可以更改。").waitFor ();
  assert.equal (await page.locator ("button[data-decision]").count (), 0);
  await page.screenshot ({ path: join (artifacts, "same-02-pair.png"), fullPage: true });
  // (on a 390 px phone: one column, nothing wider than the screen)
  await page.setViewportSize ({ width: 390, height: 844 });
  await page.evaluate (() => new Promise (r => requestAnimationFrame (() => requestAnimationFrame (r))));
  const scroll = await page.evaluate (() => document.documentElement.scrollWidth);
  assert.ok (scroll <= 390, `the pair on a phone: the page is ${scroll} px wide on a 390 px screen`);
  await page.screenshot ({ path: join (artifacts, "same-03-phone-pair.png"), fullPage: true });
  await page.setViewportSize ({ width: 1280, height: 900 });
  console.log ("ok   the pair side by side: both faces, decided, no decision left; it fits a phone");

  // The first record's page: the person across both records, in Chinese;
  // the second record's sex corrected to female meanwhile is a conflict,
  // its row marked and the reason said in Chinese.
  const fix = await staffB.request ("PATCH", `/api/v1/cases/${b}`, { json: { sex: "female" } });
  assert.equal (fix.status, 200, JSON.stringify (fix.data));
  await page.goto (serve.base + "/#/case/" + a);
  const linked = page.locator (".notice.linked");
  await linked.getByText ("同一人的其他记录").waitFor ();
  const person = linked.locator (".linked-person");
  await person.getByRole ("heading", { name: "此人在各条记录中的信息" }).waitFor ();
  assert.equal (await person.locator ("thead th[scope=col]").count (), 2, "a column for each record");
  const sexRow = person.locator ("tr.conflict", { hasText: "性别" });
  await sexRow.waitFor ();
  assert.deepEqual ((await sexRow.locator ("td").allInnerTexts ()).map (x => x.trim ()), ["男", "女"]);
  await person.getByText ("性别分别记为男和女").waitFor ();
  assert.equal (await person.locator ("tr.conflict").count (), 1, "only the sex conflicts");
  await page.screenshot ({ path: join (artifacts, "same-04-linked-person.png"), fullPage: true });
  await page.setViewportSize ({ width: 390, height: 844 });
  await page.evaluate (() => new Promise (r => requestAnimationFrame (() => requestAnimationFrame (r))));
  const wide = await page.evaluate (() => document.documentElement.scrollWidth);
  assert.ok (wide <= 390, `the linked person on a phone: the page is ${wide} px wide on a 390 px screen`);
  await page.screenshot ({ path: join (artifacts, "same-04b-linked-person-phone.png"), fullPage: true });
  await page.setViewportSize ({ width: 1280, height: 900 });
  console.log ("ok   a linked record's page shows the person across the records, a conflict marked and said in Chinese");
  await linked.getByRole ("link", { name: "受助人员 #" + b }).click ();
  await page.locator ("main h2", { hasText: new RegExp (`#${b} · `) }).waitFor ();
  const fresh = await police.request ("GET", `/api/v1/cases/${a}`);
  assert.deepEqual (fresh.data.linked, [b]);
  console.log ("ok   the case page links the other record of the same person");

  // His family's report at station A; a DNA request on it: station A's
  // worker finds the family to tell under 待告知家属, what to say in
  // Chinese and how to reach them, and records that they were told.
  const family = (await staffA.request ("POST", "/api/v1/cases", { json: { kind: "missing", sex: "male",
    province: 44, date_last_seen: "2021-05-01", family_name: "盖家", family_relation: "儿子",
    family_contact: "138 0000 5678", consent_basis: "family", consent_by: "儿子" } })).data.case_id;
  const form = new FormData ();
  form.append ("photo", photo ("lfw/Bill_Gates/4.jpg"), "p.jpg");
  assert.equal ((await staffA.request ("POST", `/api/v1/cases/${family}/photos`, { form })).status, 201);
  await waitMatched (staffA, family);
  const cands = await police.request ("GET", `/api/v1/cases/${family}/candidates?limit=50&weaker=1`);
  const him = cands.data.candidates.find (c => c.case_id === a || c.case_id === b);
  assert.ok (him, JSON.stringify (cands.data));
  // The family's pair with the linked man, as the police liaison reviews it:
  // his two records weighed as one, said in Chinese.
  await page.goto (serve.base + `/#/pair/${him.case_id}/${family}`);
  await page.locator ("p.note", { hasText: "受助人员的 2 条关联记录作为同一人比对" }).first ().waitFor ();
  await page.screenshot ({ path: join (artifacts, "same-04c-linked-pair.png"), fullPage: true });
  await page.setViewportSize ({ width: 390, height: 844 });
  await page.evaluate (() => new Promise (r => requestAnimationFrame (() => requestAnimationFrame (r))));
  const pairWide = await page.evaluate (() => document.documentElement.scrollWidth);
  assert.ok (pairWide <= 390, `the linked man's pair on a phone: the page is ${pairWide} px wide on a 390 px screen`);
  await page.screenshot ({ path: join (artifacts, "same-04d-linked-pair-phone.png"), fullPage: true });
  await page.setViewportSize ({ width: 1280, height: 900 });
  console.log ("ok   the family's pair says that the man's two records were weighed as one");
  const dna = await police.request ("POST", "/api/v1/reviews", { json: { case_id: him.case_id,
    candidate: family, state: "dna_requested", dna_ref: "LAB-9" } });
  assert.equal (dna.status, 200, JSON.stringify (dna.data));
  await page.getByRole ("button", { name: "退出" }).click ();
  await signIn (page, "staff_a");
  await page.locator ("#nav").getByRole ("link", { name: "待告知家属" }).click ();
  await page.getByRole ("heading", { name: "待告知家属" }).waitFor ();
  const notice = page.locator (`li.notice-item[data-notice="${family}/${him.case_id}"]`);
  await notice.waitFor ();
  const said = await notice.innerText ();
  assert.ok (said.includes ("公安机关需要家属提供 DNA 样本") && said.includes ("138 0000 5678") &&
             said.includes ("已申请 DNA"), said);
  await page.screenshot ({ path: join (artifacts, "same-05-notices.png"), fullPage: true });
  await page.setViewportSize ({ width: 390, height: 844 });
  await page.evaluate (() => new Promise (r => requestAnimationFrame (() => requestAnimationFrame (r))));
  const narrow = await page.evaluate (() => document.documentElement.scrollWidth);
  assert.ok (narrow <= 390, `the families to tell on a phone: the page is ${narrow} px wide on a 390 px screen`);
  await page.screenshot ({ path: join (artifacts, "same-06-notices-phone.png"), fullPage: true });
  await page.setViewportSize ({ width: 1280, height: 900 });
  await notice.getByLabel ("告知方式（如电话、上门，可不填）").fill ("电话告知儿子");
  await notice.getByRole ("button", { name: "已告知家属" }).click ();
  await toast.filter ({ hasText: "已记下" }).waitFor ();
  await page.locator ("ol.notices").getByText ("没有需要告知的家属").waitFor ();
  const told = await staffA.request ("GET", `/api/v1/notices?state=told&case=${family}`);
  assert.equal (told.data.notices [0].told_by, "staff_a");
  assert.equal (told.data.notices [0].note, "电话告知儿子");
  console.log ("ok   station A's worker tells the family of the DNA request (待告知家属), and records it");
} catch (e) {
  failed = true;
  console.log ("FAIL " + (e.stack || e));
  if (page) await page.screenshot ({ path: join (artifacts, "same-failed.png"), fullPage: true }).catch (() => {});
  console.log (serve.logText ().slice (-4000));
} finally {
  if (browser) await browser.close ();
  await serve.stop ();
}
process.exit (failed ? 1 : 0);
