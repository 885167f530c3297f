//  gateway_cases - the API's cases and what hangs off a case (photos,
//  candidates, reviews, export, erasure), photos (and when each was taken)
//  and face chips, reviews, pairs and the queue: the request's shape
//  checked here (the route table has checked the role), then done by the
//  results service, which decides what the caller's role and station may
//  see and change.

#include "gateway_routes.h"
#include "gateway_reply.h"

#include "base/mt_utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A form's whole number (spaces around it allowed) into *value; "" leaves
//  unknown. False for anything else.
static bool
s_form_int (const char *text, int unknown, int *value)
{
    while (*text == ' ')
        text++;
    *value = unknown;
    if (!*text)
        return true;
    char *end;
    long number = strtol (text, &end, 10);
    while (*end == ' ')
        end++;
    if (*end || end == text || number < -1 || number > 9999)
        return false;
    *value = (int) number;
    return true;
}

//  GET /cases: a page of the cases the caller may see, filtered.
static enum MHD_Result
s_case_list (gateway_route_t *r)
{
    long long limit = gateway_route_query_int (r->conn, "limit", 50), offset = gateway_route_query_int (r->conn, "offset", 0);
    if (limit < 1 || limit > 500 || offset < 0)
        return gateway_error (r->conn, 400, "invalid_argument", "limit must be 1..500, offset >= 0");
    json_t *params = json_pack ("{s:I, s:I}", "limit", (json_int_t) limit, "offset",
                                (json_int_t) offset);
    //  (Staff see their station's cases: the results service.)
    //  The filter: kind, state and a search (q: a case number, or text of
    //  a name, reference, city or station), all optional.
    static const char *texts [] = { "kind", "state", "q" };
    for (size_t i = 0; i < sizeof texts / sizeof texts [0]; i++) {
        const char *value = MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND,
                                                         texts [i]);
        if (!value || !*value)
            continue;
        if (!mt_utf8_valid (value, strlen (value)) || mt_utf8_chars (value) > 100) {
            json_decref (params);
            return gateway_error (r->conn, 400, "invalid_argument",
                                  "q, kind and state are text of at most 100 characters");
        }
        json_object_set_new (params, texts [i], json_string (value));
    }
    return gateway_route_answer (r, "case.list", params, 200);
}

//  POST /cases/ID/photos: a photo, and when it was taken.
static enum MHD_Result
s_photo_upload (gateway_route_t *r, long long id)
{
    gateway_t *gw = r->gw;
    enum MHD_Result sent = MHD_YES;
    if (r->req->too_large)
        return gateway_error (r->conn, 413, "too_large", "the photo is over the upload limit");
    if (!r->req->file || r->req->file_size == 0)
        return gateway_error (r->conn, 400, "invalid_argument",
                        "send the photo as multipart/form-data in a field named photo");
    if (r->req->file_type [0] && strncmp (r->req->file_type, "image/", 6) != 0
    &&  strcmp (r->req->file_type, "application/octet-stream") != 0)
        return gateway_error (r->conn, 415, "unsupported_format",
                        "send an image (JPEG, PNG, WebP, BMP or TIFF)");
    //  When it was taken (fields year and age, both optional; the
    //  results service checks them against the case's birth year).
    int year, age;
    if (!s_form_int (r->req->year, 0, &year) || !s_form_int (r->req->age, -1, &age))
        return gateway_error (r->conn, 400, "invalid_argument", "the fields year and age "
                              "are whole numbers (a year such as 1962, an age in years), "
                              "or empty when unknown");
    //  The uploader is asked which face of a group photo is the
    //  person (a form field ask_person=false: a bulk upload that
    //  cannot answer).
    json_t *params = json_pack ("{s:I, s:i, s:i, s:b}", "case_id", (json_int_t) id,
                                "year_taken", year, "age_taken", age, "ask_person",
                                strcmp (r->req->ask_person, "false") != 0
                                && strcmp (r->req->ask_person, "0") != 0);
    json_t *out = gateway_route_call (r, "photo.add", params, r->req->file,
                             r->req->file_size, NULL, NULL, &sent);
    if (out) {
        pthread_mutex_lock (&gw->metrics_lock);
        gw->uploads++;
        pthread_mutex_unlock (&gw->metrics_lock);
    }
    return out ? gateway_json (r->conn, 201, out, NULL, NULL) : sent;
}

//  GET /cases/ID/candidates: a page of the case's candidates (one: the
//  case's id, taken).
static enum MHD_Result
s_candidates (gateway_route_t *r, json_t *one)
{
    long long limit = gateway_route_query_int (r->conn, "limit", 20), offset = gateway_route_query_int (r->conn, "offset", 0);
    if (limit < 1 || limit > 200 || offset < 0) {
        json_decref (one);
        return gateway_error (r->conn, 400, "invalid_argument", "limit must be 1..200, offset >= 0");
    }
    //  ?weaker=1: the pairs below the candidate floor too.
    const char *weaker = MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND,
                                                      "weaker");
    json_object_set_new (one, "limit", json_integer (limit));
    json_object_set_new (one, "offset", json_integer (offset));
    json_object_set_new (one, "weaker", json_boolean (weaker && (strcmp (weaker, "1") == 0
                                                      || strcmp (weaker, "true") == 0)));
    return gateway_route_answer (r, "candidates", one, 200);
}

//  Cases and what hangs off a case: photos, candidates, reviews, export,
//  erasure.
enum MHD_Result
gateway_route_cases (gateway_route_t *r)
{
    enum MHD_Result sent = MHD_YES;
    if (gateway_route_is (r, "GET", 1, "cases"))
        return s_case_list (r);
    //  What facts a case holds, for the forms: the results service's table.
    if (gateway_route_is (r, "GET", 1, "case-facts"))
        return gateway_route_answer (r, "case.facts", json_object (), 200);
    if (gateway_route_is (r, "POST", 1, "cases")) {
        if (!json_is_object (r->body))
            return gateway_error (r->conn, 400, "invalid_argument", "send the case as a JSON object");
        //  (Staff file cases for their own station: the results service.)
        return gateway_route_answer (r, "case.add", json_deep_copy (r->body), 201);
    }
    if (r->count >= 2 && strcmp (r->parts [0], "cases") == 0) {
        //  Who may see or change which case is the results service's to
        //  decide (and to audit): it knows the case's station.
        long long id = gateway_route_id (r->parts [1]);
        if (id < 0)
            return gateway_error (r->conn, 404, "not_found", "no such case");
        json_t *one = json_pack ("{s:I}", "case_id", (json_int_t) id);
        if (gateway_route_is (r, "GET", 2, "cases", "*"))
            return gateway_route_answer (r, "case.get", one, 200);
        if (gateway_route_is (r, "PATCH", 2, "cases", "*")) {
            //  Corrected facts: by the case's station or an administrator.
            json_decref (one);
            if (!json_is_object (r->body))
                return gateway_error (r->conn, 400, "invalid_argument", "send the facts as a JSON object");
            json_t *params = json_deep_copy (r->body);
            json_object_set_new (params, "case_id", json_integer (id));
            return gateway_route_answer (r, "case.update", params, 200);
        }
        if (gateway_route_is (r, "POST", 3, "cases", "*", "close")
        ||  gateway_route_is (r, "POST", 3, "cases", "*", "reopen")) {
            json_object_set (one, "reason", json_object_get (r->body, "reason"));
            return gateway_route_answer (r, strcmp (r->parts [2], "close") == 0 ? "case.close"
                                                                              : "case.reopen",
                                         one, 200);
        }
        if (gateway_route_is (r, "POST", 3, "cases", "*", "photos")) {
            json_decref (one);
            return s_photo_upload (r, id);
        }
        if (gateway_route_is (r, "GET", 3, "cases", "*", "candidates"))
            return s_candidates (r, one);
        if (gateway_route_is (r, "GET", 3, "cases", "*", "export")) {
            //  Everything held on the case: for its station and administrators.
            json_t *out = gateway_route_call (r, "case.export", one, NULL, 0, NULL, NULL, &sent);
            char disposition [96];
            snprintf (disposition, sizeof disposition,
                      "attachment; filename=\"homeward-case-%lld.json\"", id);
            return out ? gateway_json (r->conn, 200, out, "Content-Disposition", disposition) : sent;
        }
        if (gateway_route_is (r, "POST", 3, "cases", "*", "erase")) {
            json_object_set (one, "reason", json_object_get (r->body, "reason"));
            json_object_set (one, "level", json_object_get (r->body, "level"));
            return gateway_route_answer (r, "case.erase", one, 202);
        }
        if (gateway_route_is (r, "GET", 3, "cases", "*", "reviews"))
            return gateway_route_answer (r, "reviews", one, 200);
        json_decref (one);
        return gateway_error (r->conn, 404, "not_found", "no such resource");
    }
    return GATEWAY_ROUTE_NEXT;
}

//  Photos and face chips, for whoever may see their case; corrections,
//  by the case's station or an administrator (the results service decides).
enum MHD_Result
gateway_route_media (gateway_route_t *r)
{
    enum MHD_Result sent = MHD_YES;
    bool photo = r->count >= 2 && strcmp (r->parts [0], "photos") == 0;
    bool face = r->count >= 2 && strcmp (r->parts [0], "faces") == 0;
    if (!photo && !face)
        return GATEWAY_ROUTE_NEXT;
    long long id = gateway_route_id (r->parts [1]);
    const char *method = NULL;
    if (gateway_route_is (r, "GET", 2, "photos", "*"))
        method = "photo.get";
    else
    if (gateway_route_is (r, "PATCH", 2, "photos", "*")) {
        //  When it was taken: {"year": 1962, "age": 6}, null for unknown,
        //  a key left out kept as it is.
        if (!json_is_object (r->body))
            return gateway_error (r->conn, 400, "invalid_argument",
                                  "send the photo's year and age as a JSON object");
        if (id < 0)
            return gateway_error (r->conn, 404, "not_found", "no such photo");
        json_t *params = json_pack ("{s:I}", "photo_id", (json_int_t) id);
        const char *key;
        json_t *value;
        json_object_foreach (r->body, key, value) {
            bool year = strcmp (key, "year") == 0, age = strcmp (key, "age") == 0;
            if (!year && !age) {
                json_decref (params);
                return gateway_error (r->conn, 400, "invalid_argument",
                                      "a photo's correction takes year and age only");
            }
            if (!json_is_integer (value) && !json_is_null (value)) {
                json_decref (params);
                return gateway_error (r->conn, 400, "invalid_argument",
                                      "year and age are whole numbers (a year such as 1962, "
                                      "an age in years), or null when unknown");
            }
            json_object_set (params, year ? "year_taken" : "age_taken", value);
        }
        return gateway_route_answer (r, "photo.taken", params, 200);
    }
    else
    if (gateway_route_is (r, "POST", 3, "photos", "*", "person"))
        method = "photo.person";
    else
    if (gateway_route_is (r, "POST", 3, "photos", "*", "remove"))
        method = "photo.remove";
    else
    if (gateway_route_is (r, "POST", 3, "faces", "*", "exclude"))
        method = "face.exclude";
    else
    if (!gateway_route_is (r, "GET", 3, "faces", "*", "chip"))
        return gateway_error (r->conn, 404, "not_found", "no such resource");
    if (id < 0)
        return gateway_error (r->conn, 404, "not_found", photo ? "no such photo" : "no such face");
    if (method) {
        json_t *params = json_is_object (r->body) && strcmp (r->method, "POST") == 0
                       ? json_deep_copy (r->body) : json_object ();
        json_object_set_new (params, photo ? "photo_id" : "face_id", json_integer (id));
        return gateway_route_answer (r, method, params, 200);
    }
    uint8_t *jpeg = NULL;
    size_t size = 0;
    json_t *info = gateway_route_call (r, "face.chip", json_pack ("{s:I}", "face_id",
                              (json_int_t) id), NULL, 0, &jpeg, &size, &sent);
    if (!info)
        return sent;
    json_decref (info);
    //  Asked again each time: an erased case's faces must not stay on
    //  screens from a cache.
    return gateway_send_owned (r->conn, 200, "image/jpeg", jpeg, size, "private, no-cache");
}

//  A list by state and case (?state=&case=&limit=&offset=: same.list,
//  notice.list): its query as the method's parameters.
static enum MHD_Result
s_list_by_state (gateway_route_t *r, const char *method)
{
    long long limit = gateway_route_query_int (r->conn, "limit", 50);
    long long offset = gateway_route_query_int (r->conn, "offset", 0);
    long long id = gateway_route_query_int (r->conn, "case", 0);
    const char *state = MHD_lookup_connection_value (r->conn, MHD_GET_ARGUMENT_KIND, "state");
    if (limit < 1 || limit > 500 || offset < 0 || id < 0)
        return gateway_error (r->conn, 400, "invalid_argument",
                              "limit must be 1..500, offset >= 0");
    json_t *params = json_pack ("{s:I, s:I}", "limit", (json_int_t) limit, "offset",
                                (json_int_t) offset);
    if (id > 0)
        json_object_set_new (params, "case_id", json_integer (id));
    if (state)
        json_object_set_new (params, "state", json_string (state));
    return gateway_route_answer (r, method, params, 200);
}

//  Reviews, a pair side by side, the queue.
enum MHD_Result
gateway_route_reviews (gateway_route_t *r)
{
    if (gateway_route_is (r, "POST", 1, "reviews")) {
        if (!json_is_object (r->body))
            return gateway_error (r->conn, 400, "invalid_argument", "send the review as a JSON object");
        return gateway_route_answer (r, "review", json_deep_copy (r->body), 200);
    }
    if (gateway_route_is (r, "GET", 3, "pairs", "*", "*")) {
        long long a = gateway_route_id (r->parts [1]), b = gateway_route_id (r->parts [2]);
        if (a < 0 || b < 0)
            return gateway_error (r->conn, 404, "not_found", "no such pair");
        return gateway_route_answer (r, "pair.get", json_pack ("{s:I, s:I}", "case_id",
                                     (json_int_t) a, "candidate", (json_int_t) b), 200);
    }
    if (gateway_route_is (r, "GET", 1, "same-person"))
        return s_list_by_state (r, "same.list");
    if (gateway_route_is (r, "GET", 3, "same-person", "*", "*")
    ||  gateway_route_is (r, "POST", 3, "same-person", "*", "*")) {
        long long a = gateway_route_id (r->parts [1]), b = gateway_route_id (r->parts [2]);
        if (a < 0 || b < 0)
            return gateway_error (r->conn, 404, "not_found", "no such pair");
        if (strcmp (r->method, "GET") == 0)
            return gateway_route_answer (r, "same.get", json_pack ("{s:I, s:I}", "case_a",
                                         (json_int_t) a, "case_b", (json_int_t) b), 200);
        if (!json_is_object (r->body))
            return gateway_error (r->conn, 400, "invalid_argument",
                                  "send the decision as a JSON object");
        json_t *params = json_deep_copy (r->body);
        json_object_set_new (params, "case_a", json_integer (a));
        json_object_set_new (params, "case_b", json_integer (b));
        return gateway_route_answer (r, "same.decide", params, 200);
    }
    if (gateway_route_is (r, "GET", 1, "notices"))
        return s_list_by_state (r, "notice.list");
    if (gateway_route_is (r, "POST", 3, "notices", "*", "*")) {
        long long report = gateway_route_id (r->parts [1]), found = gateway_route_id (r->parts [2]);
        if (report < 0 || found < 0)
            return gateway_error (r->conn, 404, "not_found", "no such notice");
        if (r->body && !json_is_object (r->body))
            return gateway_error (r->conn, 400, "invalid_argument",
                                  "send how the family was told as a JSON object");
        json_t *params = r->body ? json_deep_copy (r->body) : json_object ();
        json_object_set_new (params, "missing_case", json_integer (report));
        json_object_set_new (params, "found_case", json_integer (found));
        return gateway_route_answer (r, "notice.told", params, 200);
    }
    if (gateway_route_is (r, "GET", 1, "queue")) {
        long long limit = gateway_route_query_int (r->conn, "limit", 50), offset = gateway_route_query_int (r->conn, "offset", 0);
        long long province = gateway_route_query_int (r->conn, "province", 0);
        if (limit < 1 || limit > 500 || offset < 0 || province < 0)
            return gateway_error (r->conn, 400, "invalid_argument", "limit must be 1..500, offset >= 0");
        return gateway_route_answer (r, "queue", json_pack ("{s:I, s:I, s:I}", "limit", (json_int_t) limit, "offset", (json_int_t) offset, "province", (json_int_t) province), 200);
    }
    return GATEWAY_ROUTE_NEXT;
}


