// The gateway over HTTPS (libmicrohttpd with GnuTLS): a certificate made
// here with openssl; browsers are told to stay on HTTPS and cookies are
// Secure; plain HTTP to the port gets nothing; a client that does not trust
// the certificate is refused; and plain HTTP on a network address is
// refused at start unless asked for.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startServe, HOMEWARD, PASSWORD } from "./harness.mjs";

let failures = 0;
async function test (name, fn) {
  try { await fn (); console.log ("ok   " + name); }
  catch (e) { failures++; console.log ("FAIL " + name + "\n" + (e.stack || e)); }
}

function makeCert (dir) {
  const cert = join (dir, "cert.pem"), key = join (dir, "key.pem");
  execFileSync ("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt",
    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  return { cert, key };
}

// One HTTPS request; resolves { status, headers, body }.
function https (url, { method = "GET", ca, body, headers = {} } = {}) {
  return new Promise ((resolve, reject) => {
    const req = httpsRequest (url, { method, ca, headers }, (res) => {
      let data = "";
      res.on ("data", (c) => { data += c; });
      res.on ("end", () => resolve ({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on ("error", reject);
    if (body) req.write (body);
    req.end ();
  });
}

const certDir = execFileSync ("mktemp", ["-d"]).toString ().trim ();
const { cert, key } = makeCert (certDir);
const ca = readFileSync (cert);
const serve = await startServe ({ extra: ["--tls-cert", cert, "--tls-key", key], scheme: "https",
  probe: async (url) => (await https (url, { ca })).status === 200 });

await test ("HTTPS answers, with HSTS", async () => {
  const r = await https (serve.base + "/api/v1/health", { ca });
  assert.equal (r.status, 200);
  assert.match (r.headers ["strict-transport-security"], /max-age=\d+/);
});

await test ("session cookies are Secure over HTTPS", async () => {
  const r = await https (serve.base + "/api/v1/session", { ca, method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify ({ name: "staff_a", password: PASSWORD }) });
  assert.equal (r.status, 200);
  assert.match (r.headers ["set-cookie"] [0], /; Secure/);
});

await test ("a client that does not trust the certificate is refused", async () => {
  await assert.rejects (https (serve.base + "/api/v1/health"), /self[- ]signed|certificate/i);
});

await test ("plain HTTP to the HTTPS port gets no answer", async () => {
  const plain = serve.base.replace ("https:", "http:");
  const outcome = await new Promise ((resolve) => {
    const req = httpRequest (plain + "/api/v1/health", (res) => resolve (res.statusCode));
    req.on ("error", (e) => resolve (e.code || "error"));
    req.setTimeout (5000, () => { req.destroy (); resolve ("timeout"); });
    req.end ();
  });
  assert.notEqual (outcome, 200);
});

await serve.stop ();

await test ("plain HTTP on a network address is refused at start", async () => {
  const dir = execFileSync ("mktemp", ["-d"]).toString ().trim ();
  const r = spawnSync (HOMEWARD, ["serve", "--var", join (dir, "var"), "--workers", "1",
    "--http-address", "0.0.0.0", "--http-port", "1"], { encoding: "utf8", timeout: 60000 });
  assert.notEqual (r.status, 0);
  assert.match (r.stderr + r.stdout, /plain HTTP on 0\.0\.0\.0.*--tls-cert/s);
});

await test ("a missing key file is named", async () => {
  const dir = execFileSync ("mktemp", ["-d"]).toString ().trim ();
  const r = spawnSync (HOMEWARD, ["serve", "--var", join (dir, "var"), "--workers", "1",
    "--http-port", "1", "--tls-cert", cert, "--tls-key", "/nonexistent/key.pem"],
    { encoding: "utf8", timeout: 60000 });
  assert.notEqual (r.status, 0);
  assert.match (r.stderr + r.stdout, /cannot read the TLS key \/nonexistent\/key\.pem/);
});

if (failures) console.log (serve.logText ().slice (-3000));
console.log (failures ? `${failures} failed` : "all passed");
process.exit (failures ? 1 : 0);
