// Test harness: a fresh `homeward serve` with its own data, ports and users,
// and a small HTTP client that keeps a session cookie and the CSRF token.
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const HOMEWARD = process.env.HOMEWARD;
export const DATA = process.env.DATA;
if (!HOMEWARD || !DATA) throw new Error ("set HOMEWARD (the binary) and DATA (tests/data)");

export const PASSWORD = "correct horse battery";

let storeCount = 0;

// extra: more serve options; probe: how to ask whether it is up (for HTTPS).
export async function startServe ({ extra = [], scheme = "http", probe } = {}) {
  const dir = mkdtempSync (join (tmpdir (), "homeward-web-"));
  const varDir = join (dir, "var");
  mkdirSync (varDir);
  const users = join (varDir, "users.db");
  const add = (name, role, station, province) => execFileSync (HOMEWARD,
    ["user", "add", "--users", users, "--name", name, "--role", role,
     ...(station ? ["--station", station] : []), "--province", String (province || 0)],
    { env: { ...process.env, HOMEWARD_PASSWORD: PASSWORD } });
  add ("admin1", "admin");
  add ("staff_a", "station_staff", "Guangzhou relief station", 44);
  add ("staff_b", "station_staff", "Beijing relief station", 11);
  add ("police1", "police_liaison", null, 44);
  add ("victim", "station_staff", "Guangzhou relief station", 44);
  const log = join (dir, "serve.log");
  // The CLI side of serve is its default unix socket, VAR/api.sock.
  // On the PostgreSQL run (tests/pg/run.sh) the case store is a new
  // database on its server.
  const pgHost = process.env.HOMEWARD_TEST_PG_HOST;
  if (pgHost) {
    const name = `hw_web_${process.pid}_${++storeCount}`;
    const user = process.env.HOMEWARD_TEST_PG_USER;
    const made = spawnSync ("createdb", ["-h", pgHost, "-U", user, name]);
    if (made.status !== 0) throw new Error (`createdb ${name}: ${made.stderr}`);
    extra = [...extra, "--db", `postgresql:///${name}?host=${pgHost}&user=${user}`];
  }
  const quoted = extra.map (a => `"${a}"`).join (" ");
  // Port 0: serve takes a free port itself and logs it. (A port found
  // free here and handed over could be taken meanwhile by a test beside
  // this one, whose server would then answer this test.)
  const child = spawn ("sh", ["-c", `exec "${HOMEWARD}" serve --var "${varDir}" --workers 2 ` +
    `--http-port 0 ${quoted} >> "${log}" 2>&1`]);
  let exited = false;
  child.on ("exit", () => { exited = true; });
  const logText = () => { try { return readFileSync (log, "utf8"); } catch (e) { return ""; } };
  let base = null;
  for (let i = 0; i < 600 && !base && !exited; i++) {
    const said = /web app and API on (https?):\/\/[^\s/]+:(\d+)\//.exec (logText ());
    if (said) base = `${scheme}://127.0.0.1:${said [2]}`;
    else await new Promise (r => setTimeout (r, 100));
  }
  if (!base) throw new Error ("homeward serve did not start; its log:\n" + logText ());
  const up = probe || (async (url) => (await fetch (url)).ok);
  for (let i = 0; i < 600; i++) {
    try {
      if (await up (base + "/api/v1/health")) break;
    } catch (e) { /* not up yet */ }
    await new Promise (r => setTimeout (r, 100));
  }
  return {
    base, dir, log,
    stop: () => new Promise ((resolve) => {
      if (exited) resolve ();
      else { child.on ("exit", resolve); child.kill ("SIGTERM"); }
    }),
    logText
  };
}

export class Client {
  constructor (base) { this.base = base; this.cookie = null; this.csrf = null; this.bearer = null; }

  async request (method, path, { json, form, headers = {} } = {}) {
    const h = { ...headers };
    if (this.cookie) h ["Cookie"] = this.cookie;
    if (this.bearer) h ["Authorization"] = "Bearer " + this.bearer;
    if (this.csrf && method !== "GET" && !("X-CSRF-Token" in headers)) h ["X-CSRF-Token"] = this.csrf;
    let body;
    if (json !== undefined) { h ["Content-Type"] = "application/json"; body = JSON.stringify (json); }
    if (form) body = form;
    const response = await fetch (this.base + path, { method, headers: h, body });
    const cookie = response.headers.get ("set-cookie");
    if (cookie) this.cookie = cookie.split (";") [0];
    const type = response.headers.get ("content-type") || "";
    const data = type.startsWith ("application/json") ? await response.json () : await response.text ();
    return { status: response.status, data, headers: response.headers };
  }

  async login (name, { bearer = false, password = PASSWORD } = {}) {
    const r = await this.request ("POST", "/api/v1/session", { json: { name, password, bearer } });
    if (r.status === 200) {
      this.csrf = bearer ? null : r.data.csrf;
      if (bearer) { this.bearer = r.data.token; this.cookie = null; }
    }
    return r;
  }
}

export function photo (relative) {
  return new Blob ([readFileSync (join (DATA, relative))], { type: "image/jpeg" });
}

export async function waitMatched (client, caseId) {
  for (let i = 0; i < 1200; i++) {
    const r = await client.request ("GET", `/api/v1/cases/${caseId}`);
    if (r.status === 200 && !r.data.matching) return r.data;
    await new Promise (r => setTimeout (r, 100));
  }
  throw new Error (`case ${caseId} was not matched in time`);
}
