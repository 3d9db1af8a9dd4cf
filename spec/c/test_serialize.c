/* test_serialize.c - the document model blob without Lua: every seed saves
 * and loads back to the same arrays, out-of-memory at every allocation of a
 * save or a load unwinds without a leak, and many damaged blobs (resealed
 * with a correct checksum, so the loader's own checks must catch them) are
 * refused or loaded, never crashed on; run it under ASan.
 * Usage: test_serialize SEEDS_DIR [ROUNDS] */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include "../../src/ql_internal.h"
#include "../../src/serialize.h"
#include "test_util.h"

static int failures, checks;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failures++; \
  fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

typedef struct { long live, calls, fail_after; } Counter;

/* Can be told to fail every growth after a number of calls; like Lua's
 * allocator, it never fails to shrink. */
static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  Counter *c = (Counter *)ud;
  if (nsize == 0) {
    if (ptr) { c->live--; free(ptr); }
    return NULL;
  }
  if ((!ptr || nsize > osize) && c->fail_after >= 0 && c->calls++ >= c->fail_after) return NULL;
  {
    void *p = realloc(ptr, nsize);
    if (p && !ptr) c->live++;
    return p;
  }
}


#define SAME_VEC(a, b, T, what) \
  CHECK((a)->what.n == (b)->what.n && ((a)->what.n == 0 || memcmp((a)->what.p, (b)->what.p, (a)->what.n * sizeof(T)) == 0), \
        "%s: " #what " differ", name)

/* Structs are compared field by field where they hold padding or pointers. */
static void compare(const char *name, const ql_doc *a, const ql_doc *b) {
  uint32_t i;
  CHECK(a->format == b->format && a->srclen == b->srclen && memcmp(a->source, b->source, a->srclen) == 0, "%s: source differs", name);
  SAME_VEC(a, b, char, text);
  SAME_VEC(a, b, ql_mapseg, map);
  SAME_VEC(a, b, ql_field, meta);
  SAME_VEC(a, b, ql_field, fields);
  SAME_VEC(a, b, ql_span, sentences);
  SAME_VEC(a, b, ql_span, enum_items);
  SAME_VEC(a, b, ql_enumeration, enums);
  SAME_VEC(a, b, ql_footnote, footnotes);
  SAME_VEC(a, b, uint32_t, tok_start);
  SAME_VEC(a, b, uint16_t, tok_lk);
  SAME_VEC(a, b, ql_long_token, tok_long);
  SAME_VEC(a, b, char, pool);  /* the annotations add the same names again */
  CHECK(a->blocks.n == b->blocks.n && a->sections.n == b->sections.n && a->repairs.n == b->repairs.n &&
        a->dropped.n == b->dropped.n && a->warnings.n == b->warnings.n, "%s: counts differ", name);
  for (i = 0; i < a->blocks.n && i < b->blocks.n; i++) {
    const ql_block *x = &QL_VEC_AT(a->blocks, ql_block, i), *y = &QL_VEC_AT(b->blocks, ql_block, i);
    CHECK(x->kind == y->kind && x->section == y->section && x->n == y->n && x->start == y->start && x->stop == y->stop,
          "%s: block %u differs", name, i);
  }
  for (i = 0; i < a->sections.n && i < b->sections.n; i++) {
    const ql_section *x = &QL_VEC_AT(a->sections, ql_section, i), *y = &QL_VEC_AT(b->sections, ql_section, i);
    CHECK(x->title.off == y->title.off && x->title.len == y->title.len && x->level == y->level &&
          x->category == y->category && x->parent == y->parent && x->start == y->start && x->stop == y->stop,
          "%s: section %u differs", name, i);
  }
  for (i = 0; i < a->repairs.n && i < b->repairs.n; i++) {
    const ql_repair *x = &QL_VEC_AT(a->repairs, ql_repair, i), *y = &QL_VEC_AT(b->repairs, ql_repair, i);
    CHECK(strcmp(x->rule, y->rule) == 0 && x->src_start == y->src_start && x->src_stop == y->src_stop &&
          x->text_pos == y->text_pos && x->from.off == y->from.off && x->to.len == y->to.len, "%s: repair %u differs", name, i);
  }
  for (i = 0; i < a->dropped.n && i < b->dropped.n; i++) {
    const ql_dropped *x = &QL_VEC_AT(a->dropped, ql_dropped, i), *y = &QL_VEC_AT(b->dropped, ql_dropped, i);
    CHECK(strcmp(x->reason, y->reason) == 0 && x->src_start == y->src_start && x->src_stop == y->src_stop,
          "%s: dropped %u differs", name, i);
  }
  for (i = 0; i < a->warnings.n && i < b->warnings.n; i++) {
    const ql_warning *x = &QL_VEC_AT(a->warnings, ql_warning, i), *y = &QL_VEC_AT(b->warnings, ql_warning, i);
    CHECK(strcmp(x->code, y->code) == 0 && x->start == y->start && x->message.len == y->message.len,
          "%s: warning %u differs", name, i);
  }
  for (i = 0; i < a->tok_form.n && i < b->tok_form.n; i++) {
    size_t la, lb;
    const char *fa = ql_vocab_form(a->vocab, ((const uint32_t *)a->tok_form.p)[i], &la);
    const char *fb = ql_vocab_form(b->vocab, ((const uint32_t *)b->tok_form.p)[i], &lb);
    if (la != lb || memcmp(fa, fb, la) != 0) { CHECK(0, "%s: token %u form differs", name, i); break; }
  }
}

/* Rewrites length and checksum after a change to the body (layout in serialize.c). */
static void reseal(unsigned char *b, size_t n) {
  uint64_t sum = ql_hash64(b + 40, n - 40, 0x716c646d00000001ULL), len = n;
  int k;
  for (k = 0; k < 8; k++) { b[8 + k] = (unsigned char)(len >> (8 * k)); b[16 + k] = (unsigned char)(sum >> (8 * k)); }
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static void test_seed(const char *name, const char *path, long rounds) {
  size_t len, blen, slen;
  char *buf = slurp(path, &len), *blob = NULL, *slim = NULL, err[256];
  Counter c = { 0, 0, -1 };
  ql_doc *d, *e;
  ql_blob_parts parts;
  long k;
  CHECK(buf != NULL, "cannot read %s", path);
  if (!buf) return;
  d = ql_doc_new(counting_alloc, &c, NULL);
  CHECK(ql_doc_read(d, buf, len, QL_FMT_AUTO, err, sizeof err) == QL_OK, "%s: read failed", name);
  CHECK(ql_doc_save(d, 0, &blob, &blen) == QL_OK, "%s: save failed", name);
  CHECK(ql_doc_save(d, QL_SAVE_NO_SOURCE | QL_SAVE_NO_TEXT, &slim, &slen) == QL_OK, "%s: slim save failed", name);
  parts.source = d->source; parts.srclen = d->srclen; parts.text = (const char *)d->text.p; parts.textlen = d->text.n;

  e = ql_doc_new(counting_alloc, &c, NULL);
  CHECK(ql_doc_load(e, blob, blen, NULL, err, sizeof err) == QL_OK, "%s: load failed: %s", name, err);
  compare(name, d, e);
  ql_doc_free(e);
  e = ql_doc_new(counting_alloc, &c, NULL);
  CHECK(ql_doc_load(e, slim, slen, &parts, err, sizeof err) == QL_OK, "%s: slim load failed: %s", name, err);
  compare(name, d, e);
  ql_doc_free(e);

  /* out of memory at every allocation of a load and of a save */
  for (k = 0;; k++) {
    Counter f = { 0, 0, k };
    ql_doc *x = ql_doc_new(counting_alloc, &f, NULL);
    ql_status st;
    if (!x) { CHECK(f.live == 0, "%s: ql_doc_new leaked", name); continue; }
    st = ql_doc_load(x, blob, blen, NULL, err, sizeof err);
    ql_doc_free(x);
    CHECK(f.live == 0, "%s: OOM at allocation %ld of a load leaked %ld blocks", name, k, f.live);
    CHECK(st == QL_OK || st == QL_ENOMEM, "%s: OOM at %ld gave status %d", name, k, (int)st);
    if (st == QL_OK) break;
  }
  for (k = 0;; k++) {
    char *b2;
    size_t l2;
    long before = c.live;
    ql_status st;
    c.fail_after = k; c.calls = 0;
    st = ql_doc_save(d, 0, &b2, &l2);
    c.fail_after = -1;
    if (st == QL_OK) { CHECK(l2 == blen && memcmp(b2, blob, blen) == 0, "%s: save differs", name); ql_doc_blob_free(d, b2, l2); break; }
    CHECK(st == QL_ENOMEM && c.live == before, "%s: OOM at allocation %ld of a save leaked", name, k);
  }

  /* damaged blobs, resealed */
  for (k = 0; k < rounds; k++) {
    int use_slim = (int)(next_rand() & 1), m, nm = 1 + (int)(next_rand() % 4);
    size_t n = use_slim ? slen : blen;
    unsigned char *b = (unsigned char *)malloc(n);
    Counter f = { 0, 0, -1 };
    ql_doc *x;
    memcpy(b, use_slim ? slim : blob, n);
    if (next_rand() % 4 == 0) n = 40 + (size_t)(next_rand() % (n - 40));   /* truncated */
    for (m = 0; m < nm && n > 40; m++) {
      size_t at = 40 + (size_t)(next_rand() % (n - 40));
      b[at] = (next_rand() & 1) ? (unsigned char)next_rand() : (unsigned char)(b[at] ^ (1u << (next_rand() % 8)));
    }
    reseal(b, n);
    x = ql_doc_new(counting_alloc, &f, NULL);
    if (ql_doc_load(x, (const char *)b, n, &parts, err, sizeof err) == QL_OK) {
      /* a loaded one saves and loads again */
      char *b2;
      size_t l2;
      if (ql_doc_save(x, 0, &b2, &l2) == QL_OK) {
        ql_doc *y = ql_doc_new(counting_alloc, &f, NULL);
        CHECK(ql_doc_load(y, b2, l2, NULL, err, sizeof err) == QL_OK, "%s: a damaged but loaded blob does not reload: %s", name, err);
        ql_doc_free(y);
        ql_doc_blob_free(x, b2, l2);
      }
    } else {
      CHECK(strncmp(err, "bad document model: ", 20) == 0, "%s: unexpected message %s", name, err);
    }
    ql_doc_free(x);
    CHECK(f.live == 0, "%s: damaged blob %ld leaked %ld blocks", name, k, f.live);
    free(b);
  }

  ql_doc_blob_free(d, blob, blen);
  ql_doc_blob_free(d, slim, slen);
  ql_doc_free(d);
  CHECK(c.live == 0, "%s: %ld allocations leaked", name, c.live);
  free(buf);
}

int main(int argc, char **argv) {
  DIR *dir;
  struct dirent *e;
  long rounds = argc > 2 ? atol(argv[2]) : 2000;
  if (argc < 2) { fprintf(stderr, "usage: %s SEEDS_DIR [ROUNDS]\n", argv[0]); return 2; }
  dir = opendir(argv[1]);
  if (!dir) { perror(argv[1]); return 2; }
  while ((e = readdir(dir)) != NULL) {
    char path[4096];
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
    test_seed(e->d_name, path, rounds);
  }
  closedir(dir);
  printf("test_serialize: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
