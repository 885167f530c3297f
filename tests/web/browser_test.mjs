// The web app in headless Chromium (Debian's, driven by playwright-core),
// in Chinese at a station in China (zh-CN, Asia/Shanghai): a station worker
// signs in, finds cases in a paged, searchable list, registers a person
// found (the province chosen by name; a double click on 保存 makes one
// case), uploads a photo and sees the right family first (another
// station's report, as facts only) and their side by side, corrects a
// fact, answers a group photo's question (which face is the person), shows
// weaker candidates, closes a case, loses the session while typing a report
// and gets it back after signing in again (an answer lost on the way:
// saved again, one case); an error toast stays on its page; a police
// liaison pages and filters the queue and walks a pair through the
// workflow (DNA requested with its sample, the result, reunited through a
// dialog; a step refused meanwhile says what is allowed now); the case
// page names the family and shows the trail; an administrator reopens it;
// the same pages on a 390 px phone fit the screen. Screenshots (desktop
// and 390 px) go to $ARTIFACTS.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServe, Client, photo, waitMatched, DATA, PASSWORD } from "./harness.mjs";

const artifacts = process.env.ARTIFACTS || "web-artifacts";
mkdirSync (artifacts, { recursive: true });
// A candidate floor above the default (-12), so that strangers' pairs
// surely fall below it and show only as weaker candidates (as in
// workflow_test.mjs; the default is measured by bench-identify).
const serve = await startServe ({ extra: ["--candidate-floor", "-6"] });
const ZONE = "Asia/Shanghai";
let browser, failed = false;

// A time as the page should show it: in China time, in the page's language.
const chinaTime = (iso, lang = "zh-CN") => new Intl.DateTimeFormat (lang, {
  dateStyle: "medium", timeStyle: "short", hourCycle: "h23", timeZone: ZONE }).format (new Date (iso));

async function signIn (page, name, labels = ["用户名", "密码", "登录"]) {
  await page.getByLabel (labels [0]).fill (name);
  await page.getByLabel (labels [1]).fill (PASSWORD);
  await page.getByRole ("button", { name: labels [2] }).click ();
}

// Nothing on the page is wider than the screen (no sideways scrolling).
async function fitsWidth (page, what) {
  const [scroll, width] = await page.evaluate (() =>
    [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok (scroll <= width, `${what}: the page is ${scroll} px wide on a ${width} px screen`);
}

// The same page on a 390 px phone screen: it fits (no sideways
// scrolling), and a screenshot of it; then the desktop again.
async function phoneShot (page, name, what, fullPage = true) {
  await page.setViewportSize ({ width: 390, height: 844 });
  await page.evaluate (() => new Promise (r => requestAnimationFrame (() => requestAnimationFrame (r))));
  const scroll = await page.evaluate (() => document.documentElement.scrollWidth);
  assert.ok (scroll <= 390, `${what} on a phone: the page is ${scroll} px wide on a 390 px screen`);
  await page.screenshot ({ path: join (artifacts, name), fullPage });
  await page.setViewportSize ({ width: 1280, height: 900 });
}

// Case id's page (the one before it may still be on the screen) and its
// candidates, the weaker ones too (their toggle pressed when there are
// any); returns the list's text.
async function allCandidates (page, id) {
  await page.goto (serve.base + "/#/case/" + id);
  await page.locator ("main h2", { hasText: new RegExp (`#${id} · `) }).waitFor ();
  await page.locator ("ol.candidates > li").first ().waitFor ({ timeout: 60000 });
  const toggle = page.locator (".weaker-toggle button[aria-pressed=false]");
  if (await toggle.count ()) {
    await toggle.click ();
    await page.locator (".weaker-toggle button[aria-pressed=true]").waitFor ();
  }
  return page.locator ("ol.candidates").innerText ();
}

// Every image of the page's face chips has loaded (the server sent it).
async function chipsLoaded (scope) {
  const chips = scope.locator ("img.chip");
  await chips.first ().waitFor ();
  await scope.page ().waitForFunction ((els) => els.every (img => img.complete),
                                       await chips.elementHandles ());
  const widths = await chips.evaluateAll (imgs => imgs.map (img => img.naturalWidth));
  assert.ok (widths.length && widths.every (w => w > 0), "face chips load: " + widths);
}

async function addCase (client, fields) {
  const r = await client.request ("POST", "/api/v1/cases", { json: fields });
  assert.equal (r.status, 201, JSON.stringify (r.data));
  return r.data.case_id;
}

async function addPhoto (client, id, file, extra = {}) {
  const form = new FormData ();
  form.append ("photo", photo (file), "p.jpg");
  for (const [k, v] of Object.entries (extra)) form.append (k, v);
  const r = await client.request ("POST", `/api/v1/cases/${id}/photos`, { form });
  assert.equal (r.status, 201, JSON.stringify (r.data));
}

try {
  // A family's report filed at another station, and three more; through the API.
  const other = new Client (serve.base);
  assert.equal ((await other.login ("staff_b", { bearer: true })).status, 200);
  const report = await addCase (other, {
    kind: "missing", sex: "female", province: 11, date_last_seen: "2020-01-02",
    family_name: "Radcliffe family", family_relation: "daughter", consent_basis: "family",
    family_contact: "13911112222", notes: "call the daughter after 6 pm",
    consent_by: "Radcliffe family" });
  await addPhoto (other, report, "lfw/Paula_Radcliffe/1.jpg");
  const reports = {};
  for (const name of ["Bill_Gates", "Kevin_Spacey", "Liza_Minnelli"]) {
    const made = await addCase (other, { kind: "missing", sex: "unknown", province: 11,
      family_name: name + " family", consent_basis: "family", consent_by: name + " family" });
    await addPhoto (other, made, `lfw/${name}/1.jpg`);
    reports [name] = made;
  }
  // Station A's earlier work: enough cases for two pages of the list, some
  // with names and references; one with long words (a phone must wrap
  // them); one with a photo, to be closed.
  const mine = new Client (serve.base);
  assert.equal ((await mine.login ("staff_a", { bearer: true })).status, 200);
  for (let i = 0; i < 52; i++)
    await addCase (mine, { kind: "found", sex: i % 2 ? "male" : "female", province: 44,
      date_found: "2021-03-" + String (1 + i % 28).padStart (2, "0"), age: "50-70",
      consent_basis: "vital_interests", ...(i % 10 === 3 ? { external_ref: "GZ-2021-" + (100 + i) } : {}) });
  const wang = await addCase (mine, {
    kind: "missing", sex: "male", province: 11, date_last_seen: "2019-03-02", birth_year: 1950,
    person_name: "王建国", family_name: "王家（儿子王小明、女儿王小红代表全家报告）",
    family_contact: "wang.xiaoming.family.search@long-domain.example.cn",
    external_ref: "HUNAN-CHANGSHA-PUBLIC-SECURITY-BUREAU-MISSING-PERSONS-2019-000731",
    family_relation: "儿子", features: "左手背有一块约3厘米的疤痕，说话带湖南口音",
    consent_basis: "family", consent_by: "王小明（儿子）" });
  const closable = await addCase (mine, { kind: "found", sex: "male", province: 44,
    date_found: "2021-04-01", age: "50-60", person_name: "自称老李", city: "广州市越秀区",
    consent_basis: "vital_interests" });
  await addPhoto (mine, closable, "lfw/Kevin_Spacey/2.jpg");
  // A group photo uploaded in bulk (nobody is asked which face is the
  // person): matched by the rule for such photos, which its reasons say.
  const bulk = await addCase (mine, { kind: "found", sex: "unknown", province: 44, age: "20-60",
                                      consent_basis: "vital_interests" });
  await addPhoto (mine, bulk, "faces/faceapi/sample1.jpg", { ask_person: "false" });
  await waitMatched (mine, closable);
  await waitMatched (other, report);
  const total = 52 + 3;

  browser = await chromium.launch ({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  const context = await browser.newContext ({ viewport: { width: 1280, height: 900 },
                                              locale: "zh-CN", timezoneId: ZONE });
  const page = await context.newPage ();
  page.on ("pageerror", (e) => { console.log ("page error: " + e); failed = true; });
  const toast = page.locator ("#toast");

  // Station staff, in Chinese (the default): the case list, paged.
  await page.goto (serve.base + "/");
  await signIn (page, "staff_a");
  await page.getByRole ("heading", { name: "案件" }).waitFor ();
  assert.deepEqual (await page.locator ("table.cases thead th").allInnerTexts (),
                    ["编号", "类别", "姓名", "省份", "日期", "状态", "照片", "候选家庭"]);
  const pager = page.locator ("nav.pager .range");
  assert.equal (await pager.innerText (), `第 1–50 条，共 ${total} 条`);
  assert.equal (await page.locator ("table.cases tbody tr").count (), 50);
  const wangRow = await page.locator ("table.cases tbody tr", { hasText: "王建国" }).innerText ();
  assert.match (wangRow, /寻亲报告/);
  assert.match (wangRow, /户籍 北京/);
  assert.match (wangRow, /走失\s+2019-03-02/);
  assert.match (wangRow, /报告家属：王家/);
  assert.match (wangRow, /1950 年生/);
  const oldLi = await page.locator ("table.cases tbody tr", { hasText: "自称老李" }).innerText ();
  assert.match (oldLi, /受助人员/);
  assert.match (oldLi, /发现于 广东/);
  assert.match (oldLi, /发现\s+2021-04-01/);
  assert.match (oldLi, /进行中/);
  await page.screenshot ({ path: join (artifacts, "01-staff-case-list.png") });
  await page.getByRole ("link", { name: "下一页" }).click ();
  await page.locator ("nav.pager .range", { hasText: `第 51–${total} 条` }).waitFor ();
  assert.equal (await page.locator ("table.cases tbody tr").count (), total - 50);
  await page.getByRole ("link", { name: "上一页" }).click ();
  await page.locator ("nav.pager .range", { hasText: "第 1–50 条" }).waitFor ();

  // A search: by name, by reference; another station's case is not found.
  // (each waits for the list it should bring: the one before is still there)
  const search = async (text) => {
    await page.getByLabel ("查找案件").fill (text);
    await page.getByRole ("button", { name: "查找", exact: true }).click ();
  };
  await search ("王建国");
  await page.locator ("nav.pager .range", { hasText: "共 1 条" }).waitFor ();
  assert.equal (await pager.innerText (), "第 1–1 条，共 1 条");
  assert.equal (await page.locator ("table.cases tbody tr").count (), 1);
  assert.match (await page.locator ("table.cases tbody").innerText (), /王建国/);
  await search ("GZ-2021-113");
  await page.locator ("table.cases tbody tr", { hasText: "GZ-2021-113" }).waitFor ();
  assert.equal (await page.locator ("table.cases tbody tr").count (), 1);
  await search ("Radcliffe");
  await page.getByText ("没有符合条件的案件").waitFor ();
  await page.getByRole ("link", { name: "清除" }).click ();
  await page.locator ("nav.pager .range", { hasText: `共 ${total} 条` }).waitFor ();
  await page.getByLabel ("类别").selectOption ({ label: "寻亲报告" });
  await page.locator ("nav.pager .range", { hasText: "共 1 条" }).waitFor ();
  await page.getByRole ("link", { name: "清除" }).click ();

  // A person found, registered: the province is a list of names.
  await page.getByRole ("link", { name: "登记受助人员" }).click ();
  await page.getByLabel ("性别").selectOption ("female");
  assert.equal (await page.getByLabel ("发现地省份").locator ("option").count (), 35);  // 34 + not known
  await page.getByLabel ("发现地省份").selectOption ({ label: "广东" });
  await page.getByLabel ("发现日期").fill ("2021-06-01");
  await page.getByLabel ("估计年龄（如 60-70）").fill ("40-60");
  await page.getByLabel ("同意依据").selectOption ("vital_interests");
  await page.screenshot ({ path: join (artifacts, "02-staff-new-case.png"), fullPage: true });
  // A double click on 保存: one request (the button waits while it is
  // sent), with an Idempotency-Key; one case more.
  const casesBefore = (await mine.request ("GET", "/api/v1/cases?limit=1")).data.total;
  const posts = [];
  const seePost = (r) => { if (r.method () === "POST" && r.url ().endsWith ("/api/v1/cases")) posts.push (r); };
  page.on ("request", seePost);
  await page.getByRole ("button", { name: "保存" }).dblclick ();
  await page.waitForURL (/#\/case\/\d+/);
  const found = Number (page.url ().match (/#\/case\/(\d+)/) [1]);
  page.off ("request", seePost);
  assert.equal (posts.length, 1, "one request for a double click");
  assert.match (posts [0].headers () ["idempotency-key"] || "", /^[0-9a-f-]{36}$/);
  assert.equal ((await mine.request ("GET", "/api/v1/cases?limit=1")).data.total, casesBefore + 1,
                "a double click on 保存 makes one case");
  await toast.filter ({ hasText: "已创建 #" + found }).waitFor ();   // said on the new page
  const facts = await page.locator ("dl.facts").innerText ();
  assert.match (facts, /发现地省份\s+广东/);
  assert.match (facts, /用途\s+寻亲团聚/, "the purpose in Chinese");
  const created = (await mine.request ("GET", `/api/v1/cases/${found}`)).data.created_at;
  assert.ok (facts.includes ("登记时间\n" + chinaTime (created)) ||
             facts.includes ("登记时间\t" + chinaTime (created)),
             `registered at ${created} shows as China time ${chinaTime (created)}: ${facts}`);
  assert.equal (await page.locator ("input[name=camera]").getAttribute ("capture"), "environment");
  await page.getByRole ("button", { name: "拍照" }).waitFor ();
  await page.locator ("input[name=photo]").setInputFiles (join (DATA, "lfw/Paula_Radcliffe/2.jpg"));
  const first = page.locator ("ol.candidates > li.candidate").first ();
  await first.waitFor ({ timeout: 120000 });
  await page.waitForFunction (() => !document.querySelector (".status")?.textContent, null,
                              { timeout: 120000 });
  const text = await page.locator ("ol.candidates > li.candidate").first ().innerText ();
  // The right family is first: another station's report, as facts (its
  // station, sex, home province, date), never its names or contact.
  assert.match (text, new RegExp ("寻亲报告 #" + report + " · Beijing relief station"), "the right family is first");
  assert.match (text, /另一救助站的寻亲报告：只显示比对所需的信息/);
  assert.match (text, /女 · 户籍 北京 · 走失 2020-01-02/);
  assert.doesNotMatch (text, /Radcliffe|13911112222|undefined/);
  assert.match (text, /性别: 一致 均为女/);
  assert.match (text, /发现于 广东，户籍 北京/, "provinces by name");
  assert.match (text, /得此评分的候选家庭(约|超过|不到) \d+% 确为亲属/, "the score in plain words");
  assert.ok (await page.locator ("ul.faces img.chip").count () >= 1, "the detected face is shown");
  assert.match (await page.locator ("ul.faces li.face").first ().innerText (), /靠近重拍/,
                "advice for a small face of a person found: retake closer");
  // A fact corrected from the case page: said back in Chinese, and in the trail.
  await page.getByText ("更正信息").click ();
  await page.locator ("form.facts-form input[name=age]").fill ("45-55");
  await page.getByRole ("button", { name: "保存更正" }).click ();
  await toast.filter ({ hasText: "已更正：估计年龄 40-60 → 45-55" }).waitFor ();
  await page.locator ("ol.candidates > li.candidate").first ().waitFor ({ timeout: 120000 });
  assert.ok (await page.locator ("ol.candidates img.chip").first ().evaluate (img => img.naturalWidth > 0),
             "face crops side by side load");
  await page.screenshot ({ path: join (artifacts, "03-staff-candidates.png"), fullPage: true });
  console.log ("ok   staff page and search the list, register by province name (a double click makes one case), find the family");

  // The staff's pair link opens the pair side by side: their case whole,
  // the other station's report as facts, the face chips; no review steps.
  await page.locator ("ol.candidates > li.candidate").first ().getByRole ("link").click ();
  await page.waitForURL (new RegExp ("#/pair/" + found + "/" + report + "$"));
  const staffPair = page.locator ("section.card.pair");
  await staffPair.waitFor ();
  assert.equal (await page.locator ("h2").first ().innerText (), `比对：受助人员 #${found} ↔ 寻亲报告 #${report}`);
  assert.match (await page.locator ("section.pair > .notice.privacy").innerText (),
                /^另一救助站的寻亲报告：为保护隐私，只显示比对所需的信息/);
  assert.equal (await page.locator (".side.redacted .privacy").innerText (), "另一救助站的寻亲报告：只显示比对所需的信息");
  const staffPairText = await page.locator ("main").innerText ();
  assert.doesNotMatch (staffPairText, /Radcliffe|13911112222|daughter|call the daughter|undefined/);
  assert.match (staffPairText, /户籍省份\s+北京/);
  assert.match (staffPairText, /救助站\s+Beijing relief station/);
  await chipsLoaded (page.locator ("ul.pairs"));
  assert.equal (await page.locator ("button.step").count (), 0, "staff do not review");
  assert.match (await page.locator ("section.steps").innerText (), /审核由公安联络员进行/);
  await page.screenshot ({ path: join (artifacts, "20-staff-pair.png"), fullPage: true });
  await phoneShot (page, "20-staff-pair-phone.png", "the staff's pair view");
  console.log ("ok   staff open another station's candidate side by side, as facts only");

  // A group photo asks at once which face is the person; a click picks
  // one, and the case is matched (its candidates weaker ones, shown on request).
  const group = await addCase (mine, { kind: "found", sex: "unknown", province: 44,
    date_found: "2021-07-01", age: "20-60", consent_basis: "vital_interests" });
  await page.goto (serve.base + "/#/case/" + group);
  await page.locator ("input[name=photo]").setInputFiles (join (DATA, "faces/faceapi/sample1.jpg"));
  const question = page.locator ("section.question");
  await question.waitFor ({ timeout: 120000 });
  const waiting = (await mine.request ("GET", `/api/v1/cases/${group}`)).data.photo_list [0];
  assert.equal (waiting.person, "waiting");
  const n = waiting.face_list.length;
  assert.ok (n >= 2, "a group photo");
  assert.equal (await question.getByRole ("heading").innerText (), `这张照片中有 ${n} 张人脸，哪一位是本人？`);
  const faceButtons = question.locator ("button.face-pick");
  assert.equal (await faceButtons.count (), n);
  for (let i = 1; i <= n; i++)
    await question.getByRole ("button", { name: `左起第 ${i} 位`, exact: true }).waitFor ();
  await question.getByRole ("button", { name: "无法确定" }).waitFor ();
  await chipsLoaded (question);
  const box = await faceButtons.first ().boundingBox ();
  assert.ok (box.width >= 44 && box.height >= 44, "a face button is big enough to tap");
  assert.match (await page.locator ("ol.candidates").innerText (), /请先在上方指出合影中的本人/);
  await page.screenshot ({ path: join (artifacts, "26-group-question.png"), fullPage: true });
  await phoneShot (page, "26-group-question-phone.png", "the group photo's question");
  const chosen = Number (await faceButtons.nth (1).getAttribute ("data-face"));
  await faceButtons.nth (1).click ();
  await question.waitFor ({ state: "detached" });
  await page.waitForFunction (() => !document.querySelector (".status")?.textContent, null,
                              { timeout: 120000 });
  const picked = (await mine.request ("GET", `/api/v1/cases/${group}`)).data.photo_list [0];
  assert.equal (picked.person, "picked");
  assert.deepEqual (picked.face_list.filter (f => !f.excluded).map (f => f.face_id), [chosen]);
  assert.match (await page.locator ("ul.photos > li > p").first ().innerText (), new RegExp (`人脸 ${n} · 已指出本人`));
  //  The case is matched again after the pick, behind the page's status:
  //  slow machines (the sanitizer run) take a while.
  let groupCands;
  for (let waited = 0; waited < 120; waited++) {
    groupCands = (await mine.request ("GET", `/api/v1/cases/${group}/candidates`)).data;
    if (groupCands.weaker + groupCands.candidates.length > 0)
      break;
    await new Promise (resolve => setTimeout (resolve, 1000));
  }
  assert.ok (groupCands.weaker + groupCands.candidates.length > 0, "the case is matched once picked");
  assert.ok (groupCands.weaker > 0, "strangers' pairs are weaker candidates");
  const toggle = page.getByRole ("button", { name: `显示较弱的候选（${groupCands.weaker}）` });
  await toggle.click ();
  await page.getByRole ("button", { name: "隐藏较弱的候选" }).waitFor ();
  assert.equal (await page.getByRole ("button", { name: "隐藏较弱的候选" }).getAttribute ("aria-pressed"), "true");
  assert.equal (await page.locator ("ol.candidates > li.candidate.weaker").count (), groupCands.weaker);
  assert.match (await page.locator ("ol.candidates > li.candidate.weaker").first ().innerText (), /^较弱的候选/);
  assert.doesNotMatch (await page.locator ("ol.candidates").innerText (), /undefined/);
  await page.screenshot ({ path: join (artifacts, "27-weaker-candidates.png"), fullPage: true });
  // A group photo nobody was asked about: its reasons say how it was matched.
  await waitMatched (mine, bulk);
  assert.match (await allCandidates (page, bulk),
                /合影（3 张人脸）中没有人指出哪一位是本人：比对时以最靠近照片中间的人脸为主。/);
  console.log ("ok   a group photo asks which face is the person; picked, it is matched; weaker candidates on request");

  // An error toast belongs to its page: gone once the user moves on.
  await page.locator ("#nav").getByRole ("link", { name: "案件" }).click ();
  await page.getByRole ("link", { name: "登记寻亲报告" }).click ();
  await page.getByLabel ("同意人").fill ("某某");
  await page.getByLabel ("出生年份（如 1950 或 1948-1952）").fill ("一九五〇年");
  await page.getByRole ("button", { name: "保存" }).click ();
  await page.locator ("#toast.bad.show").waitFor ();
  await page.locator ("#nav").getByRole ("link", { name: "案件" }).click ();
  await page.locator ("table.cases").waitFor ();
  assert.equal (await toast.getAttribute ("class"), "", "the error toast left with its page");
  assert.equal (await toast.innerText (), "");

  // Staff close their own case: asked first; then it says it is closed, its
  // photo is not "no face" and no more photos are offered.
  await page.goto (serve.base + "/#/case/" + closable);
  await page.locator ("details.close > summary", { hasText: "结案" }).click ();
  await page.getByLabel ("结案原因").fill ("本人已由家属接回");
  let asked = "";
  page.once ("dialog", (d) => { asked = d.message (); d.accept (); });
  await page.getByRole ("button", { name: "结案" }).click ();
  await page.locator (".notice.closed").waitFor ();
  assert.match (asked, /确定结案吗/);
  const closedCase = (await mine.request ("GET", `/api/v1/cases/${closable}`)).data;
  assert.equal (closedCase.state, "closed");
  assert.equal (await page.locator (".notice.closed").innerText (),
                `此案件已于 ${chinaTime (closedCase.closed_at)} 结案：本人已由家属接回`);
  await page.locator ("ul.photos > li").first ().waitFor ();
  const photoLine = await page.locator ("ul.photos > li p").first ().innerText ();
  assert.doesNotMatch (photoLine, /未找到人脸/);
  assert.match (photoLine, /已结案/);
  assert.equal (await page.locator ("input[name=photo], input[name=camera]").count (), 0,
                "a closed case offers no upload");
  assert.match (await page.locator ("h2").first ().innerText (), /已结案/);
  await page.screenshot ({ path: join (artifacts, "04-staff-closed-case.png"), fullPage: true });
  console.log ("ok   error toasts stay on their page; staff close a case, which says so");

  // The session ends while a report is typed: kept, and back after signing in.
  await page.locator ("#nav").getByRole ("link", { name: "案件" }).click ();
  await page.getByRole ("link", { name: "登记寻亲报告" }).click ();
  await page.getByLabel ("走失者姓名").fill ("李小花");
  await page.getByLabel ("报告家属", { exact: true }).fill ("李家");
  await page.getByLabel ("联系方式", { exact: true }).fill ("13800000000");
  await page.getByLabel ("关系", { exact: true }).fill ("女儿");
  await page.getByLabel ("性别").selectOption ("female");
  const home = page.getByLabel ("户籍省份（比对按户籍省份计算距离）");
  await home.selectOption ({ label: "北京" });
  await page.getByLabel ("最后见到日期").fill ("2018-10-01");
  await page.getByLabel ("出生年份（如 1950 或 1948-1952）").fill ("1985");
  await page.getByLabel ("同意人").fill ("李大明（父亲）");
  const csrf = await page.evaluate (() => state.csrf);
  const ended = new Client (serve.base);
  ended.cookie = (await context.cookies ()).map (c => c.name + "=" + c.value).join ("; ");
  ended.csrf = csrf;
  assert.equal ((await ended.request ("DELETE", "/api/v1/session")).status, 200);
  await page.getByRole ("button", { name: "保存" }).click ();
  await page.getByText ("登录已过期").waitFor ();
  assert.equal (await toast.innerText (), "", "no error toast on the sign-in form");
  await page.screenshot ({ path: join (artifacts, "05-session-ended.png"), fullPage: true });
  await signIn (page, "staff_a");
  await page.waitForURL (/#\/new\/missing$/);
  await toast.filter ({ hasText: "已恢复" }).waitFor ();
  assert.equal (await page.getByLabel ("走失者姓名").inputValue (), "李小花");
  assert.equal (await page.getByLabel ("联系方式", { exact: true }).inputValue (), "13800000000");
  assert.equal (await page.getByLabel ("性别").inputValue (), "female");
  assert.equal (await home.inputValue (), "11");
  assert.equal (await page.getByLabel ("最后见到日期").inputValue (), "2018-10-01");
  // Saved, but the answer is lost on the way: the page says so; saved
  // again, the same Idempotency-Key brings the first answer: one report.
  const keys = [];
  await page.route ("**/api/v1/cases", async (route) => {
    keys.push (route.request ().headers () ["idempotency-key"]);
    if (keys.length > 1) return route.continue ();
    await route.fetch ();                      // the server makes the case ...
    await route.abort ("connectionreset");     // ... and its answer never comes
  });
  await page.getByRole ("button", { name: "保存" }).click ();
  await toast.filter ({ hasText: "没有收到服务器的回复" }).waitFor ();
  assert.equal (await page.getByRole ("button", { name: "保存" }).isEnabled (), true, "保存 again");
  await page.getByRole ("button", { name: "保存" }).click ();
  await page.waitForURL (/#\/case\/\d+/);
  await page.unroute ("**/api/v1/cases");
  assert.equal (keys.length, 2);
  assert.ok (keys [0] && keys [0] === keys [1], "the same key when the same submission is sent again");
  const li = (await mine.request ("GET", "/api/v1/cases?q=" + encodeURIComponent ("李小花"))).data;
  assert.equal (li.total, 1, "one report for one submission sent twice");
  assert.equal (page.url ().split ("#/case/") [1], String (li.cases [0].case_id));
  const kept = await page.locator ("dl.facts").innerText ();
  assert.match (kept, /走失者姓名\s+李小花/);
  assert.match (kept, /户籍省份\s+北京/);
  console.log ("ok   an ended session keeps the form; signed in again, it is saved once though its answer was lost");

  // In English: the same words, the same times in China time.
  await page.goto (serve.base + "/#/case/" + found);
  await page.getByRole ("button", { name: "English" }).click ();
  await page.getByRole ("heading", { name: "Candidate families" }).waitFor ();
  const en = await page.locator ("dl.facts").innerText ();
  assert.match (en, /Province where found\s+Guangdong/);
  assert.match (en, /Purpose\s+family reunification/);
  assert.ok (en.includes (chinaTime (created, "en")), "times in China time, in English");
  assert.match (await allCandidates (page, bulk), /Nobody picked which of the group photo's 3 faces is the person: the face nearest the middle counts most\./);
  await page.locator ("#nav").getByRole ("link", { name: "Cases" }).click ();
  await page.locator ("nav.pager .range", { hasText: " of " }).waitFor ();
  assert.deepEqual (await page.locator ("table.cases thead th").allInnerTexts (),
                    ["No.", "Type", "Name", "Province", "Date", "State", "Photos", "Candidates"]);
  assert.match (await page.locator ("table.cases tbody tr", { hasText: "王建国" }).innerText (),
                /Missing-person report[\s\S]*home Beijing[\s\S]*last seen\s+2019-03-02/);
  assert.match (await pager.innerText (), /^1–50 of \d+$/);
  await page.getByRole ("button", { name: "中文" }).click ();
  await page.locator ("nav.pager .range", { hasText: "第 1–50 条" }).waitFor ();
  await page.getByRole ("button", { name: "退出" }).click ();

  // Police liaison: the queue, paged and by province; the pair; confirm.
  await signIn (page, "police1");
  await page.getByRole ("heading", { name: "待审核比对" }).waitFor ();
  const police = new Client (serve.base);
  await police.login ("police1", { bearer: true });
  const all = (await police.request ("GET", "/api/v1/queue?limit=1")).data;
  assert.ok (all.total >= 2 && all.pairs.length === 1, "the queue answers its total");
  assert.equal ((await police.request ("GET", "/api/v1/queue?province=11")).data.total, 0);
  assert.equal (await page.locator ("nav.pager .range").innerText (),
                `第 1–${all.total} 条，共 ${all.total} 条`);
  await page.getByLabel ("发现地省份").selectOption ({ label: "北京" });
  await page.waitForURL (/province=11/);
  await page.locator ("nav.pager .range", { hasText: "共 0 条" }).waitFor ();
  await page.getByLabel ("发现地省份").selectOption ({ label: "广东" });
  await page.locator ("nav.pager .range", { hasText: `共 ${all.total} 条` }).waitFor ();
  await page.screenshot ({ path: join (artifacts, "06-police-queue.png"), fullPage: true });
  // A step refused meanwhile (another liaison rejected the pair): the
  // server's words, what is allowed now, and the pair as it stands.
  const gates = reports.Bill_Gates;
  await page.goto (serve.base + `/#/pair/${found}/${gates}`);
  await page.locator (".pair-state strong", { hasText: "待审核" }).waitFor ();
  assert.equal ((await police.request ("POST", "/api/v1/reviews", { json: { case_id: found,
    candidate: gates, state: "rejected", note: "another face" } })).status, 200);
  await page.getByRole ("button", { name: "申请 DNA 比对" }).click ();
  await page.locator ("form.step-form").getByRole ("button", { name: "保存" }).click ();
  const refused = page.locator (".notice.refused");
  await refused.waitFor ();
  assert.match (await refused.innerText (), /^未能保存：此比对现在是“已排除”（可能刚被他人更改）。 .+\n+现在可以：撤销排除，重新待审核$/);
  await page.locator (".pair-state strong", { hasText: "已排除" }).waitFor ();
  assert.deepEqual (await page.locator ("section.steps button.step").allInnerTexts (), ["撤销排除，重新待审核"]);
  await page.screenshot ({ path: join (artifacts, "22-police-refused.png"), fullPage: true });
  console.log ("ok   a step refused meanwhile says what is allowed now and shows the pair again");

  await page.goto (serve.base + "/#/queue");
  await page.locator ("ol.candidates a", { hasText: "#" + found + " " }).first ().click ();
  await page.waitForURL (new RegExp ("#/pair/" + found + "/" + report + "$"));
  // Only the legal next steps: from pending, a DNA test or a rejection.
  const steps = page.locator ("section.steps button.step");
  await steps.first ().waitFor ();
  assert.deepEqual (await steps.allInnerTexts (), ["申请 DNA 比对", "排除：不是这一家"]);
  const policePair = await page.locator ("main").innerText ();
  assert.match (policePair, /报告家属\s+Radcliffe family/, "police see the family");
  assert.match (policePair, /联系方式\s+13911112222/);
  await chipsLoaded (page.locator ("ul.pairs"));
  await page.screenshot ({ path: join (artifacts, "21-police-pair-steps.png"), fullPage: true });
  await phoneShot (page, "21-police-pair-steps-phone.png", "the police pair view");
  // The DNA test requested, with its sample's reference.
  await page.getByRole ("button", { name: "申请 DNA 比对" }).click ();
  await page.getByLabel ("DNA 样本编号（可不填）").fill ("GZ-DNA-0042");
  await page.locator ("form.step-form").getByRole ("button", { name: "保存" }).click ();
  await page.locator (".pair-state strong", { hasText: "已申请 DNA" }).waitFor ();
  assert.deepEqual (await steps.allInnerTexts (), ["记录DNA比对结果：一致", "记录DNA比对结果：不一致"]);
  // Its result: matched (a note needed).
  await page.getByRole ("button", { name: "记录DNA比对结果：一致" }).click ();
  assert.equal (await page.getByLabel ("说明（必填）").getAttribute ("required"), "");
  await page.getByLabel ("化验报告编号（可不填）").fill ("公安DNA实验室 报告 7731");
  await page.getByLabel ("说明（必填）").fill ("DNA 比对一致，亲子关系成立");
  await page.locator ("form.step-form").getByRole ("button", { name: "保存" }).click ();
  await page.locator (".pair-state strong", { hasText: "已确认" }).waitFor ();
  assert.deepEqual (await steps.allInnerTexts (), ["已团聚"]);
  // Reunited: a dialog names both sides and needs a note.
  await page.getByRole ("button", { name: "已团聚" }).click ();
  const dialog = page.getByRole ("dialog", { name: "确认团聚" });
  await dialog.waitFor ();
  assert.equal (await dialog.locator ("p.ask").innerText (),
                `确认受助人员 #${found} 已与寻亲报告 #${report}（Radcliffe family）团聚？`);
  await page.screenshot ({ path: join (artifacts, "23-reunite-dialog.png") });
  await phoneShot (page, "23-reunite-dialog-phone.png", "the reunion dialog", false);
  const sent = [];
  const seeReview = (r) => { if (r.url ().endsWith ("/api/v1/reviews")) sent.push (r); };
  page.on ("request", seeReview);
  await dialog.getByRole ("button", { name: "确认已团聚" }).click ();      // no note yet: not sent
  await page.waitForTimeout (300);
  page.off ("request", seeReview);
  assert.equal (sent.length, 0, "a reunion without a note is not sent");
  assert.equal (await dialog.getByLabel ("说明（必填）").evaluate (e => e.validity.valueMissing), true);
  assert.equal (await dialog.isVisible (), true, "a reunion needs a note");
  await dialog.getByLabel ("说明（必填）").fill ("已由女儿在广州救助站接回");
  await dialog.getByRole ("button", { name: "确认已团聚" }).click ();
  await dialog.waitFor ({ state: "detached" });
  await page.locator (".pair-state strong", { hasText: "已团聚" }).waitFor ();
  assert.equal (await steps.count (), 0, "a reunion is final: no decision remains");
  assert.match (await page.locator ("section.steps").innerText (), /已团聚：这是最终结果，不能再更改/);
  const trail = await page.locator ("ol.trail").innerText ();
  const reviews = (await police.request ("GET", `/api/v1/cases/${found}/reviews`)).data.reviews
    .filter (r => r.missing_case === report);
  assert.equal (reviews.length, 3);
  assert.ok (trail.startsWith (chinaTime (reviews [0].at)), "the trail's time in China time: " + trail);
  assert.match (trail, /police1 · 待审核 → 已申请 DNA\s+DNA 样本\/报告编号：GZ-DNA-0042/);
  assert.match (trail, /police1 · 已申请 DNA → 已确认\s+DNA 样本\/报告编号：公安DNA实验室 报告 7731\s+DNA 比对结果：一致\s+说明：DNA 比对一致，亲子关系成立/);
  assert.match (trail, /police1 · 已确认 → 已团聚\s+说明：已由女儿在广州救助站接回/);
  await page.screenshot ({ path: join (artifacts, "22-police-reunited.png"), fullPage: true });
  // The case page: who the person was reunited with, the trail.
  await page.goto (serve.base + "/#/case/" + found);
  const reunion = page.locator (".notice .reunited");
  await reunion.waitFor ();
  const reunited = (await police.request ("GET", `/api/v1/cases/${found}`)).data.reunited_with;
  assert.match (await page.locator (".notice.reunion").innerText (), /两个案件已于 .+ 结案。团聚是最终结果/);
  assert.equal (await reunion.innerText (),
                `已与寻亲报告 #${report} 团聚（Radcliffe family）（${chinaTime (reunited.at)}，由 police1 记录）`);
  assert.equal (await reunion.getByRole ("link").getAttribute ("href"), `#/pair/${found}/${report}`);
  assert.match (await page.locator ("ol.trail").innerText (), /已确认 → 已团聚 · 受助人员 #\d+ ↔ 寻亲报告 #\d+/);
  await page.screenshot ({ path: join (artifacts, "24-case-reunited-trail.png"), fullPage: true });
  await phoneShot (page, "24-case-reunited-trail-phone.png", "the reunited case with its trail");
  console.log ("ok   police walk a pair: DNA requested, matched, reunited through a dialog; final; the case names the family");

  // An administrator reads the audit log in Chinese, in China time.
  await page.getByRole ("button", { name: "退出" }).click ();
  await signIn (page, "admin1");
  await page.locator ("#nav").getByRole ("link", { name: "审计日志" }).click ();
  await page.locator ("table.audit tbody tr").first ().waitFor ();
  assert.deepEqual (await page.locator ("table.audit thead th").allInnerTexts (),
                    ["时间", "操作人", "操作", "对象", "详情"]);
  const actions = await page.locator ("table.audit tbody td:nth-child(3)").allInnerTexts ();
  for (const word of ["登记案件", "上传照片", "更正信息", "结案", "审核", "查看案件"])
    assert.ok (actions.includes (word), word + " in the audit log: " + [...new Set (actions)]);
  const closing = page.locator ("table.audit tbody tr", { hasText: "本人已由家属接回" });
  assert.match (await closing.innerText (), new RegExp ("^" + chinaTime (closedCase.closed_at) +
                                                         "\\s+staff_a\\s+结案\\s+案件 " + closable));
  await page.screenshot ({ path: join (artifacts, "08-admin-audit-log.png") });
  // The administrator reopens the reunited case, with a reason, after asking.
  const admin = new Client (serve.base);
  await admin.login ("admin1", { bearer: true });
  await page.goto (serve.base + "/#/case/" + found);
  await page.locator ("details.reopen > summary", { hasText: "重新打开" }).click ();
  await page.getByLabel ("重新打开的原因").fill ("团聚记录有误，需重新核实");
  let askedReopen = "";
  page.once ("dialog", (d) => { askedReopen = d.message (); d.accept (); });
  await page.locator ("details.reopen").getByRole ("button", { name: "重新打开" }).click ();
  await page.locator ("ol.trail li.reopen").waitFor ();
  assert.match (askedReopen, /确定重新打开吗？团聚的两个案件都会重新打开/);
  assert.equal ((await admin.request ("GET", `/api/v1/cases/${found}`)).data.state, "open");
  assert.match (await page.locator ("ol.trail li.reopen").innerText (),
                /admin1 · 管理员重新打开：已团聚 → 已确认[\s\S]*原因：团聚记录有误，需重新核实/);
  assert.equal (await page.locator (".notice.closed").count (), 0);
  await page.screenshot ({ path: join (artifacts, "25-admin-reopened.png"), fullPage: true });
  // The closed case erased on request: its page says what was erased, when.
  assert.equal ((await admin.request ("POST", `/api/v1/cases/${closable}/erase`,
    { json: { reason: "consent withdrawn", level: "all" } })).status, 202);
  let erased;
  for (let i = 0; i < 300 && !(erased && erased.erased_at); i++) {
    await new Promise (r => setTimeout (r, 100));
    erased = (await admin.request ("GET", `/api/v1/cases/${closable}`)).data;
  }
  await page.goto (serve.base + "/#/case/" + closable);
  await page.locator (".notice.closed").waitFor ();
  assert.equal (await page.locator (".notice.closed p").nth (1).innerText (),
                `照片、人脸与个人信息已于 ${chinaTime (erased.erased_at)} 删除。`);
  await page.locator ("section", { hasText: "已结案的案件不再接收照片" }).waitFor ();
  await page.waitForFunction (() => !document.querySelector ("ul.photos li") ||
                                    document.querySelector ("ul.photos li p").textContent);
  assert.doesNotMatch (await page.locator ("main").innerText (), /未找到人脸/);
  await page.screenshot ({ path: join (artifacts, "08-admin-erased-case.png"), fullPage: true });
  console.log ("ok   the audit log in Chinese words and China time; an erased case says so");

  // A family's childhood photo: its year and the age in it given with the
  // upload, shown on the photo's line, corrected inline; its small face
  // gets the advice for a print.
  const family = await browser.newContext ({ viewport: { width: 1280, height: 900 }, locale: "zh-CN",
                                             timezoneId: ZONE });
  const aged = await family.newPage ();
  aged.on ("pageerror", (e) => { console.log ("page error (photo age): " + e); failed = true; });
  await aged.goto (serve.base + "/");
  await signIn (aged, "staff_a");
  await aged.locator ("table.cases tbody tr").first ().waitFor ();
  await aged.goto (serve.base + "/#/case/" + wang);
  await aged.getByLabel ("拍摄年份（可不填）").first ().fill ("1956");
  await aged.getByLabel ("照片中的年龄（岁，可不填）").first ().fill ("6");
  await aged.locator ("input[name=photo]").setInputFiles (join (DATA, "lfw/Arsinee_Khanjian/1.jpg"));
  const line = aged.locator ("ul.photos > li").first ();
  await line.filter ({ hasText: "1956 · 约 6 岁时" }).waitFor ({ timeout: 120000 });
  await aged.locator ("ul.photos li.face").first ().waitFor ({ timeout: 120000 });
  assert.match (await aged.locator ("ul.photos li.face").first ().innerText (), /扫描原照片|同一年龄/,
                "advice for a small face of a family's photo: scan the print, not retake");
  await line.getByText ("更正拍摄年份和年龄").click ();
  await line.locator ("form.taken input[name=age]").fill ("7");
  await line.getByRole ("button", { name: "保存更正" }).click ();
  await line.filter ({ hasText: "1956 · 约 7 岁时" }).waitFor ();
  const photoNow = (await mine.request ("GET", `/api/v1/cases/${wang}`)).data.photo_list [0];
  assert.equal (photoNow.age_taken, 7);
  await aged.screenshot ({ path: join (artifacts, "08b-photo-age.png"), fullPage: true });
  await family.close ();
  console.log ("ok   a family's photo: year and age at upload, shown, corrected inline");

  // A phone, 390 px wide: every page fits, long words wrap.
  const phone = await browser.newContext ({ viewport: { width: 390, height: 844 }, isMobile: true,
    hasTouch: true, deviceScaleFactor: 1, locale: "zh-CN", timezoneId: ZONE });
  const small = await phone.newPage ();
  small.on ("pageerror", (e) => { console.log ("page error (phone): " + e); failed = true; });
  await small.goto (serve.base + "/");
  await fitsWidth (small, "sign-in");
  await signIn (small, "staff_a");
  await small.locator ("table.cases tbody tr").first ().waitFor ();
  await fitsWidth (small, "case list");
  await small.screenshot ({ path: join (artifacts, "09-phone-case-list.png") });
  await small.goto (serve.base + "/#/case/" + wang);
  await small.locator ("dl.facts").waitFor ();
  await small.getByText ("更正信息").click ();
  await fitsWidth (small, "a report with long words");
  await small.screenshot ({ path: join (artifacts, "10-phone-report.png"), fullPage: true });
  await small.goto (serve.base + "/#/case/" + found);
  await small.locator ("ol.candidates > li.candidate").first ().waitFor ({ timeout: 60000 });
  await fitsWidth (small, "a case with candidates");
  await small.getByRole ("button", { name: "拍照" }).waitFor ();
  await small.screenshot ({ path: join (artifacts, "11-phone-case.png"), fullPage: true });
  await small.goto (serve.base + "/#/new/missing");
  await small.getByLabel ("走失者姓名").waitFor ();
  await fitsWidth (small, "new report");
  await small.getByRole ("button", { name: "退出" }).click ();
  await signIn (small, "police1");
  await small.locator ("ol.candidates > li").first ().waitFor ();
  await fitsWidth (small, "queue");
  await small.screenshot ({ path: join (artifacts, "12-phone-queue.png"), fullPage: true });
  await small.goto (serve.base + "/#/pair/" + found + "/" + report);
  await small.locator ("ol.trail").waitFor ();
  await fitsWidth (small, "pair");
  await small.screenshot ({ path: join (artifacts, "13-phone-pair.png"), fullPage: true });
  await phone.close ();
  console.log ("ok   a 390 px phone: list, case, report, pair and queue fit");

  // A healthy service shows no banner; one whose data disk is below its
  // reserve (a reserve larger than any disk) says so on every page.
  assert.equal (await page.locator ("#banner").isHidden (), true, "no banner when healthy");
  const low = await startServe ({ extra: ["--disk-reserve-mb", "100000000"] });
  try {
    const lowPage = await browser.newPage ({ viewport: { width: 1280, height: 900 } });
    await lowPage.goto (low.base + "/");
    await lowPage.locator ("#banner", { hasText: "数据盘剩余空间不足" }).waitFor ({ timeout: 30000 });
    await lowPage.screenshot ({ path: join (artifacts, "14-disk-low-banner.png"), fullPage: true });
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
