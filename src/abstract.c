/* abstract.c - placeholder until the structured-abstract segmenter lands. */
#include "ql_internal.h"

int ql_emit_abstract(ql_doc *d, uint32_t s, uint32_t e, int level) {
  uint32_t t0 = ql_text_len(d);
  (void)level;
  ql_emit(d, s, e);
  ql_add_block(d, QL_BLOCK_PARAGRAPH, t0, ql_text_len(d), QL_NONE);
  return 0;
}

ql_category ql_category_from_label(const char *label, size_t len) {
  (void)label; (void)len;
  return QL_CAT_NONE;
}
