//  api_explain - a candidate pair's explanation (proto/homeward/v1/
//  explanation.proto) said in words: the JSON a reviewer's client reads,
//  each fact's sentence in English with the values behind it (for clients
//  that say it in another language). Made where a pair is shown: the
//  results service keeps and sends the values only.

#ifndef API_EXPLAIN_H_INCLUDED
#define API_EXPLAIN_H_INCLUDED

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "homeward/v1/explanation.pb-c.h"

//  The explanation as JSON (new reference): pooled, descriptions, pairs,
//  evidence, facts (fact, verdict, effect, detail, values) and flags.
json_t *api_explain_json (const Homeward__V1__Explanation *ex);
//  A stored pair's explanation as JSON (new reference): from its packed
//  bytes, or, for a pair weighed before they were kept (schema 9 and
//  earlier), from its JSON text; NULL when neither can be read.
json_t *api_explain_stored (const uint8_t *packed, size_t size, const char *text);

#endif
