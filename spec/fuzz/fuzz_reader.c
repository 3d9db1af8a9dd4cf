/* fuzz_reader.c - libFuzzer harness for one reader (QL_FUZZ_FORMAT) plus
 * the model invariants a reader must keep whatever its input. */
#include <stdlib.h>
#include <string.h>
#include "../../src/qualua.h"

#ifndef QL_FUZZ_FORMAT
#define QL_FUZZ_FORMAT QL_FMT_AUTO
#endif

static void *fuzz_alloc(void *ud, void *p, size_t o, size_t n) {
  (void)ud; (void)o;
  if (n == 0) { free(p); return NULL; }
  return realloc(p, n);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  char err[256];
  ql_doc *d = ql_doc_new(fuzz_alloc, NULL, NULL);
  size_t n, i, tl;
  if (!d) return 0;
  if (ql_doc_read(d, (const char *)data, size, QL_FUZZ_FORMAT, err, sizeof err) == QL_OK) {
    const ql_block *b = ql_doc_blocks(d, &n);
    ql_doc_text(d, &tl);
    for (i = 0; i < n; i++)
      if (b[i].start >= b[i].stop || b[i].stop > tl) abort();
    {
      const ql_span *s = ql_doc_sentences(d, &n);
      for (i = 0; i < n; i++)
        if (s[i].start >= s[i].stop || s[i].stop > tl) abort();
    }
    for (i = 0; i <= tl; i += 13) (void)ql_doc_source_offset(d, (uint32_t)i);
  }
  ql_doc_free(d);
  return 0;
}
