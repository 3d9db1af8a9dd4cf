/* test_core.c - C-level tests of the core, without Lua: every reader on the
 * seeds keeps the model's invariants (nothing lost, spans inside the text,
 * allocator balanced), out-of-memory at every allocation unwinds cleanly,
 * and bad input is refused or repaired, never crashed on.
 * Usage: test_core SEEDS_DIR */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include "../../src/ql_internal.h"
#include "../../src/annot.h"
#include "../../src/serialize.h"
#include "test_util.h"

static int failures, checks;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failures++; \
  fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

/* A counting allocator that can be told to fail after a number of calls. */
typedef struct { long live, calls, fail_after; size_t bytes, cap, peak; } Counter;

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  Counter *c = (Counter *)ud;
  if (nsize == 0) {
    if (ptr) { c->live--; c->bytes -= osize; free(ptr); }
    return NULL;
  }
  if (c->fail_after >= 0 && c->calls++ >= c->fail_after) return NULL;
  /* a byte budget fails large requests while small ones still succeed, as a
     host that caps a lua_State's memory does */
  if (c->cap && c->bytes - (ptr ? osize : 0) + nsize > c->cap) return NULL;
  {
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    if (!ptr) c->live++; else c->bytes -= osize;
    c->bytes += nsize;
    if (c->bytes > c->peak) c->peak = c->bytes;
    return p;
  }
}


static int is_ws(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'; }

/* Every non-whitespace source byte is in the text (a map piece) or dropped. */
static void check_nothing_lost(const char *name, const ql_doc *d) {
  unsigned char *seen = (unsigned char *)calloc((size_t)d->srclen + 1, 1);
  uint32_t i, lost = 0, first = 0;
  const ql_mapseg *m = (const ql_mapseg *)d->map.p;
  const ql_dropped *x = (const ql_dropped *)d->dropped.p;
  for (i = 0; i < d->map.n; i++) {
    uint32_t k;
    CHECK(m[i].src + m[i].slen <= d->srclen, "%s: map piece %u beyond the source", name, i);
    for (k = m[i].src; k < m[i].src + m[i].slen && k < d->srclen; k++) seen[k] = 1;
  }
  for (i = 0; i < d->dropped.n; i++) {
    uint32_t k;
    CHECK(x[i].src_start <= x[i].src_stop && x[i].src_stop <= d->srclen, "%s: dropped region %u out of range", name, i);
    for (k = x[i].src_start; k < x[i].src_stop && k < d->srclen; k++) seen[k] = 1;
  }
  for (i = 0; i < d->srclen; i++) {
    unsigned char c = (unsigned char)d->source[i];
    if (!seen[i] && !is_ws(c) && !(c == 0xC2 && i + 1 < d->srclen && (unsigned char)d->source[i + 1] == 0xA0) &&
        !(c == 0xA0 && i > 0 && (unsigned char)d->source[i - 1] == 0xC2)) {
      if (!lost++) first = i;
    }
  }
  CHECK(lost == 0, "%s: %u non-whitespace source bytes neither in the text nor dropped (first at %u: \"%.40s\")",
        name, lost, first, d->source + first);
  free(seen);
}

static void check_spans(const char *name, const ql_doc *d) {
  size_t n, i;
  uint32_t tl = d->text.n, prev = 0;
  const ql_block *b = ql_doc_blocks(d, &n);
  for (i = 0; i < n; i++) {
    CHECK(b[i].start < b[i].stop && b[i].stop <= tl, "%s: block %zu [%u,%u) bad", name, i, b[i].start, b[i].stop);
    CHECK(b[i].start >= prev, "%s: block %zu out of order", name, i);
    prev = b[i].stop;
  }
  {
    const ql_span *s = ql_doc_sentences(d, &n);
    prev = 0;
    for (i = 0; i < n; i++) {
      CHECK(s[i].start < s[i].stop && s[i].stop <= tl && s[i].start >= prev, "%s: sentence %zu bad", name, i);
      CHECK(ql_doc_block_at(d, s[i].start) == ql_doc_block_at(d, s[i].stop - 1), "%s: sentence %zu crosses blocks", name, i);
      prev = s[i].stop;
    }
  }
  {
    const ql_section *s = ql_doc_sections(d, &n);
    for (i = 0; i < n; i++) {
      CHECK(s[i].start <= s[i].stop && s[i].stop <= tl, "%s: section %zu bad", name, i);
      if (s[i].parent >= 0)
        CHECK((size_t)s[i].parent < i && s[s[i].parent].start <= s[i].start && s[i].stop <= s[s[i].parent].stop,
              "%s: section %zu not inside its parent", name, i);
    }
  }
  {
    size_t nt = ql_doc_ntokens(d);
    const uint32_t *ts = ql_doc_token_starts(d);
    prev = 0;
    for (i = 0; i < nt; i++) {
      uint32_t te = ql_doc_token_stop(d, i);
      CHECK(ts[i] < te && te <= tl && ts[i] >= prev, "%s: token %zu bad", name, i);
      prev = te;
    }
  }
  /* the offset map is ordered by text position (source order may differ:
     an RIS title leads the text wherever its tag stood) */
  {
    const ql_mapseg *m = (const ql_mapseg *)d->map.p;
    for (i = 1; i < d->map.n; i++)
      CHECK(m[i].text >= m[i - 1].text + m[i - 1].tlen, "%s: map piece %zu out of text order", name, i);
  }
}

static ql_doc *read_with(Counter *c, const char *buf, size_t len, ql_format fmt, ql_status *st) {
  char err[256];
  ql_doc *d = ql_doc_new(counting_alloc, c, NULL);
  if (!d) { *st = QL_ENOMEM; return NULL; }
  *st = ql_doc_read(d, buf, len, fmt, err, sizeof err);
  if (*st == QL_OK) *st = ql_doc_annotate(d);
  return d;
}

/* Annotations are computed on demand: running out of memory in the middle
   leaves none, and a later call with memory to spare gives them all. */
static void test_annotate_retry(const char *path, const char *buf, size_t len) {
  Counter c = { 0, 0, 1L << 60, 0, 0, 0 };
  char err[256];
  size_t want_actors, want_q, n;
  ql_status st;
  ql_doc *d = read_with(&c, buf, len, QL_FMT_AUTO, &st);
  ql_doc_actors(d, &want_actors);
  ql_doc_quantities(d, &want_q);
  ql_doc_free(d);
  d = ql_doc_new(counting_alloc, &c, NULL);
  CHECK(ql_doc_annotate(d) == QL_EFORMAT, "%s: annotating a document not read is refused", path);
  CHECK(ql_doc_read(d, buf, len, QL_FMT_AUTO, err, sizeof err) == QL_OK, "%s: read", path);
  c.fail_after = c.calls + 3;
  CHECK(ql_doc_annotate(d) == QL_ENOMEM, "%s: out of memory while annotating is reported", path);
  ql_doc_actors(d, &n);
  CHECK(n == 0, "%s: a failed annotation leaves none (%zu actors)", path, n);
  c.fail_after = -1;
  CHECK(ql_doc_annotate(d) == QL_OK, "%s: annotating again succeeds", path);
  ql_doc_actors(d, &n);
  CHECK(n == want_actors, "%s: %zu actors after the retry, %zu in one go", path, n, want_actors);
  ql_doc_quantities(d, &n);
  CHECK(n == want_q, "%s: %zu quantities after the retry, %zu in one go", path, n, want_q);
  ql_doc_free(d);
  CHECK(c.live == 0, "%s: %ld allocations leaked around a failed annotation", path, c.live);
}

/* A borrowed read uses the caller's bytes in place and gives the same
   model as a copying one; without the NUL after them it copies. */
static void test_borrowed(const char *path, char *buf, size_t len) {
  Counter c = { 0, 0, -1, 0, 0, 0 };
  char err[256];
  ql_status st;
  ql_doc *copy = read_with(&c, buf, len, QL_FMT_AUTO, &st);
  ql_doc *lent = ql_doc_new(counting_alloc, &c, NULL);
  CHECK(ql_doc_read_borrowed(lent, buf, len, QL_FMT_AUTO, err, sizeof err) == QL_OK, "%s: borrowed read", path);
  CHECK(lent->source == buf, "%s: the source is the caller's bytes", path);
  CHECK(lent->text.n == copy->text.n && memcmp(lent->text.p, copy->text.p, copy->text.n) == 0 &&
        lent->blocks.n == copy->blocks.n && lent->sentences.n == copy->sentences.n &&
        lent->tok_start.n == copy->tok_start.n, "%s: borrowed and copied reads agree", path);
  ql_doc_free(lent);
  if (len > 1) { /* no NUL after the bytes: copied */
    lent = ql_doc_new(counting_alloc, &c, NULL);
    CHECK(ql_doc_read_borrowed(lent, buf, len - 1, QL_FMT_AUTO, err, sizeof err) == QL_OK &&
          lent->source != buf && !lent->source_borrowed, "%s: bytes without a NUL after them are copied", path);
    ql_doc_free(lent);
  }
  ql_doc_free(copy);
  CHECK(c.live == 0, "%s: %ld allocations leaked by borrowed reads", path, c.live);
}

static void test_seed(const char *path) {
  size_t len;
  char *buf = slurp(path, &len);
  Counter c = { 0, 0, -1, 0, 0, 0 };
  ql_status st;
  ql_doc *d;
  long k;
  CHECK(buf != NULL, "cannot read %s", path);
  if (!buf) return;
  d = read_with(&c, buf, len, QL_FMT_AUTO, &st);
  CHECK(st == QL_OK, "%s: read failed (%d)", path, st);
  if (d && st == QL_OK) {
    check_nothing_lost(path, d);
    check_spans(path, d);
    CHECK(c.bytes <= len * 12 + 65536, "%s: %zu bytes held for %zu of input", path, c.bytes, len);
  }
  ql_doc_free(d);
  CHECK(c.live == 0, "%s: %ld allocations leaked", path, c.live);
  CHECK(c.bytes == 0, "%s: frees gave back sizes that differ by %zu bytes from the allocations", path, c.bytes);
  /* out of memory at each of the first allocations, then at ~300 points
     spread over all the read's allocations: unwinds, no leak */
  {
    Counter all = { 0, 0, 1L << 60, 0, 0, 0 };
    long total, step;
    d = read_with(&all, buf, len, QL_FMT_AUTO, &st);
    ql_doc_free(d);
    total = all.calls;
    step = total / 300 > 7 ? total / 300 : 7;
    for (k = 0; k < total + 2; k += k < 40 ? 1 : step) {
    Counter f = { 0, 0, k, 0, 0, 0 };
    d = read_with(&f, buf, len, QL_FMT_AUTO, &st);
    ql_doc_free(d);
    CHECK(f.live == 0, "%s: OOM at allocation %ld of %ld leaked %ld blocks", path, k, total, f.live);
    }
    /* and under byte budgets from a tenth of the peak to just below it */
    for (k = 1; k < 40; k++) {
      Counter f;
      memset(&f, 0, sizeof f);
      f.fail_after = -1;
      f.cap = all.peak / 40 * (size_t)k;
      d = read_with(&f, buf, len, QL_FMT_AUTO, &st);
      ql_doc_free(d);
      CHECK(f.live == 0 && f.bytes == 0, "%s: a budget of %zu bytes leaked %ld blocks (%zu bytes)", path, f.cap, f.live, f.bytes);
    }
  }
  test_annotate_retry(path, buf, len);
  test_borrowed(path, buf, len);
  free(buf);
}

/* Raw RIS fields: one-line values point into the source, values with
 * continuation lines are joined in the pool; both read back the same way,
 * also from a CRLF file and through a save and a load without the source. */
static void test_ris_fields(void) {
  static const char ris[] = "TY  - JOUR\r\nTI  - A title\r\nN1  - first line\r\n  second line\r\n"
                            "ZZ  - unknown tag\r\nER  - \r\n";
  static const struct { const char *key, *value; int in_source; } want[] = {
    { "TY", "JOUR", 1 }, { "TI", "A title", 1 }, { "N1", "first line\nsecond line", 0 },
    { "ZZ", "unknown tag", 1 }, { "ER", "", 1 } };
  Counter c = { 0, 0, -1, 0, 0, 0 };
  ql_status st;
  ql_doc *d = read_with(&c, ris, sizeof ris - 1, QL_FMT_AUTO, &st), *e;
  size_t n, i, k, blen;
  const ql_field *f = ql_doc_fields(d, &n);
  char *blob, err[256];
  ql_blob_parts parts;
  CHECK(st == QL_OK && n == 5, "RIS fields read (%zu)", n);
  for (i = 0; i < n && i < 5; i++) {
    CHECK(f[i].key.len == 2 && memcmp(ql_doc_str(d, f[i].key), want[i].key, 2) == 0, "field %zu key", i);
    CHECK(f[i].value.len == strlen(want[i].value) &&
          memcmp(ql_doc_str(d, f[i].value), want[i].value, f[i].value.len) == 0, "field %zu value", i);
    CHECK(((f[i].value.off & QL_STR_IN_SOURCE) != 0) == want[i].in_source, "field %zu: in the source or pooled", i);
  }
  CHECK(ql_doc_save(d, QL_SAVE_NO_SOURCE, &blob, &blen) == QL_OK, "RIS model saved without its source");
  parts.source = d->source; parts.srclen = d->srclen; parts.text = NULL; parts.textlen = 0;
  e = ql_doc_new(counting_alloc, &c, NULL);
  CHECK(ql_doc_load(e, blob, blen, &parts, err, sizeof err) == QL_OK, "RIS model loaded: %s", err);
  f = ql_doc_fields(e, &k);
  CHECK(k == n && k == 5 && memcmp(ql_doc_str(e, f[3].value), "unknown tag", 11) == 0,
        "fields in the source read back after a load");
  ql_doc_free(e);
  ql_doc_blob_free(d, blob, blen);
  ql_doc_free(d);
  CHECK(c.live == 0, "RIS field tests leaked %ld blocks", c.live);
}

/* Tokens keep their length beside their kind in 16 bits; a token of 8191
 * bytes or more keeps its end apart: ends and kinds read back the same,
 * also after a save and load. */
static void test_long_tokens(void) {
  static const size_t lens[] = { 8190, 8191, 20000 };
  Counter c = { 0, 0, -1, 0, 0, 0 };
  ql_status st;
  size_t n = 0, i, k, blen, nt;
  char *text = (char *)malloc(40000), *blob, err[256];
  ql_doc *d, *e;
  ql_blob_parts parts;
  /* "x 1234 aaa...a , bbb...b . ccc...c 99" */
  memcpy(text, "x 1234 ", 7); n = 7;
  for (k = 0; k < 3; k++) {
    memset(text + n, 'a' + (int)k, lens[k]); n += lens[k];
    memcpy(text + n, k == 0 ? " , " : k == 1 ? " . " : " 99", 3); n += 3;
  }
  d = read_with(&c, text, n, QL_FMT_TEXT, &st);
  nt = ql_doc_ntokens(d);
  CHECK(st == QL_OK && nt == 8, "long tokens: %zu tokens", nt);
  if (nt == 8) {
    const uint32_t *ts = ql_doc_token_starts(d);
    for (k = 0; k < 3; k++) {
      i = 2 + 2 * k;
      CHECK(ql_doc_token_stop(d, i) - ts[i] == lens[k] && ql_doc_token_kind(d, i) == QL_TOK_WORD,
            "token of %zu bytes: its end and kind", lens[k]);
      CHECK(ql_doc_token_kind(d, i + 1) == (k < 2 ? QL_TOK_PUNCT : QL_TOK_NUMBER), "the token after it: its kind");
    }
    CHECK(ql_doc_token_kind(d, 1) == QL_TOK_NUMBER && ql_doc_token_stop(d, 1) == 6, "a short number before them");
  }
  CHECK(ql_doc_save(d, 0, &blob, &blen) == QL_OK, "long tokens saved");
  parts.source = NULL; parts.srclen = 0; parts.text = NULL; parts.textlen = 0;
  e = ql_doc_new(counting_alloc, &c, NULL);
  CHECK(ql_doc_load(e, blob, blen, &parts, err, sizeof err) == QL_OK, "long tokens loaded: %s", err);
  CHECK(ql_doc_ntokens(e) == nt, "as many tokens after a load");
  for (i = 0; i < nt && i < ql_doc_ntokens(e); i++)
    CHECK(ql_doc_token_stop(e, i) == ql_doc_token_stop(d, i) && ql_doc_token_kind(e, i) == ql_doc_token_kind(d, i),
          "token %zu the same after a load", i);
  ql_doc_free(e);
  ql_doc_blob_free(d, blob, blen);
  ql_doc_free(d);
  free(text);
  CHECK(c.live == 0, "long token tests leaked %ld blocks", c.live);
}

static void test_bad_input(void) {
  Counter c = { 0, 0, -1, 0, 0, 0 };
  ql_status st;
  ql_doc *d;
  size_t n, big = 50u << 20, i;
  char *line;
  static const char utf16[] = "\xFF\xFE" "H\0i\0 \0\xA3\0" "5\0";
  static const char cp1252[] = "Caf\xE9 costs \x80" "5 \x96 \x93quoted\x94";

  d = read_with(&c, "", 0, QL_FMT_AUTO, &st);
  CHECK(st == QL_OK && d->text.n == 0 && d->blocks.n == 0, "empty input gives an empty document");
  ql_doc_free(d);

  d = read_with(&c, "abc\0def", 7, QL_FMT_AUTO, &st);
  CHECK(st == QL_EBINARY, "NUL bytes are refused as binary");
  ql_doc_free(d);

  d = read_with(&c, utf16, sizeof utf16 - 1, QL_FMT_AUTO, &st);
  CHECK(st == QL_OK && d->text.n >= 6 && memcmp(d->text.p, "Hi \xC2\xA3" "5", 6) == 0, "UTF-16LE with BOM decoded");
  ql_doc_free(d);

  d = read_with(&c, cp1252, sizeof cp1252 - 1, QL_FMT_AUTO, &st);
  CHECK(st == QL_OK && strstr((const char *)d->text.p, "Caf\xC3\xA9 costs \xE2\x82\xAC" "5") != NULL &&
        d->warnings.n == 1, "Windows-1252 decoded with a warning");
  ql_doc_free(d);

  d = read_with(&c, "ok \xC3\xA9 then \xFF bad", 16, QL_FMT_AUTO, &st);
  CHECK(st == QL_OK && strstr((const char *)d->text.p, "\xEF\xBF\xBD") != NULL && d->warnings.n == 1,
        "invalid UTF-8 replaced by U+FFFD with a warning");
  ql_doc_free(d);

  line = (char *)malloc(big);
  for (i = 0; i < big; i++) line[i] = "word. Another sentence here "[i % 28];
  d = read_with(&c, line, big, QL_FMT_AUTO, &st);
  ql_doc_sentences(d, &n);
  CHECK(st == QL_OK && d->text.n > big - 64 && n > 1000, "a 50 MB single line is read (%zu sentences)", n);
  ql_doc_free(d);
  for (i = 0; i < 4096; i++) line[i] = "* \n"[i % 3];
  d = read_with(&c, line, 4096, QL_FMT_AUTO, &st);
  CHECK(st == QL_OK, "a file of only bullets is read");
  if (st == QL_OK) check_nothing_lost("bullets", d);
  ql_doc_free(d);
  free(line);
  CHECK(c.live == 0, "bad-input tests leaked %ld blocks", c.live);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "seeds";
  DIR *dp = opendir(dir);
  struct dirent *e;
  int nseeds = 0;
  CHECK(dp != NULL, "cannot open %s", dir);
  while (dp && (e = readdir(dp)) != NULL) {
    char path[4096];
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    test_seed(path);
    nseeds++;
  }
  if (dp) closedir(dp);
  CHECK(nseeds == 5, "expected the 5 seeds, found %d", nseeds);
  test_bad_input();
  test_ris_fields();
  test_long_tokens();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
