/* read_ris.c - placeholder until the reader lands. */
#include "ql_internal.h"

void ql_read_ris(ql_doc *d) {
  uint32_t pos = 0, ls, le, para = 0, have = 0;
  while (ql_next_line(d->source, d->srclen, &pos, &ls, &le)) {
    if (ql_is_blank(d->source, ls, le)) {
      if (have) ql_add_block(d, QL_BLOCK_PARAGRAPH, para, ql_text_len(d), QL_NONE);
      have = 0;
      continue;
    }
    if (!have) { ql_block_sep(d, ls); para = ql_text_len(d); have = 1; }
    else ql_emit_lit(d, " ", 1, ls, 0);
    ql_emit(d, ls, le);
  }
  if (have) ql_add_block(d, QL_BLOCK_PARAGRAPH, para, ql_text_len(d), QL_NONE);
}

