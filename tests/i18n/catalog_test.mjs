// catalog_test - every message a person can read has its Chinese.
//
// Finds every literal message given to mt_err_set, mt_err_wrap,
// mt_msg_error, gateway_error*, api_error (and a few helpers: messages.mjs)
// in libmatch/ and services/, and fails unless each is a row of the
// catalog, libmatch/base/mt_text_catalog.c, with its Chinese; also when a
// row's English is no longer in the code (changed or removed), when a
// message is passed on as another error's text (its Chinese lost), or a
// code or term lacks its Chinese. Run: node tests/i18n/catalog_test.mjs
// [SOURCE_ROOT]. That each Chinese takes its English's conversions is
// checked by selftest_text.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { catalogOf, messagesOf, sourceFiles } from "./messages.mjs";

const root = resolve (process.argv [2] || join (dirname (fileURLToPath (import.meta.url)), "..", ".."));
const catalogPath = join (root, "libmatch/base/mt_text_catalog.c");
const catalogText = readFileSync (catalogPath, "utf8");
const rows = catalogOf (catalogText);
const terms = new Set (catalogOf (catalogText, "mti_text_terms").map (r => r.key));
const codes = new Set (catalogOf (catalogText, "mti_text_codes").map (r => r.key));

const found = [];
for (const dir of ["libmatch", "services"])
  for (const file of sourceFiles (join (root, dir)))
    found.push (...messagesOf (file, readFileSync (file, "utf8"), root));

const messages = found.filter (m => m.key !== undefined);
const inCatalog = new Map (rows.map (r => [r.key, r]));
const inCode = new Set (messages.map (m => m.key));

// The C text of a key: macros (${PRIu64}) back between the literals.
const cText = (key) => "\"" + key.replace (/\\/g, "\\\\").replace (/"/g, "\\\"")
  .replace (/\n/g, "\\n").replace (/\t/g, "\\t")
  .replace (/\$\{(\w+)\}/g, "\" $1 \"") + "\"";

const missing = new Map ();
for (const m of messages)
  if (!inCatalog.has (m.key) && !missing.has (m.key)) missing.set (m.key, m);
const stale = rows.filter (r => !inCode.has (r.key));
const untranslated = rows.filter (r => !r.zh.trim ());
const problems = found.filter (m => m.problem);
const badTerms = found.filter (m => m.term !== undefined && !terms.has (m.term));
const badCodes = found.filter (m => m.code !== undefined && !codes.has (m.code));

let failed = false;
const say = (...lines) => { failed = true; console.error (lines.join ("\n")); };

if (missing.size) {
  const byFile = new Map ();
  for (const m of missing.values ()) {
    if (!byFile.has (m.file)) byFile.set (m.file, []);
    byFile.get (m.file).push (m);
  }
  const out = [];
  for (const [file, list] of byFile) {
    out.push (`    //  ${file}`);
    for (const m of list)
      out.push (`    { ${cText (m.key)},\n      "" },     //  line ${m.line}: translate`);
  }
  say (`${missing.size} message(s) have no Chinese. Add these rows to mti_text_catalog in`,
       `libmatch/base/mt_text_catalog.c (each in its file's section), with the Chinese in the`,
       `second string: the same conversions as the English, in order or numbered (%1$s); %#s`,
       `for a field name of mti_text_terms. Then run selftest_text.`, ...out, "");
}
if (stale.length)
  say (`${stale.length} row(s) of the catalog are no longer messages of the code (changed or`,
       `removed: update the row's English to the new text, or remove the row):`,
       ...stale.map (r => `    mt_text_catalog.c:${r.line}: ${r.en}`), "");
if (untranslated.length)
  say (`${untranslated.length} row(s) of the catalog have no Chinese yet:`,
       ...untranslated.map (r => `    mt_text_catalog.c:${r.line}: ${r.en}`), "");
if (problems.length)
  say (`${problems.length} message(s) lose their Chinese on the way:`,
       ...problems.map (m => `    ${m.file}:${m.line}: ${m.sink} ${m.problem}`), "");
if (badTerms.length)
  say (`${badTerms.length} word(s) put into messages are not in mti_text_terms (add { "word", "中文" }):`,
       ...badTerms.map (m => `    ${m.file}:${m.line}: ${m.sink} "${m.term}"`), "");
if (badCodes.length)
  say (`${badCodes.length} error code(s) have no Chinese name in mti_text_codes (add { "code", "中文" }):`,
       ...badCodes.map (m => `    ${m.file}:${m.line}: ${m.sink} "${m.code}"`), "");

console.log (`${inCode.size} messages in ${new Set (messages.map (m => m.file)).size} files, ` +
             `${rows.length} rows in the catalog`);
process.exit (failed ? 1 : 0);
