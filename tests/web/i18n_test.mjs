// Server messages in the language asked for: through a real `homeward
// serve`, errors of the gateway, of the results service and of uploads come
// in Chinese with `Accept-Language: zh-CN` and in English without it, each
// with both texts (error.messages); the web app asks in its own language.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServe, Client, HOMEWARD, PASSWORD } from "./harness.mjs";

const serve = await startServe ();
let failures = 0;
async function test (name, fn) {
  try { await fn (); console.log ("ok   " + name); }
  catch (e) { failures++; console.log ("FAIL " + name + ": " + (e.stack || e)); }
}

const ZH = { "Accept-Language": "zh-CN" };
const HAN = /[\u4e00-\u9fff]/;

// The same request in Chinese and in English: the error of each, checked for
// its shape: code kept, message in the language asked, both texts given,
// the Chinese a translation (not "<the code's Chinese>：<the English>").
async function both (client, method, path, options = {}) {
  const zh = await client.request (method, path, { ...options, headers: { ...ZH, ...(options.headers || {}) } });
  const en = await client.request (method, path, options);
  assert.equal (zh.status, en.status, `${method} ${path}: the status does not depend on the language`);
  for (const r of [zh, en]) {
    assert.ok (r.data && r.data.error, `${method} ${path}: an error`);
    assert.equal (typeof r.data.error.code, "string");
    assert.equal (r.data.error.messages ["zh-CN"], zh.data.error.messages ["zh-CN"]);
    assert.equal (r.data.error.messages.en, en.data.error.message);
  }
  assert.equal (zh.data.error.code, en.data.error.code);
  assert.equal (zh.data.error.message, zh.data.error.messages ["zh-CN"]);
  assert.match (zh.data.error.message, HAN, "the Chinese is Chinese");
  assert.doesNotMatch (en.data.error.message, HAN, "the English is English");
  assert.ok (!zh.data.error.message.includes (en.data.error.message),
             `"${zh.data.error.message}" is the English with the code's Chinese: ` +
             `add its row to libmatch/base/mt_text_catalog.c`);
  return { zh, en, status: zh.status, code: zh.data.error.code,
           zhText: zh.data.error.message, enText: en.data.error.message };
}

const anon = new Client (serve.base);
const staff = new Client (serve.base);
assert.equal ((await staff.login ("staff_a")).status, 200);

await test ("the gateway's own errors: sign in first, 404, CSRF, not JSON", async () => {
  const r = await both (anon, "GET", "/api/v1/cases");
  assert.equal (r.status, 401);
  assert.equal (r.code, "unauthenticated");
  assert.equal (r.enText, "sign in first");
  assert.equal (r.zhText, "请先登录");
  const nf = await both (staff, "GET", "/api/v1/cases/abc");
  assert.equal (nf.status, 404);
  assert.equal (nf.zhText, "没有这个案件");
  const file = await both (anon, "GET", "/no-such-file.js");
  assert.equal (file.status, 404);
  const csrf = await both (staff, "POST", "/api/v1/cases", { json: {}, headers: { "X-CSRF-Token": "wrong" } });
  assert.equal (csrf.status, 403);
  assert.equal (csrf.code, "csrf");
  // A message framed around a library's text: the frame in Chinese.
  const bad = await staff.request ("POST", "/api/v1/cases", {
    headers: { ...ZH, "Content-Type": "application/json" }, form: "{not json" });
  assert.equal (bad.status, 400);
  assert.equal (bad.data.error.code, "malformed_json");
  assert.match (bad.data.error.message, /^请求内容不是有效的 JSON：/);
});

await test ("the results service's errors: a case's facts checked, a case not found", async () => {
  const date = await both (staff, "POST", "/api/v1/cases", { json: {
    kind: "found", sex: "male", province: 44, date_found: "2021-02-30",
    consent_basis: "vital_interests" } });
  assert.equal (date.status, 400);
  assert.equal (date.enText, "date found '2021-02-30' is not a real day");
  assert.equal (date.zhText, "发现日期 '2021-02-30' 不是真实存在的日期");
  const minor = await both (staff, "POST", "/api/v1/cases", { json: {
    kind: "found", sex: "male", province: 44, age: "8-10", consent_basis: "vital_interests" } });
  assert.match (minor.zhText, /未成年人/);
  const type = await both (staff, "POST", "/api/v1/cases", { json: {
    kind: "found", notes: 5, consent_basis: "vital_interests" } });
  assert.equal (type.zhText, "备注必须是文字");
  const none = await both (staff, "GET", "/api/v1/cases/999999");
  assert.equal (none.status, 404);
  assert.equal (none.zhText, "没有编号为 999999 的案件");
});

await test ("lengths are counted in characters, and text must be UTF-8", async () => {
  const base = { kind: "found", sex: "male", province: 44, date_found: "2021-02-01",
                 consent_basis: "vital_interests" };
  // 500 Chinese characters (1500 bytes) are within the limit; 501 are not.
  const ok = await staff.request ("POST", "/api/v1/cases", { json: { ...base, notes: "备".repeat (500),
    station: "广州市救助管理站".repeat (15), city: "广".repeat (60) } });
  assert.equal (ok.status, 201, JSON.stringify (ok.data));
  const back = await staff.request ("GET", `/api/v1/cases/${ok.data.case_id}`);
  assert.equal (back.data.notes, "备".repeat (500));
  assert.equal (back.data.city, "广".repeat (60));
  const long = await both (staff, "POST", "/api/v1/cases", { json: { ...base, notes: "备".repeat (501) } });
  assert.equal (long.status, 400);
  assert.equal (long.enText, "notes is longer than 500 characters");
  assert.equal (long.zhText, "备注超过 500 个字");
  const feat = await both (staff, "POST", "/api/v1/cases", { json: { ...base, features: "x".repeat (251) } });
  assert.equal (feat.zhText, "体貌特征超过 250 个字");
  // Bytes that are not UTF-8: refused as what they are, in Chinese too.
  const bytes = Buffer.concat ([Buffer.from ('{"kind":"found","notes":"'), Buffer.from ([0xb1, 0xb8]),
                                Buffer.from ('"}')]);                    // 备 in GBK
  const bad = await staff.request ("POST", "/api/v1/cases", {
    headers: { ...ZH, "Content-Type": "application/json" }, form: bytes });
  assert.equal (bad.status, 400);
  assert.equal (bad.data.error.code, "malformed_json");
  assert.match (bad.data.error.message, /^请求内容不是有效的 JSON：/);
  // An import saved as GBK (as spreadsheets often save it): each row refused,
  // saying why, instead of cases that silently lose their Chinese.
  const csv = join (serve.dir, "gbk.csv");
  writeFileSync (csv, Buffer.concat ([
    Buffer.from ("ref,kind,sex,province,date_found,consent_basis,notes\n"),
    Buffer.from ("g1,found,male,44,2021-02-01,vital_interests,"), Buffer.from ([0xb1, 0xb8, 0xd7, 0xa2]),
    Buffer.from ("\nu1,found,male,44,2021-02-01,vital_interests,备注\n")]));
  const run = spawnSync (HOMEWARD, ["import", csv, "--api", `ipc://${join (serve.dir, "var", "api.sock")}`],
                         { encoding: "utf8" });
  assert.match (run.stderr, /row 2: column notes is not UTF-8 text/);
  const admin = new Client (serve.base);
  assert.equal ((await admin.login ("admin1")).status, 200);
  const listed = await admin.request ("GET", "/api/v1/cases?limit=500");
  const refs = [];
  for (const c of listed.data.cases) {
    const full = await admin.request ("GET", `/api/v1/cases/${c.case_id}`);
    if (full.data.external_ref) refs.push (full.data.external_ref + "=" + (full.data.notes || ""));
  }
  assert.ok (refs.some (r => r.endsWith (":u1=备注")), run.stderr + refs.join (", "));
  assert.ok (!refs.some (r => r.includes (":g1=")), refs.join (", "));
});

await test ("uploads: nothing sent, not an image", async () => {
  const made = await staff.request ("POST", "/api/v1/cases", { json: {
    kind: "found", sex: "female", province: 44, date_found: "2021-03-01",
    consent_basis: "vital_interests" } });
  assert.equal (made.status, 201);
  const empty = new FormData ();
  empty.append ("photo", new Blob ([]), "empty.jpg");
  const zero = await both (staff, "POST", `/api/v1/cases/${made.data.case_id}/photos`, { form: empty });
  assert.equal (zero.status, 400);
  assert.match (zero.zhText, /没有收到照片/);
  const text = new FormData ();
  text.append ("photo", new Blob (["hello"], { type: "text/plain" }), "note.txt");
  const notImage = await both (staff, "POST", `/api/v1/cases/${made.data.case_id}/photos`, { form: text });
  assert.equal (notImage.status, 415);
  assert.match (notImage.zhText, /图片/);
  // Text named a JPEG: the service looks at the bytes and says what they are.
  const named = new FormData ();
  named.append ("photo", new Blob (["these are notes, not a photo"], { type: "image/jpeg" }), "x.jpg");
  const sniffed = await both (staff, "POST", `/api/v1/cases/${made.data.case_id}/photos`, { form: named });
  assert.equal (sniffed.status, 415);
  assert.equal (sniffed.enText, "unsupported format: the data is text, not an image");
  assert.equal (sniffed.zhText, "不支持的格式：这是文字，不是图片");
});

await test ("Accept-Language: the most wanted language, by q", async () => {
  for (const [header, zh] of [["zh", true], ["zh-Hans-CN,zh;q=0.9", true], ["en-US,en;q=0.9,zh-CN;q=0.8", false],
                              ["en;q=0.5, zh-CN", true], ["zh-CN;q=0", false], ["fr", false]]) {
    const r = await anon.request ("GET", "/api/v1/me", { headers: { "Accept-Language": header } });
    assert.equal (HAN.test (r.data.error.message), zh, header);
  }
});

await test ("the sign-in lockout (429) says when to come back, in Chinese", async () => {
  const c = new Client (serve.base);
  for (let i = 0; i < 4; i++)
    assert.equal ((await c.login ("victim", { password: "guess " + i })).status, 401);
  assert.equal ((await c.login ("victim", { password: "guess 4" })).status, 429);   // locked now
  const zh = await c.request ("POST", "/api/v1/session", { json: { name: "victim", password: PASSWORD },
                                                          headers: ZH });
  assert.equal (zh.status, 429);
  assert.equal (zh.data.error.code, "account_locked");
  const seconds = zh.headers.get ("retry-after");
  assert.ok (Number (seconds) > 0);
  assert.equal (zh.data.error.retry_after_s, Number (seconds));
  assert.ok (zh.data.error.locked_until);
  assert.match (zh.data.error.message, HAN);
  assert.match (zh.data.error.message, /15 分钟/);
  assert.ok (!zh.data.error.message.includes (zh.data.error.messages.en));
  assert.doesNotMatch (zh.data.error.messages.en, HAN);
});

await test ("the web app asks in its language and shows the server's message", async () => {
  const browser = await chromium.launch ({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--lang=en-US"] });
  try {
    const context = await browser.newContext ({ locale: "en-US" });
    const [name, value] = staff.cookie.split ("=");
    await context.addCookies ([{ name, value, url: serve.base }]);
    const page = await context.newPage ();
    const asked = [];
    page.on ("request", (r) => {
      if (r.url ().includes ("/api/v1/") && !r.url ().endsWith ("/health"))
        asked.push (r.headers () ["accept-language"]);
    });
    // Chinese, the app's default (whatever the browser's own language).
    await page.goto (serve.base + "/#/case/999999");
    await page.getByText ("没有编号为 999999 的案件").waitFor ({ timeout: 15000 });
    assert.ok (asked.length > 0 && asked.every (l => l === "zh-CN"), asked.join (", "));
    // English, once the app is switched to it.
    asked.length = 0;
    await page.evaluate (() => localStorage.setItem ("hw-lang", "en"));
    await page.reload ();
    await page.getByText ("there is no case 999999").waitFor ({ timeout: 15000 });
    assert.ok (asked.length > 0 && asked.every (l => l === "en"), asked.join (", "));
  } finally {
    await browser.close ();
  }
});

await serve.stop ();
if (failures) console.log (serve.logText ().slice (-4000));
console.log (failures ? `${failures} failed` : "all passed");
process.exit (failures ? 1 : 0);
