//  case_view - a case as a caller may see it, as api.proto's CaseView: its
//  state and counts, and every fact of mt_case_facts the caller may see
//  (another station's staff: none marked personal, nor why it was closed);
//  and a review trail as api.proto's ReviewEntry. The clients write them
//  as the API's JSON (common/api_render).

#ifndef CASE_VIEW_H_INCLUDED
#define CASE_VIEW_H_INCLUDED

#include <stdbool.h>

#include "common/api_pb.h"
#include "face/mt_quality.h"
#include "results/store/mt_casedb.h"

//  A new message (free with protobuf_c_message_free_unpacked), or NULL when
//  out of memory: the whole case when personal, else redacted.
Homeward__V1__CaseView *results_case_view (const mt_case_t *c, bool personal);
//  What a correction changed (case.update's change_list): each fact staff
//  may correct whose value before differs from after, from and to as the
//  case view gives them (NULL: not recorded; *count_p of them).
Homeward__V1__FactChange **results_case_changes_pb (const mt_case_t *before,
                                                    const mt_case_t *after, size_t *count_p,
                                                    bool *failed);
//  A case as a list shows it: its number, kind, state, counts of photos
//  and candidates, and the facts marked listed.
Homeward__V1__CaseView *results_case_row_view (const mt_case_t *c, bool *failed);

//  A photo: its number, the digest of its bytes, its state, faces and when
//  it was taken; with db (the case page) also its case, why it failed,
//  its removal, which face is the person and each face with its quality
//  and the advice that fits where the photo comes from (source).
Homeward__V1__PhotoView *results_photo_view (mt_casedb_t *db, const mt_photo_row_t *row,
                                             mt_photo_source source, bool *failed);

//  A review trail (reviews, the pair view, a case, its export): each
//  decision with the state it left and, where it was a DNA test's result,
//  what the test said; notes and DNA references only when notes is true.
//  As api.proto's entries (*count_p of them; NULL when none).
Homeward__V1__ReviewEntry **results_trail_pb (const mt_review_row_t *rows, size_t count,
                                              bool notes, size_t *count_p, bool *failed);

//  Audit entries (audit.list, the export): api.proto's (*count_p of them;
//  NULL when none): id, at, actor, action, object, detail, hash.
Homeward__V1__AuditEntry **results_audit_pb (const mt_audit_row_t *rows, size_t count,
                                             size_t *count_p, bool *failed);

#endif
