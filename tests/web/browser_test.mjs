// The web app in headless Chromium (Debian's, driven by playwright-core):
// a station worker signs in, registers a person found, uploads a photo and
// sees the right family first; a police liaison signs in and confirms it.
// Screenshots go to $ARTIFACTS.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServe, Client, photo, waitMatched, DATA, PASSWORD } from "./harness.mjs";

const artifacts = process.env.ARTIFACTS || "web-artifacts";
mkdirSync (artifacts, { recursive: true });
const serve = await startServe ();
let browser, failed = false;
try {
  // A family's report filed at another station, through the API.
  const other = new Client (serve.base);
  assert.equal ((await other.login ("staff_b", { bearer: true })).status, 200);
  const report = await other.request ("POST", "/api/v1/cases", { json: {
    kind: "missing", sex: "female", province: 11, date_last_seen: "2020-01-02",
    family_name: "Radcliffe family", family_relation: "daughter", consent_basis: "family",
    consent_by: "Radcliffe family" } });
  const form = new FormData ();
  form.append ("photo", photo ("lfw/Paula_Radcliffe/1.jpg"), "p.jpg");
  await other.request ("POST", `/api/v1/cases/${report.data.case_id}/photos`, { form });
  for (const name of ["Bill_Gates", "Kevin_Spacey", "Liza_Minnelli"]) {
    const made = await other.request ("POST", "/api/v1/cases", { json: {
      kind: "missing", sex: "unknown", province: 11, family_name: name + " family",
      consent_basis: "family", consent_by: name + " family" } });
    const f = new FormData ();
    f.append ("photo", photo (`lfw/${name}/1.jpg`), "x.jpg");
    await other.request ("POST", `/api/v1/cases/${made.data.case_id}/photos`, { form: f });
    await waitMatched (other, made.data.case_id);
  }
  await waitMatched (other, report.data.case_id);

  browser = await chromium.launch ({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  const page = await browser.newPage ({ viewport: { width: 1280, height: 900 } });
  page.on ("pageerror", (e) => { console.log ("page error: " + e); failed = true; });

  // Station staff, in Chinese (the default).
  await page.goto (serve.base + "/");
  await page.getByLabel ("用户名").fill ("staff_a");
  await page.getByLabel ("密码").fill (PASSWORD);
  await page.getByRole ("button", { name: "登录" }).click ();
  await page.getByRole ("link", { name: "登记受助人员" }).click ();
  await page.getByLabel ("性别").selectOption ("female");
  await page.getByLabel ("省份").fill ("44");
  await page.getByLabel ("发现日期").fill ("2021-06-01");
  await page.getByLabel ("估计年龄（如 60-70）").fill ("40-60");
  await page.getByLabel ("同意依据").selectOption ("vital_interests");
  await page.screenshot ({ path: join (artifacts, "1-staff-new-case.png"), fullPage: true });
  await page.getByRole ("button", { name: "保存" }).click ();
  await page.waitForURL (/#\/case\/\d+/);
  await page.locator ("input[type=file]").setInputFiles (join (DATA, "lfw/Paula_Radcliffe/2.jpg"));
  const first = page.locator ("ol.candidates > li.candidate").first ();
  await first.waitFor ({ timeout: 120000 });
  await page.waitForFunction (() => !document.querySelector (".status")?.textContent, null,
                              { timeout: 120000 });
  const text = await page.locator ("ol.candidates > li.candidate").first ().innerText ();
  assert.match (text, /Radcliffe family/, "the right family is first");
  assert.match (text, /性别: 一致 均为女/);
  assert.match (text, /户籍 11/);
  assert.match (text, /得此评分的候选家庭(约|超过|不到) \d+% 确为亲属/, "the score in plain words");
  assert.ok (await page.locator ("ul.faces img.chip").count () >= 1, "the detected face is shown");
  assert.match (await page.locator ("ul.faces li.face").first ().innerText (), /靠近重拍/,
                "advice for a small face of a person found: retake closer");
  // A fact corrected from the case page: said back, and in the trail.
  await page.getByText ("更正信息").click ();
  await page.locator ("form.facts-form input[name=age]").fill ("45-55");
  await page.getByRole ("button", { name: "保存更正" }).click ();
  await page.locator ("#toast", { hasText: "age: 40-60 -> 45-55" }).waitFor ();
  await page.locator ("ol.candidates > li.candidate").first ().waitFor ({ timeout: 120000 });
  assert.ok (await page.locator ("ol.candidates img.chip").first ().evaluate (img => img.naturalWidth > 0),
             "face crops side by side load");
  await page.screenshot ({ path: join (artifacts, "2-staff-candidates.png"), fullPage: true });

  // English, and keyboard: the language switch and the sign-out are buttons.
  await page.getByRole ("button", { name: "English" }).click ();
  await page.getByRole ("heading", { name: "Candidate families" }).waitFor ();
  await page.getByRole ("button", { name: "Sign out" }).click ();

  // Police liaison: the queue, the pair, confirm.
  await page.getByLabel ("User name").fill ("police1");
  await page.getByLabel ("Password").fill (PASSWORD);
  await page.keyboard.press ("Enter");
  await page.getByRole ("heading", { name: "Review queue" }).waitFor ();
  await page.screenshot ({ path: join (artifacts, "3-police-queue.png"), fullPage: true });
  await page.locator ("ol.candidates a").first ().click ();
  await page.getByRole ("button", { name: "Confirm" }).waitFor ();
  await page.getByLabel ("Note").fill ("faces and facts agree; DNA sample next");
  await page.getByRole ("button", { name: "Confirm" }).click ();
  await page.locator ("ol.trail li", { hasText: "confirmed" }).waitFor ();
  const trail = await page.locator ("ol.trail").innerText ();
  assert.match (trail, /police1 · confirmed · faces and facts agree/);
  await page.screenshot ({ path: join (artifacts, "4-police-confirmed.png"), fullPage: true });

  // A tablet-sized screen still shows the pair.
  await page.setViewportSize ({ width: 820, height: 1180 });
  await page.screenshot ({ path: join (artifacts, "5-tablet.png"), fullPage: true });
  console.log ("ok   staff finds the family; police confirms (screenshots in " + artifacts + ")");

  // A healthy service shows no banner; one whose data disk is below its
  // reserve (a reserve larger than any disk) says so on every page.
  assert.equal (await page.locator ("#banner").isHidden (), true, "no banner when healthy");
  const low = await startServe ({ extra: ["--disk-reserve-mb", "100000000"] });
  try {
    const lowPage = await browser.newPage ({ viewport: { width: 1280, height: 900 } });
    await lowPage.goto (low.base + "/");
    await lowPage.locator ("#banner", { hasText: "数据盘剩余空间不足" }).waitFor ({ timeout: 30000 });
    await lowPage.screenshot ({ path: join (artifacts, "6-disk-low-banner.png"), fullPage: true });
  } finally {
    await low.stop ();
  }
  console.log ("ok   the banner says when the data disk is below its reserve");
} catch (e) {
  failed = true;
  console.log ("FAIL " + (e.stack || e));
  console.log (serve.logText ().slice (-4000));
} finally {
  if (browser) await browser.close ();
  await serve.stop ();
}
process.exit (failed ? 1 : 0);
