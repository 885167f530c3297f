//  gateway_cases - the API's cases and what hangs off a case (photos,
//  candidates, reviews, export, erasure), photos and face chips, reviews
//  and the queue: each checked for role and station, then done by the
//  results service.

#include "gateway_routes.h"
#include "gateway_reply.h"

#include "base/mt_utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Cases and what hangs off a case: photos, candidates, reviews, export,
//  erasure.
enum MHD_Result
gateway_route_cases (gateway_route_t *r)
{
    gateway_t *gw = r->gw;
    enum MHD_Result sent = MHD_YES;
    const mt_user_t *me = &r->auth.user;
    if (gateway_route_is (r, "GET", 1, "cases")) {
        if (!gateway_route_may (r, ANY_ROLE, &sent))
            return sent;
        long long limit = gateway_route_query_int (r->conn, "limit", 50), offset = gateway_route_query_int (r->conn, "offset", 0);
        if (limit < 1 || limit > 500 || offset < 0)
            return gateway_error (r->conn, 400, "invalid_argument", "limit must be 1..500, offset >= 0");
        json_t *params = json_pack ("{s:I, s:I}", "limit", (json_int_t) limit, "offset",
                                    (json_int_t) offset);
        if (me->role == MT_ROLE_STATION_STAFF)
            json_object_set_new (params, "station", json_string (me->station));
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
    if (gateway_route_is (r, "POST", 1, "cases")) {
        if (!gateway_route_may (r, ROLE (MT_ROLE_STATION_STAFF) | ROLE (MT_ROLE_ADMIN), &sent))
            return sent;
        if (!json_is_object (r->body))
            return gateway_error (r->conn, 400, "invalid_argument", "send the case as a JSON object");
        json_t *params = json_deep_copy (r->body);
        //  Staff file cases for their own station.
        if (me->role == MT_ROLE_STATION_STAFF)
            json_object_set_new (params, "station", json_string (me->station));
        return gateway_route_answer (r, "case.add", params, 201);
    }
    if (r->count >= 2 && strcmp (r->parts [0], "cases") == 0) {
        long long id = gateway_route_id (r->parts [1]);
        if (id < 0)
            return gateway_error (r->conn, 404, "not_found", "no such case");
        if (!gateway_route_may (r, ANY_ROLE, &sent))
            return sent;
        json_t *c = gateway_route_case (r, id, &sent);
        if (!c)
            return sent;
        if (gateway_route_is (r, "GET", 2, "cases", "*"))
            return gateway_json (r->conn, 200, c, NULL, NULL);
        json_decref (c);
        if (gateway_route_is (r, "PATCH", 2, "cases", "*")) {
            //  Corrected facts: by the case's station or an administrator.
            if (me->role == MT_ROLE_POLICE_LIAISON)
                return gateway_error (r->conn, 403, "forbidden", "stations correct their cases' facts");
            if (!json_is_object (r->body))
                return gateway_error (r->conn, 400, "invalid_argument", "send the facts as a JSON object");
            json_t *params = json_deep_copy (r->body);
            json_object_set_new (params, "case_id", json_integer (id));
            json_t *out = gateway_route_call (r, "case.update", params, NULL, 0, NULL,
                                     NULL, &sent);
            return out ? gateway_json (r->conn, 200, out, NULL, NULL) : sent;
        }
        if (gateway_route_is (r, "POST", 3, "cases", "*", "close")) {
            if (me->role == MT_ROLE_POLICE_LIAISON)
                return gateway_error (r->conn, 403, "forbidden", "police liaisons close pairs by review");
            const char *reason = json_string_value (json_object_get (r->body, "reason"));
            return gateway_route_answer (r, "case.close", json_pack ("{s:I, s:s?}", "case_id", (json_int_t) id, "reason", reason), 200);
        }
        if (gateway_route_is (r, "POST", 3, "cases", "*", "photos")) {
            if (me->role == MT_ROLE_POLICE_LIAISON)
                return gateway_error (r->conn, 403, "forbidden", "stations add photos");
            if (r->req->too_large)
                return gateway_error (r->conn, 413, "too_large", "the photo is over the upload limit");
            if (!r->req->file || r->req->file_size == 0)
                return gateway_error (r->conn, 400, "invalid_argument",
                                "send the photo as multipart/form-data in a field named photo");
            if (r->req->file_type [0] && strncmp (r->req->file_type, "image/", 6) != 0
            &&  strcmp (r->req->file_type, "application/octet-stream") != 0)
                return gateway_error (r->conn, 415, "unsupported_format",
                                "send an image (JPEG, PNG, WebP, BMP or TIFF)");
            json_t *params = json_pack ("{s:I, s:i}", "case_id", (json_int_t) id, "year_taken",
                                        atoi (r->req->year));
            json_t *out = gateway_route_call (r, "photo.add", params, r->req->file,
                                     r->req->file_size, NULL, NULL, &sent);
            if (out) {
                pthread_mutex_lock (&gw->metrics_lock);
                gw->uploads++;
                pthread_mutex_unlock (&gw->metrics_lock);
            }
            return out ? gateway_json (r->conn, 201, out, NULL, NULL) : sent;
        }
        if (gateway_route_is (r, "GET", 3, "cases", "*", "candidates")) {
            long long limit = gateway_route_query_int (r->conn, "limit", 20), offset = gateway_route_query_int (r->conn, "offset", 0);
            if (limit < 1 || limit > 200 || offset < 0)
                return gateway_error (r->conn, 400, "invalid_argument", "limit must be 1..200, offset >= 0");
            return gateway_route_answer (r, "candidates", json_pack ("{s:I, s:I, s:I}", "case_id", (json_int_t) id, "limit", (json_int_t) limit, "offset", (json_int_t) offset), 200);
        }
        if (gateway_route_is (r, "GET", 3, "cases", "*", "export")) {
            //  Everything held on the case: for its station and administrators.
            if (me->role == MT_ROLE_POLICE_LIAISON)
                return gateway_error (r->conn, 403, "forbidden", "exports are made by the case's "
                                "station or an administrator");
            json_t *out = gateway_route_call (r, "case.export", json_pack ("{s:I}",
                                     "case_id", (json_int_t) id), NULL, 0, NULL, NULL, &sent);
            char disposition [96];
            snprintf (disposition, sizeof disposition,
                      "attachment; filename=\"homeward-case-%lld.json\"", id);
            return out ? gateway_json (r->conn, 200, out, "Content-Disposition", disposition) : sent;
        }
        if (gateway_route_is (r, "POST", 3, "cases", "*", "erase")) {
            if (me->role != MT_ROLE_ADMIN)
                return gateway_error (r->conn, 403, "forbidden", "only an administrator erases a case");
            return gateway_route_answer (r, "case.erase", json_pack ( "{s:I, s:s?, s:s?}", "case_id", (json_int_t) id, "reason", json_string_value (json_object_get (r->body, "reason")), "level", json_string_value (json_object_get (r->body, "level"))), 202);
        }
        if (gateway_route_is (r, "GET", 3, "cases", "*", "reviews")) {
            return gateway_route_answer (r, "reviews", json_pack ("{s:I}", "case_id", (json_int_t) id), 200);
        }
        return gateway_error (r->conn, 404, "not_found", "no such resource");
    }
    return GATEWAY_ROUTE_NEXT;
}

//  A correction of a photo or a face of a case (POST with a JSON body):
//  by the case's station or an administrator.
static enum MHD_Result
s_correct (gateway_route_t *r, long long case_id, const char *method, json_t *params)
{
    enum MHD_Result sent = MHD_YES;
    if (r->auth.user.role == MT_ROLE_POLICE_LIAISON) {
        json_decref (params);
        return gateway_error (r->conn, 403, "forbidden", "stations correct their cases' photos");
    }
    json_t *c = gateway_route_case (r, case_id, &sent);
    if (!c) {
        json_decref (params);
        return sent;
    }
    json_decref (c);
    return gateway_route_answer (r, method, params, 200);
}

//  Photos and face chips, for whoever may see their case; corrections.
enum MHD_Result
gateway_route_media (gateway_route_t *r)
{
    enum MHD_Result sent = MHD_YES;
    const mt_user_t *me = &r->auth.user;
    if (gateway_route_is (r, "GET", 2, "photos", "*")) {
        if (!gateway_route_may (r, ANY_ROLE, &sent))
            return sent;
        long long id = gateway_route_id (r->parts [1]);
        if (id < 0)
            return gateway_error (r->conn, 404, "not_found", "no such photo");
        json_t *photo = gateway_route_call (r, "photo.get", json_pack ("{s:I}", "photo_id",
                                   (json_int_t) id), NULL, 0, NULL, NULL, &sent);
        if (!photo)
            return sent;
        json_t *c = gateway_route_case (r, json_integer_value (json_object_get (photo,
                                    "case_id")), &sent);
        if (!c) {
            json_decref (photo);
            return sent;
        }
        json_decref (c);
        return gateway_json (r->conn, 200, photo, NULL, NULL);
    }
    if (gateway_route_is (r, "POST", 3, "photos", "*", "person") || gateway_route_is (r, "POST", 3, "photos", "*", "remove")
    ||  gateway_route_is (r, "POST", 3, "faces", "*", "exclude")) {
        if (!gateway_route_may (r, ANY_ROLE, &sent))
            return sent;
        long long id = gateway_route_id (r->parts [1]);
        bool photo = strcmp (r->parts [0], "photos") == 0;
        if (id < 0)
            return gateway_error (r->conn, 404, "not_found", photo ? "no such photo" : "no such face");
        json_t *what = gateway_route_call (r, photo ? "photo.get" : "face.get",
                                  json_pack ("{s:I}", photo ? "photo_id" : "face_id",
                                             (json_int_t) id), NULL, 0, NULL, NULL, &sent);
        if (!what)
            return sent;
        long long case_id = json_integer_value (json_object_get (what, "case_id"));
        json_decref (what);
        json_t *params = json_deep_copy (json_is_object (r->body) ? r->body : NULL);
        if (!params)
            params = json_object ();
        json_object_set_new (params, photo ? "photo_id" : "face_id", json_integer (id));
        const char *method = !photo ? "face.exclude"
                           : strcmp (r->parts [2], "person") == 0 ? "photo.person" : "photo.remove";
        return s_correct (r, case_id, method, params);
    }
    if (gateway_route_is (r, "GET", 3, "faces", "*", "chip")) {
        if (!gateway_route_may (r, ANY_ROLE, &sent))
            return sent;
        long long id = gateway_route_id (r->parts [1]);
        if (id < 0)
            return gateway_error (r->conn, 404, "not_found", "no such face");
        uint8_t *jpeg = NULL;
        size_t size = 0;
        json_t *info = gateway_route_call (r, "face.chip", json_pack ("{s:I, s:s}",
                                  "face_id", (json_int_t) id, "station", me->station), NULL, 0,
                                  &jpeg, &size, &sent);
        if (!info)
            return sent;
        //  Staff see their station's faces and those of their cases' candidates.
        bool allowed = me->role != MT_ROLE_STATION_STAFF
                    || strcmp (json_string_value (json_object_get (info, "station")), me->station) == 0
                    || json_is_true (json_object_get (info, "candidate_of_station"));
        json_decref (info);
        if (!allowed) {
            free (jpeg);
            return gateway_error (r->conn, 403, "forbidden", "this face is not one of your station's "
                            "cases or their candidates");
        }
        return gateway_send_owned (r->conn, 200, "image/jpeg", jpeg, size,
                                   "private, max-age=3600");
    }
    return GATEWAY_ROUTE_NEXT;
}

//  Reviews and the queue: police liaisons (and admins).
enum MHD_Result
gateway_route_reviews (gateway_route_t *r)
{
    enum MHD_Result sent = MHD_YES;
    if (gateway_route_is (r, "POST", 1, "reviews")) {
        if (!gateway_route_may (r, ROLE (MT_ROLE_POLICE_LIAISON) | ROLE (MT_ROLE_ADMIN), &sent))
            return sent;
        return gateway_route_answer (r, "review", json_deep_copy (r->body), 200);
    }
    if (gateway_route_is (r, "GET", 1, "queue")) {
        if (!gateway_route_may (r, ROLE (MT_ROLE_POLICE_LIAISON) | ROLE (MT_ROLE_ADMIN), &sent))
            return sent;
        long long limit = gateway_route_query_int (r->conn, "limit", 50), offset = gateway_route_query_int (r->conn, "offset", 0);
        long long province = gateway_route_query_int (r->conn, "province", 0);
        if (limit < 1 || limit > 500 || offset < 0 || province < 0)
            return gateway_error (r->conn, 400, "invalid_argument", "limit must be 1..500, offset >= 0");
        return gateway_route_answer (r, "queue", json_pack ("{s:I, s:I, s:I}", "limit", (json_int_t) limit, "offset", (json_int_t) offset, "province", (json_int_t) province), 200);
    }
    return GATEWAY_ROUTE_NEXT;
}

//  Administration: the audit log, its check, users.
