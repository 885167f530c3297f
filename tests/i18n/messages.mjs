// messages - every message a person can read, found in the C sources: the
// literal formats and texts passed to the functions that put a message
// into an error (mt_err_set, gateway_error, ...), and the catalog of their
// Chinese (libmatch/base/mt_text_catalog.c). Used by catalog_test.mjs.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

// The functions that take a message a person reads, and which argument
// (from 0) is its format or text.
export const SINKS = {
  mt_err_set: 2,            // (err, code, fmt, ...)
  mt_err_wrap: 3,           // (err, code, inner, fmt, ...)
  mt_msg_error: 2,          // (request_id, code, fmt, ...)
  gateway_error: 3,         // (conn, status, code, message)
  gateway_error_rc: 2,      // (conn, rc, message)
  gateway_error_detail: 2,  // (conn, rc, message, detail)
  gateway_errorf: 5,        // (conn, status, code, header, value, fmt, ...)
  api_error: 2,             // (id, code, message)
  mti_db_first: 4,          // (self, sql, a, b, none: the message when no row, err)
  gateway_account_error: 3, // (conn, status, code, message, detail, retry)
  gateway_error_body: 2     // (conn, code, en, zh, detail)
};

// Functions that take a word put into a message by %#s: it must be in the
// catalog's terms table.
// A static helper is named with its file.
export const TERM_SINKS = {
  mti_db_fail: 3,                                       // (self, code, err, what)
  mti_db_ids: 5,                                        // (self, stmt, ids, max, count_p, what, err)
  mti_db_each_id: 4,                                    // (self, sql, ids, count, what, err)
  "services/gateway/accounts/mt_users.c:s_fail": 2,     // (self, err, what)
  "services/gateway/gateway_tls.c:s_read_pem": 0,       // (what, path, text_p, err)
  "libmatch/wire/mt_curve.c:s_plain": 2                 // (endpoint, config, missing, err)
};

// Functions whose returned literals are words put into messages by %#s
// (a description of what a file is, for "unsupported format: the data is
// %s"): each must be in the terms table.
export const RETURN_TERMS = [
  "libmatch/face/mt_image_probe.c:s_describe_unknown"
];

// Functions whose argument is an error code's name, which must have its
// Chinese in the catalog's codes table.
export const CODE_SINKS = {
  gateway_error: 2,         // (conn, status, code, message)
  gateway_errorf: 2,
  gateway_account_error: 2, // (conn, status, code, message, detail, retry)
  gateway_error_body: 1     // (conn, code, en, zh, detail)
};

// Tokens of C source: strings (their text unescaped as the compiler would
// give the bytes, kept as written for the report), identifiers, numbers,
// punctuation; comments and preprocessor line breaks dropped.
export function tokenize (source) {
  const tokens = [];
  let i = 0, line = 1;
  const n = source.length;
  while (i < n) {
    const c = source [i];
    if (c === "\n") { line++; i++; continue; }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") { i++; continue; }
    if (c === "\\" && source [i + 1] === "\n") { i += 2; line++; continue; }
    if (c === "/" && source [i + 1] === "/") {
      while (i < n && source [i] !== "\n") i++;
      continue;
    }
    if (c === "/" && source [i + 1] === "*") {
      const end = source.indexOf ("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (source [k] === "\n") line++;
      i = stop;
      continue;
    }
    // String literals, with an optional prefix (u8"", L"" ...).
    const prefix = /^(u8|u|U|L)?"/.exec (source.slice (i, i + 3));
    if (prefix) {
      const start = i, startLine = line;
      i += prefix [0].length;
      let raw = "";
      while (i < n && source [i] !== "\"") {
        if (source [i] === "\\") { raw += source [i] + source [i + 1]; i += 2; }
        else { if (source [i] === "\n") line++; raw += source [i++]; }
      }
      i++;
      tokens.push ({ kind: "string", raw, text: unescape (raw), line: startLine, at: start });
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      while (j < n && source [j] !== "'") j += source [j] === "\\" ? 2 : 1;
      tokens.push ({ kind: "char", text: source.slice (i, j + 1), line });
      i = j + 1;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z_0-9]*/.exec (source.slice (i, i + 200));
    if (word) {
      tokens.push ({ kind: "ident", text: word [0], line });
      i += word [0].length;
      continue;
    }
    const number = /^[0-9][0-9A-Za-z_.]*/.exec (source.slice (i, i + 64));
    if (number) {
      tokens.push ({ kind: "number", text: number [0], line });
      i += number [0].length;
      continue;
    }
    const two = source.slice (i, i + 2);
    if (["->", "==", "!=", "<=", ">=", "&&", "||", "++", "--", "<<", ">>", "::"].includes (two)) {
      tokens.push ({ kind: "punct", text: two, line });
      i += 2;
      continue;
    }
    tokens.push ({ kind: "punct", text: c, line });
    i++;
  }
  return tokens;
}

// C escapes to the characters they stand for (enough for messages: \n \t
// \" \\ \' octal and hex).
function unescape (raw) {
  return raw.replace (/\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)/g, (m, e) => {
    if (e [0] === "x") return String.fromCharCode (parseInt (e.slice (1), 16));
    if (/^[0-7]/.test (e)) return String.fromCharCode (parseInt (e, 8));
    return { n: "\n", t: "\t", r: "\r", "\"": "\"", "\\": "\\", "'": "'", "?": "?",
             a: "\x07", b: "\b", f: "\f", v: "\v", 0: "\0" } [e] ?? e;
  });
}

// A run of adjacent string literals and the macros between them (PRIu64):
// its key is the text with each macro written as ${NAME}, so that the
// catalog, written with the same macros, matches it whatever they expand to.
function literalRun (tokens, k) {
  let key = "", source = [], j = k;
  while (j < tokens.length) {
    const t = tokens [j];
    if (t.kind === "string") { key += t.text; source.push ("\"" + t.raw + "\""); j++; continue; }
    if (t.kind === "ident" && /^PRI[diouxX](8|16|32|64|MAX|PTR|LEAST\d+|FAST\d+)$/.test (t.text)
        && j > k && tokens [j - 1].kind === "string") {
      key += "${" + t.text + "}";
      source.push (t.text);
      j++;
      continue;
    }
    break;
  }
  return { key, source: source.join (" "), end: j };
}

// The arguments of the call whose "(" is at tokens [open]: arrays of tokens.
function callArguments (tokens, open) {
  const args = [];
  let depth = 0, current = [];
  for (let j = open; j < tokens.length; j++) {
    const t = tokens [j];
    if (t.kind === "punct" && (t.text === "(" || t.text === "[" || t.text === "{")) {
      if (depth++ === 0) continue;
    }
    else
    if (t.kind === "punct" && (t.text === ")" || t.text === "]" || t.text === "}")) {
      if (--depth === 0) { args.push (current); return { args, end: j }; }
    }
    else
    if (t.kind === "punct" && t.text === "," && depth === 1) { args.push (current); current = []; continue; }
    current.push (t);
  }
  return { args, end: tokens.length };
}

// Every message given to a sink in file: { file, line, sink, key, source }
// for each literal (each branch of a ?: is one), and { ..., problem } for
// what cannot carry its Chinese.
export function messagesOf (file, text, root) {
  const tokens = tokenize (text);
  const found = [];
  const where = relative (root, file);
  for (let k = 0; k + 1 < tokens.length; k++) {
    const t = tokens [k];
    const local = where + ":" + t.text;
    // The definition of a function whose returned literals are terms.
    if (t.kind === "ident" && RETURN_TERMS.includes (local) && tokens [k + 1].text === "(") {
      const { end } = callArguments (tokens, k + 1);
      if (tokens [end + 1]?.text === "{") {
        const body = callArguments (tokens, end + 1);
        for (let j = end + 2; j < body.end; j++)
          if (tokens [j].text === "return" && tokens [j + 1].kind === "string")
            found.push ({ file: where, line: tokens [j].line, sink: t.text,
                          term: literalRun (tokens, j + 1).key });
      }
      continue;
    }
    if (t.kind !== "ident" || tokens [k + 1].text !== "("
        || !(t.text in SINKS || t.text in TERM_SINKS || t.text in CODE_SINKS || local in TERM_SINKS))
      continue;
    // A declaration or definition (a type before the name, or the
    // parameters' types inside) is not a call.
    const before = tokens [k - 1];
    if (before && (before.kind === "ident" && !["return", "else", "case"].includes (before.text)
                   || before.text === "*"))
      continue;
    const { args } = callArguments (tokens, k + 1);
    for (const [table, kind] of [[TERM_SINKS, "term"], [CODE_SINKS, "code"]]) {
      const name = t.text in table ? t.text : local in table ? local : null;
      if (name === null) continue;
      for (const a of args [table [name]] || [])
        if (a.kind === "string")
          found.push ({ file: where, line: t.line, sink: t.text, [kind]: a.text });
    }
    if (!(t.text in SINKS)) continue;
    const arg = args [SINKS [t.text]];
    if (!arg) continue;
    const runs = [];
    for (let j = 0; j < arg.length; j++)
      if (arg [j].kind === "string") {
        const run = literalRun (arg, j);
        runs.push (run);
        j = run.end - 1;
      }
    const argText = arg.map (a => a.text).join (" ");
    const rest = args.slice (SINKS [t.text] + 1).map (a => a.map (x => x.text).join (" "));
    const bare = runs.length === 1 && runs [0].key === "%s" && arg.length === 1;
    if (bare && t.text === "mt_err_wrap")
      ;                         // a frame that is only a name: nothing to translate
    else
    if (bare) {
      // "%s": the argument's text is looked up itself; a literal there is
      // a message.
      const next = args [SINKS [t.text] + 1] || [];
      for (let j = 0; j < next.length; j++)
        if (next [j].kind === "string") {
          const run = literalRun (next, j);
          if (run.key !== "") found.push ({ file: where, line: t.line, sink: t.text, key: run.key, source: run.source });
          j = run.end - 1;
        }
    }
    else
      for (const run of runs)
        found.push ({ file: where, line: t.line, sink: t.text, key: run.key, source: run.source });
    const passed = rest.find (a => /(\.|->) msg\b/.test (a));
    if (passed && !t.text.startsWith ("gateway_error"))
      found.push ({ file: where, line: t.line, sink: t.text, problem:
        `formats another error's text (${passed}): its Chinese is lost; use ` +
        `mt_err_copy (err, code, &from) to pass it on, or mt_err_wrap (err, code, &inner, ` +
        `"frame %s", ...) to frame it` });
    else
    if (!runs.length && /(\.|->) msg\b/.test (argText))
      found.push ({ file: where, line: t.line, sink: t.text, problem:
        t.text.startsWith ("gateway_error")
          ? `passes ${argText} as text: its Chinese (msg_zh) is lost; answer with ` +
            `gateway_error_err (conn, &err, detail)`
          : `formats another error's text (${argText}): its Chinese is lost; use ` +
            `mt_err_copy (err, code, &from) or mt_err_wrap (err, code, &inner, "...", ...)` });
  }
  return found;
}

export function sourceFiles (dir) {
  const out = [];
  for (const name of readdirSync (dir)) {
    const path = join (dir, name);
    const st = statSync (path);
    if (st.isDirectory ()) out.push (...sourceFiles (path));
    else
    if (/\.(c|cc|cpp|h)$/.test (name) && !/^test_/.test (name)) out.push (path);
  }
  return out.sort ();
}

// A table of mt_text_catalog.c (mti_text_catalog, mti_text_terms,
// mti_text_codes): { key, en, zh, line } for each row { "English", "中文" }.
export function catalogOf (text, name = "mti_text_catalog") {
  const tokens = tokenize (text);
  const start = tokens.findIndex ((t, i) => t.text === name && tokens [i + 1]?.text === "[");
  if (start < 0) throw new Error (`no ${name} [] table in the catalog`);
  const rows = [];
  let k = tokens.findIndex ((t, i) => i > start && t.text === "{");
  for (k++; k < tokens.length && tokens [k].text !== "}"; k++) {
    if (tokens [k].text !== "{") continue;
    const line = tokens [k].line;
    const en = literalRun (tokens, k + 1);
    if (tokens [en.end]?.text !== ",") throw new Error (`catalog line ${line}: expected { "English", "中文" }`);
    const zh = literalRun (tokens, en.end + 1);
    if (tokens [zh.end]?.text !== "}") throw new Error (`catalog line ${line}: expected { "English", "中文" }`);
    rows.push ({ key: en.key, en: en.source, zh: zh.key, line });
    k = zh.end;
  }
  return rows;
}
