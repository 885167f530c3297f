//  mt_test_http - a small HTTP/1.1 client for black-box tests.

#include "mt_test_http.h"
#include "mt_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static bool
s_send_all (int fd, const void *data, size_t size, long long until)
{
    const char *p = data;
    while (size > 0) {
        struct pollfd item = { fd, POLLOUT, 0 };
        long long left = until - mt_test_now_ms ();
        if (left <= 0 || poll (&item, 1, (int) left) <= 0)
            return false;
        ssize_t n = send (fd, p, size, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        p += n;
        size -= (size_t) n;
    }
    return true;
}

void
mt_test_http (int port, const char *method, const char *path, const char *headers,
              const void *body, size_t size, int timeout_ms, mt_http_reply_t *reply)
{
    *reply = (mt_http_reply_t) { 0 };
    long long until = mt_test_now_ms () + timeout_ms;
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port),
                                .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        if (fd >= 0)
            close (fd);
        return;
    }
    char head [2048];
    int n = snprintf (head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Connection: close\r\nContent-Length: %zu\r\n%s\r\n", method, path, size,
                      headers ? headers : "");
    //  A server may answer before it has read the whole body (a refusal
    //  from the headers): read what it says even when sending failed.
    bool ok = n > 0 && (size_t) n < sizeof head;
    if (ok && s_send_all (fd, head, (size_t) n, until) && size > 0)
        s_send_all (fd, body, size, until);
    char *data = NULL;
    size_t got = 0, cap = 0;
    while (ok) {
        struct pollfd item = { fd, POLLIN, 0 };
        long long left = until - mt_test_now_ms ();
        if (left <= 0 || poll (&item, 1, (int) left) <= 0)
            break;
        if (got + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 16384;
            char *bigger = realloc (data, cap);
            if (!bigger)
                break;
            data = bigger;
        }
        ssize_t r = recv (fd, data + got, cap - got - 1, 0);
        if (r <= 0) {
            //  A whole answer ends with the connection.
            if (r == 0 && data) {
                data [got] = '\0';
                int status = 0;
                char *blank = strstr (data, "\r\n\r\n");
                if (sscanf (data, "HTTP/1.%*d %d", &status) == 1 && blank) {
                    reply->status = status;
                    *blank = '\0';
                    const char *retry = strstr (data, "\r\nRetry-After: ");
                    if (retry)
                        sscanf (retry + 15, "%15[0-9]", reply->retry_after);
                    *blank = '\r';
                    reply->size = got - (size_t) (blank + 4 - data);
                    reply->body = malloc (reply->size + 1);
                    if (reply->body) {
                        memcpy (reply->body, blank + 4, reply->size);
                        reply->body [reply->size] = '\0';
                    }
                }
            }
            break;
        }
        got += (size_t) r;
    }
    free (data);
    close (fd);
}

int
mt_test_http_json (int port, const char *method, const char *path, const char *token,
                   json_t *body, int timeout_ms, json_t **json_p)
{
    char headers [256] = "";
    int at = 0;
    if (token)
        at = snprintf (headers, sizeof headers, "Authorization: Bearer %s\r\n", token);
    char *text = body ? json_dumps (body, JSON_COMPACT) : NULL;
    if (text)
        snprintf (headers + at, sizeof headers - (size_t) at,
                  "Content-Type: application/json\r\n");
    mt_http_reply_t reply;
    mt_test_http (port, method, path, headers, text, text ? strlen (text) : 0, timeout_ms,
                  &reply);
    free (text);
    json_error_t jerr;
    if (json_p)
        *json_p = reply.body ? json_loads (reply.body, 0, &jerr) : NULL;
    free (reply.body);
    return reply.status;
}

int
mt_test_http_upload (int port, const char *path, const char *token, const char *file,
                     int timeout_ms, json_t **json_p)
{
    size_t size;
    char *bytes = mt_test_read (file, &size);
    if (!bytes)
        return 0;
    static const char boundary [] = "hwTestBoundary7MA4YWxkTrZu0gW";
    char head [256], headers [384];
    int h = snprintf (head, sizeof head, "--%s\r\nContent-Disposition: form-data; name=\"photo\";"
                      " filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n", boundary);
    //  A bulk upload: nobody is there to pick the person of a group photo.
    char tail [192];
    int t = snprintf (tail, sizeof tail, "\r\n--%s\r\nContent-Disposition: form-data; "
                      "name=\"ask_person\"\r\n\r\nfalse\r\n--%s--\r\n", boundary, boundary);
    size_t total = (size_t) h + size + (size_t) t;
    char *body = malloc (total);
    memcpy (body, head, (size_t) h);
    memcpy (body + h, bytes, size);
    memcpy (body + h + size, tail, (size_t) t);
    snprintf (headers, sizeof headers, "Authorization: Bearer %s\r\nContent-Type: "
              "multipart/form-data; boundary=%s\r\n", token, boundary);
    mt_http_reply_t reply;
    mt_test_http (port, "POST", path, headers, body, total, timeout_ms, &reply);
    free (body);
    free (bytes);
    json_error_t jerr;
    if (json_p)
        *json_p = reply.body ? json_loads (reply.body, 0, &jerr) : NULL;
    free (reply.body);
    return reply.status;
}
