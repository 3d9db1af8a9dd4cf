/* footnote.c - footnotes of converted reports: blocks that start with a
 * superscript number, the markers in the text that point at them, and URLs
 * the conversion stranded away from their footnote.
 *
 * Linking works in source order: a marker goes to the first footnote with
 * its number that comes after it (footnotes sit at the bottom of the page
 * or at the end), else to the last one before it.  Markers and footnotes are
 * sorted once and walked together, so numbering that restarts per chapter
 * stays linear. */
#include <stdlib.h>
#include "reflow.h"

static int is_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
static unsigned char fold(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c; }

int32_t ql_fn_start(const char *s, uint32_t a, uint32_t b, uint32_t *marker_end, uint32_t *body) {
  uint32_t i = a;
  int32_t n = 0;
  int len, v, digits = 0;
  while (i < b && (v = ql_rf_sup_digit(s, i, b, &len)) >= 0) {
    n = n * 10 + v;
    digits++;
    i += (uint32_t)len;
  }
  if (digits == 0 || digits > 4) return -1;
  *marker_end = i;
  while (i < b && (s[i] == ' ' || s[i] == '\t')) i++;
  if (i >= b) return -1; /* a bare number is no footnote */
  *body = i;
  return n;
}

static int has_prefix(const char *s, uint32_t i, uint32_t e, const char *p) {
  size_t n = strlen(p);
  return i + n <= e && memcmp(s + i, p, n) == 0;
}

int ql_fn_lone_url(const char *s, uint32_t a, uint32_t b, uint32_t *us, uint32_t *ue) {
  uint32_t i;
  while (b > a && (s[b - 1] == '.' || s[b - 1] == ',' || s[b - 1] == ';')) b--;
  if (b > a && s[a] == '<') {
    if (s[b - 1] != '>') return 0;
    a++; b--;
  }
  if (!has_prefix(s, a, b, "http://") && !has_prefix(s, a, b, "https://") && !has_prefix(s, a, b, "www."))
    return 0;
  for (i = a; i < b; i++)
    if (s[i] == ' ' || s[i] == '\t' || s[i] == '<' || s[i] == '>') return 0;
  *us = a; *ue = b;
  return 1;
}

int ql_fn_has_url(const char *s, uint32_t a, uint32_t b) {
  uint32_t i;
  for (i = a; i + 4 <= b; i++) {
    if (s[i] == 'h' && has_prefix(s, i, b, "http")) return 1;
    if (s[i] == 'w' && has_prefix(s, i, b, "www.")) return 1;
    if (s[i] == 'd' && (has_prefix(s, i, b, "doi.org") || has_prefix(s, i, b, "doi:"))) return 1;
  }
  return 0;
}

/* Words of a URL that say nothing about what it points at. */
static int url_noise(const char *w, size_t n) {
  static const char *const noise[] = { "http", "https", "www", "com", "org", "net", "html",
                                       "htm", "php", "aspx", "pdf", "index", NULL };
  return ql_list_index(noise, w, n) >= 0;
}

/* Whether the folded word w occurs as a whole word in s[a, b). */
static int has_word(const char *s, uint32_t a, uint32_t b, const char *w, size_t n) {
  uint32_t i = a;
  while (i < b) {
    uint32_t j;
    if (!is_alnum((unsigned char)s[i])) { i++; continue; }
    for (j = i; j < b && is_alnum((unsigned char)s[j]); j++) {}
    if (j - i == n) {
      size_t k;
      for (k = 0; k < n && fold((unsigned char)s[i + k]) == (unsigned char)w[k]; k++) {}
      if (k == n) return 1;
    }
    i = j;
  }
  return 0;
}

int ql_fn_url_score(const char *s, uint32_t us, uint32_t ue, uint32_t a, uint32_t b) {
  uint32_t i = us;
  int score = 0, words = 0;
  if (b - a > 1000) b = a + 1000; /* bounded work per pair */
  while (i < ue && words < 16) {
    uint32_t j;
    char w[32];
    size_t n = 0;
    if (!is_alnum((unsigned char)s[i])) { i++; continue; }
    for (j = i; j < ue && is_alnum((unsigned char)s[j]); j++)
      if (n < sizeof w) w[n++] = (char)fold((unsigned char)s[j]);
    if (j - i >= 3 && j - i <= sizeof w && !url_noise(w, n)) {
      words++;
      score += has_word(s, a, b, w, n);
    }
    i = j;
  }
  return score;
}

static int by_src(const void *x, const void *y) {
  const ql_rf_marker *a = (const ql_rf_marker *)x, *b = (const ql_rf_marker *)y;
  return a->src < b->src ? -1 : a->src > b->src;
}
static int by_text(const void *x, const void *y) {
  const ql_rf_marker *a = (const ql_rf_marker *)x, *b = (const ql_rf_marker *)y;
  return a->ms < b->ms ? -1 : a->ms > b->ms;
}
static int note_by_src(const void *x, const void *y) {
  const ql_rf_note *a = (const ql_rf_note *)x, *b = (const ql_rf_note *)y;
  return a->src < b->src ? -1 : a->src > b->src;
}

void ql_fn_link(ql_reflow *r) {
  ql_doc *d = r->d;
  ql_mem *m = &d->mem;
  ql_rf_marker *mk = (ql_rf_marker *)r->markers.p;
  ql_rf_note *nt = (ql_rf_note *)r->notes.p;
  uint32_t nm = r->markers.n, nn = r->notes.n, i;
  int32_t maxn = 0;
  if (nm == 0) return;
  qsort(mk, nm, sizeof *mk, by_src);
  if (nn) qsort(nt, nn, sizeof *nt, note_by_src);
  for (i = 0; i < nn; i++) if (nt[i].n > maxn) maxn = nt[i].n;
  /* scratch: per number the head of its chain of footnotes (source order),
   * the walk position and the last one passed; per footnote the next in its
   * chain; per marker the block it links to */
  r->scratch.n = 0;
  ql_vec_reserve(m, &r->scratch, sizeof(int32_t), 3 * ((size_t)maxn + 1) + nn + nm);
  {
    int32_t *h = (int32_t *)r->scratch.p, *c = h + maxn + 1, *p = c + maxn + 1;
    int32_t *nx = p + maxn + 1, *lk = nx + nn;
    int32_t k;
    for (k = 0; k <= maxn; k++) { h[k] = -1; p[k] = -1; }
    for (k = (int32_t)nn - 1; k >= 0; k--) { nx[k] = h[nt[k].n]; h[nt[k].n] = k; }
    for (k = 0; k <= maxn; k++) c[k] = h[k];
    for (i = 0; i < nm; i++) {
      int32_t n = mk[i].n, pick = -1;
      if (n >= 0 && n <= maxn && nn) {
        while (c[n] >= 0 && nt[c[n]].src < mk[i].src) { p[n] = c[n]; c[n] = nx[c[n]]; }
        pick = c[n] >= 0 ? c[n] : p[n];
      }
      lk[i] = pick >= 0 ? nt[pick].block : -1;
    }
    /* record in text order; the link travels with its marker */
    for (i = 0; i < nm; i++) mk[i].src = (uint32_t)lk[i] + 1u;
  }
  qsort(mk, nm, sizeof *mk, by_text);
  {
    uint32_t missing = 0;
    for (i = 0; i < nm; i++) {
      int32_t block = (int32_t)mk[i].src - 1;
      ql_footnote_add(d, mk[i].n, mk[i].ms, mk[i].me, block);
      /* one warning per marker up to a point, then a count */
      if (block < 0 && missing++ < 50)
        ql_warn(d, "footnote-missing", mk[i].ms, "footnote marker %d has no footnote", (int)mk[i].n);
    }
    if (missing > 50)
      ql_warn(d, "footnote-missing", mk[nm - 1].ms, "%lu more footnote markers have no footnote",
              (unsigned long)(missing - 50));
  }
}
