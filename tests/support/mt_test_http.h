//  mt_test_http - a small HTTP/1.1 client for black-box tests of the
//  gateway: one request per connection (Connection: close).

#ifndef MT_TEST_HTTP_H_INCLUDED
#define MT_TEST_HTTP_H_INCLUDED

#include <jansson.h>
#include <stddef.h>

typedef struct {
    int status;                 //  0: no answer (refused, reset, timed out)
    char *body;                 //  NUL-terminated; caller frees
    size_t size;
    char retry_after [16];      //  its Retry-After header, "" if none
} mt_http_reply_t;

//  Send method path to 127.0.0.1:port with extra header lines (each ending
//  in \r\n, may be NULL) and a body; wait at most timeout_ms.
void mt_test_http (int port, const char *method, const char *path, const char *headers,
                   const void *body, size_t size, int timeout_ms, mt_http_reply_t *reply);

//  The same with a JSON body (or none) and a bearer token; the answer
//  parsed as JSON into *json_p (NULL if not JSON). Returns the status.
int mt_test_http_json (int port, const char *method, const char *path, const char *token,
                       json_t *body, int timeout_ms, json_t **json_p);

//  Upload a file as multipart/form-data field "photo", as a bulk upload
//  (ask_person=false: the face nearest the middle of a group photo counts
//  most). Returns the status.
int mt_test_http_upload (int port, const char *path, const char *token, const char *file,
                         int timeout_ms, json_t **json_p);

#endif
