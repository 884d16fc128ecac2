/* Messages, private: the readers over the library's YAML documents and
 * streams (yamldoc.h), for the library and its tests and fuzzers. */
#ifndef TCGLOG_MSG_INT_H
#define TCGLOG_MSG_INT_H

#include "tcglog/msg.h"
#include "yamldoc.h"

/* Check a parsed document against the schemas in accept (as tcg_msg_parse).
 * Takes doc over: on success it moves into m, on failure it is freed. */
tcg_rc tcg_msg_from_doc(tcg_ydoc *doc, const tcg_msg_schema *const *accept, tcg_msg *m,
                        tcg_err *err);
/* The next message of a stream (opened with max_doc tcg_msg_max_size(accept)):
 * as tcg_msg_stream_next. */
tcg_rc tcg_msg_next(tcg_ydoc_stream *s, const tcg_msg_schema *const *accept, tcg_msg *m,
                    bool *done, tcg_err *err);

#endif
