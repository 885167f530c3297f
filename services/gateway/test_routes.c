//  Self-test of the API's description: every route the gateway answers
//  (gateway_api_routes, which the dispatcher holds every request to) is in
//  web/openapi.json with the roles that may call it, and the description
//  has no route the gateway does not answer.

#include "mt_test.h"

#include "gateway_routes.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

//  The roles of a route as the description names them.
static bool
s_roles_match (int roles, json_t *listed)
{
    static const mt_role all [] = { MT_ROLE_STATION_STAFF, MT_ROLE_POLICE_LIAISON, MT_ROLE_ADMIN };
    if (!json_is_array (listed))
        return false;
    size_t want = 0;
    for (size_t i = 0; i < 3; i++) {
        bool in_table = roles & ROLE (all [i]);
        bool in_doc = false;
        size_t k;
        json_t *name;
        json_array_foreach (listed, k, name)
            in_doc |= strcmp (json_string_value (name), mt_role_name (all [i])) == 0;
        if (in_table != in_doc)
            return false;
        want += in_table;
    }
    return json_array_size (listed) == want;
}

static void
test_routes_described (void)
{
    json_error_t jerr;
    json_t *doc = json_load_file (MT_WEB_DIR "/openapi.json", 0, &jerr);
    MT_CHECK (doc);
    if (!doc) {
        fprintf (stderr, "openapi.json: %s (line %d)\n", jerr.text, jerr.line);
        return;
    }
    MT_CHECK (strncmp (json_string_value (json_object_get (doc, "openapi")), "3.", 2) == 0);
    json_t *paths = json_object_get (doc, "paths");
    size_t routes = 0;
    for (const gateway_api_route_t *t = gateway_api_routes; t->method; t++, routes++) {
        char method [16];
        size_t i = 0;
        for (; t->method [i] && i + 1 < sizeof method; i++)
            method [i] = (char) tolower ((unsigned char) t->method [i]);
        method [i] = '\0';
        json_t *op = json_object_get (json_object_get (paths, t->path), method);
        if (!op) {
            fprintf (stderr, "%s %s is answered but not described in openapi.json\n",
                     t->method, t->path);
            MT_CHECK (op);
            continue;
        }
        MT_CHECK (json_string_value (json_object_get (op, "summary")));
        MT_CHECK (json_object_size (json_object_get (op, "responses")) > 0);
        if (!s_roles_match (t->roles, json_object_get (op, "x-roles"))) {
            fprintf (stderr, "%s %s: x-roles in openapi.json are not the roles the gateway "
                     "allows\n", t->method, t->path);
            MT_CHECK (false);
        }
    }
    //  And nothing described that the gateway does not answer.
    size_t described = 0;
    const char *path;
    json_t *ops;
    json_object_foreach (paths, path, ops) {
        const char *method;
        json_t *op;
        json_object_foreach (ops, method, op) {
            described++;
            bool found = false;
            for (const gateway_api_route_t *t = gateway_api_routes; t->method && !found; t++)
                found = strcmp (t->path, path) == 0 && strcasecmp (t->method, method) == 0;
            if (!found)
                fprintf (stderr, "%s %s is described but the gateway does not answer it\n",
                         method, path);
            MT_CHECK (found);
        }
    }
    MT_CHECK_INT (described, routes);
    json_decref (doc);
}

int
main (void)
{
    MT_RUN (test_routes_described);
    return MT_TEST_MAIN_END ();
}
