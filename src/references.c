/* references.c - footnotes and reference entries parsed into authors, year,
 * title, container, DOI and URL; Ibid. resolved to the entry before; DOIs
 * checked by syntax and for damage; URLs split over lines or stranded in a
 * later block rejoined; every in-text marker linked to its entry.
 *
 * The parser reads the common shapes of the field (APA "Authors (Year).
 * Title. *Container*, 1(2), 3-4.", Vancouver-like "Author. Title. Place:
 * Publisher; Year.") from landmarks: the parenthesised year, italics, the
 * URL and the DOI; whatever it cannot place stays in the entry's span. */
#include "annot.h"

static int is_dig(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_up(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_lo(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_alpha(unsigned char c) { return is_up(c) || is_lo(c); }
static int is_sp(unsigned char c) { return c == ' ' || c == '\n' || c == '\t'; }
static unsigned char lower(unsigned char c) { return is_up(c) ? (unsigned char)(c + 32) : c; }

static ql_span span(uint32_t s, uint32_t e) { ql_span x; x.start = s; x.stop = e; return x; }
static const ql_span nospan = { 0, 0 };

/* ---- DOIs ---- */
static int suffix_char_ok(unsigned char c) {
  if (c >= 0x80) return 1; /* UTF-8: the DOI system allows any Unicode */
  if (c <= 0x20 || c == 0x7F) return 0;
  return !strchr("#\"{}|\\^`", c);
}

int ql_doi_syntax(const char *s, size_t n) {
  size_t i = 3, d0;
  if (n < 6 || memcmp(s, "10.", 3) != 0) return 0;
  d0 = i;
  while (i < n && is_dig((unsigned char)s[i])) i++;
  if (i - d0 < 2) return 0;
  while (i < n && s[i] == '.') { /* sub-divided registrant: 10.1000.10 */
    size_t d1 = ++i;
    while (i < n && is_dig((unsigned char)s[i])) i++;
    if (i == d1) return 0;
  }
  if (i >= n || s[i] != '/' || i + 1 >= n) return 0;
  for (i++; i < n; i++) if (!suffix_char_ok((unsigned char)s[i])) return 0;
  return 1;
}

/* A word spliced into a suffix by a broken conversion: a capitalised word
 * ("10Anderson") or a long lower-case word ("prioritised2018") glued to a
 * digit.  Publishers' suffixes use digits, dots and short lower-case codes
 * (nature12373, j.rcsop, bjgp21X717029), so this stays quiet on them. */
static int spliced_word(const char *s, size_t n) {
  size_t i = 0;
  const char *slash = (const char *)memchr(s, '/', n);
  if (slash) i = (size_t)(slash - s) + 1;
  while (i < n) {
    size_t a = i, b, lowc = 0;
    int glued;
    if (!is_alpha((unsigned char)s[i])) { i++; continue; }
    while (i < n && is_alpha((unsigned char)s[i])) { lowc += is_lo((unsigned char)s[i]); i++; }
    b = i;
    glued = (a > 0 && is_dig((unsigned char)s[a - 1])) || (b < n && is_dig((unsigned char)s[b]));
    if (!glued) continue;
    if (is_up((unsigned char)s[a]) && lowc == b - a - 1 && b - a >= 4) return 1;
    if (lowc == b - a && b - a >= 8) return 1;
  }
  return 0;
}

int ql_doi_check(const char *s, size_t n) {
  char buf[512] = { 0 };
  size_t i, k = 0;
  for (i = 0; i < n && k < sizeof buf; i++) if (!is_sp((unsigned char)s[i])) buf[k++] = s[i];
  if (k == sizeof buf || !ql_doi_syntax(buf, k)) return QL_DOI_SYNTAX;
  return spliced_word(buf, k) ? QL_DOI_SPLICED : QL_DOI_OK;
}

static int ieq_prefix(const char *s, size_t n, const char *p) {
  size_t l = strlen(p), i;
  if (n < l) return 0;
  for (i = 0; i < l; i++) if (lower((unsigned char)s[i]) != (unsigned char)p[i]) return 0;
  return 1;
}

int ql_doi_parse(const char *s, size_t n, size_t *off, int *how) {
  size_t o = 0;
  int h = 0;
  if (ieq_prefix(s, n, "https://")) { o = 8; h = 2; }
  else if (ieq_prefix(s, n, "http://")) { o = 7; h = 2; }
  if (ieq_prefix(s + o, n - o, "dx.doi.org/")) { o += 11; if (!h) h = 3; }
  else if (ieq_prefix(s + o, n - o, "doi.org/")) { o += 8; if (!h) h = 3; }
  else if (h) return 0; /* some other URL */
  else if (ieq_prefix(s, n, "doi:")) { o = 4; h = 1; while (o < n && s[o] == ' ') o++; }
  if (!ql_doi_syntax(s + o, n - o)) return 0;
  *off = o; *how = h;
  return 1;
}

int ql_doi_find(const char *t, uint32_t s, uint32_t e, uint32_t *ds, uint32_t *de) {
  uint32_t i = s;
  while (i + 6 < e) {
    const char *p = (const char *)memchr(t + i, '1', e - i);
    uint32_t a, j, lt = 0, depth = 0;
    if (!p) return 0;
    a = (uint32_t)(p - t);
    i = a + 1;
    if (a + 6 >= e || t[a + 1] != '0' || t[a + 2] != '.' || !is_dig((unsigned char)t[a + 3])) continue;
    if (a > s && (is_dig((unsigned char)t[a - 1]) || t[a - 1] == '.')) continue;
    for (j = a + 3; j < e && (is_dig((unsigned char)t[j]) || t[j] == '.'); j++) {}
    if (j >= e || t[j] != '/') continue;
    for (j++; j < e; j++) {
      unsigned char c = (unsigned char)t[j];
      if (!suffix_char_ok(c)) break;
      if (c == '<') lt++;
      else if (c == '>') { if (!lt) break; lt--; }
      else if (c == '(') depth++;
      else if (c == ')') { if (!depth) break; depth--; }
    }
    while (j > a && strchr(".,;:", t[j - 1])) j--;
    if (ql_doi_syntax(t + a, j - a)) { *ds = a; *de = j; return 1; }
  }
  return 0;
}

/* ---- entries ---- */
static void trim(const char *t, uint32_t *s, uint32_t *e) {
  while (*s < *e && is_sp((unsigned char)t[*s])) (*s)++;
  while (*e > *s && is_sp((unsigned char)t[*e - 1])) (*e)--;
}

/* trims spaces, italics marks and the punctuation that ends a field */
static ql_span field(const char *t, uint32_t s, uint32_t e) {
  for (;;) {
    trim(t, &s, &e);
    if (s < e && (t[s] == '*' || t[s] == '_')) { s++; continue; }
    if (e > s && (t[e - 1] == '*' || t[e - 1] == '_' || t[e - 1] == ',' || t[e - 1] == ';' || t[e - 1] == ':')) { e--; continue; }
    if (e > s + 1 && t[e - 1] == '.' && !(e >= s + 2 && is_up((unsigned char)t[e - 2]) && (e == s + 2 || t[e - 3] == ' ' || t[e - 3] == '.'))) {
      e--; continue; /* keep the dot of an initial: "M." */
    }
    break;
  }
  return e > s ? span(s, e) : nospan;
}

static uint32_t find_ci(const char *t, uint32_t s, uint32_t e, const char *w) {
  size_t l = strlen(w);
  uint32_t i;
  for (i = s; i + l <= e; i++)
    if (lower((unsigned char)t[i]) == (unsigned char)w[0] && ieq_prefix(t + i, e - i, w)) return i;
  return UINT32_MAX;
}

static uint32_t find_url(const char *t, uint32_t s, uint32_t e, ql_span *url) {
  uint32_t i, a = UINT32_MAX;
  for (i = s; i + 4 < e; i++) {
    if ((t[i] == 'h' && (ieq_prefix(t + i, e - i, "http://") || ieq_prefix(t + i, e - i, "https://"))) ||
        (t[i] == 'w' && ieq_prefix(t + i, e - i, "www.") && (i == s || !is_alpha((unsigned char)t[i - 1])))) {
      a = i; break;
    }
  }
  if (a == UINT32_MAX) return UINT32_MAX;
  if (a > s && t[a - 1] == '<') {
    /* <...> holds the whole URL, even when a line break split it */
    const char *gt = (const char *)memchr(t + a, '>', e - a);
    uint32_t z = gt ? (uint32_t)(gt - t) : e;
    trim(t, &a, &z);
    *url = span(a, z);
    return a - 1;
  }
  {
    uint32_t z = a, depth = 0;
    while (z < e && !is_sp((unsigned char)t[z]) && t[z] != '>' && t[z] != '"') {
      if (t[z] == '(') depth++;
      else if (t[z] == ')') { if (!depth) break; depth--; }
      z++;
    }
    while (z > a && strchr(".,;:", t[z - 1])) z--;
    *url = span(a, z);
  }
  return a;
}

/* "M.", "M. F.", "O. T.", "J.-P." */
static int initials(const char *t, uint32_t s, uint32_t e) {
  uint32_t i = s, n = 0;
  trim(t, &s, &e);
  i = s;
  while (i < e) {
    if (!is_up((unsigned char)t[i])) return 0;
    i++;
    if (i < e && is_lo((unsigned char)t[i])) i++; /* Th. */
    if (i >= e || t[i] != '.') return 0;
    i++; n++;
    while (i < e && (t[i] == ' ' || t[i] == '-')) i++;
  }
  return n > 0;
}

/* Does t[s, e) look like a list of people ("Anderson, M., Pitchforth, E.")? */
static int person_list(const char *t, uint32_t s, uint32_t e) {
  uint32_t i;
  for (i = s; i + 3 < e; i++)
    if (t[i] == ',' && t[i + 1] == ' ' && is_up((unsigned char)t[i + 2]) && t[i + 3] == '.') return 1;
  return 0;
}

/* An organisation as author: a few capitalised words (of, and, for, the, & allowed). */
static int org_name(const char *t, uint32_t s, uint32_t e) {
  uint32_t i = s, words = 0;
  trim(t, &s, &e);
  if (e <= s || !is_up((unsigned char)t[s])) return 0;
  for (i = s; i < e;) {
    uint32_t w = i;
    while (i < e && !is_sp((unsigned char)t[i])) i++;
    words++;
    if (is_lo((unsigned char)t[w]) && !(ieq_prefix(t + w, i - w, "of") || ieq_prefix(t + w, i - w, "and") ||
                                        ieq_prefix(t + w, i - w, "for") || ieq_prefix(t + w, i - w, "the")))
      return 0;
    while (i < e && is_sp((unsigned char)t[i])) i++;
  }
  return words <= 6;
}

static void add_author(ql_ref_parse *out, const char *t, uint32_t s, uint32_t e) {
  ql_span f = field(t, s, e);
  if (f.stop <= f.start || out->nauthors >= 64) return;
  if (f.stop - f.start == 3 && memcmp(t + f.start, "...", 3) == 0) return;
  if (ieq_prefix(t + f.start, f.stop - f.start, "et al")) return;
  out->authors[out->nauthors++] = f;
}

/* Splits "Anderson, M., Pitchforth, E., ... & Mossialos, E." into people;
 * initials attach to the surname before them. */
static void split_people(ql_ref_parse *out, const char *t, uint32_t s, uint32_t e) {
  uint32_t i = s, cur = UINT32_MAX, cur_e = 0;
  trim(t, &s, &e);
  i = s;
  while (i < e) {
    uint32_t a = i, b;
    while (i < e && !(t[i] == ',' && i + 1 < e && t[i + 1] == ' ') && t[i] != '&') i++;
    b = i;
    if (i < e) i += t[i] == '&' ? 1 : 2;
    trim(t, &a, &b);
    if (a + 4 <= b && ieq_prefix(t + a, b - a, "and ")) a += 4;
    if (b <= a) continue;
    if (initials(t, a, b) && cur != UINT32_MAX) { add_author(out, t, cur, b); cur = UINT32_MAX; continue; }
    if (cur != UINT32_MAX) add_author(out, t, cur, cur_e);
    cur = a; cur_e = b;
  }
  if (cur != UINT32_MAX) add_author(out, t, cur, cur_e);
}

/* End of the sentence-like segment starting at s: ". " not after an initial. */
static uint32_t segment_end(const char *t, uint32_t s, uint32_t e) {
  uint32_t i;
  int italic = 0;
  for (i = s; i < e; i++) {
    if (t[i] == '*') italic = !italic;
    if (italic) continue;
    if ((t[i] == '.' || t[i] == '?' || t[i] == '!') && (i + 1 == e || is_sp((unsigned char)t[i + 1]))) {
      if (t[i] == '.' && i > s && is_up((unsigned char)t[i - 1]) && (i - 1 == s || !is_alpha((unsigned char)t[i - 2]))) continue;
      return i;
    }
  }
  return e;
}

/* Italic run *...* in [s, e): sets its content span. */
static int italic(const char *t, uint32_t s, uint32_t e, uint32_t *is, uint32_t *ie) {
  const char *a = (const char *)memchr(t + s, '*', e - s), *b;
  if (!a) return 0;
  b = (const char *)memchr(a + 1, '*', (size_t)(t + e - (a + 1)));
  if (!b) return 0;
  *is = (uint32_t)(a - t); *ie = (uint32_t)(b - t) + 1;
  return 1;
}

/* The volume after a journal name: ", 24(1)", ", 13, 100404", ", Volume 33":
 * returns the position of its comma, or UINT32_MAX. */
static uint32_t find_volume(const char *t, uint32_t s, uint32_t e) {
  uint32_t i;
  for (i = s; i + 2 < e; i++) {
    uint32_t j, k;
    if (t[i] != ',' || t[i + 1] != ' ') continue;
    j = i + 2;
    if (ieq_prefix(t + j, e - j, "volume ") || ieq_prefix(t + j, e - j, "vol. ") || ieq_prefix(t + j, e - j, "vol ")) return i;
    for (k = j; k < e && is_dig((unsigned char)t[k]); k++) {}
    if (k == j || k - j > 4) continue;
    if (k == e || t[k] == '(' || t[k] == ',' || t[k] == ':' || t[k] == '.') return i;
  }
  return UINT32_MAX;
}

/* Title and container in t[s, e), the part after the year. */
static void title_container(ql_ref_parse *out, const char *t, uint32_t s, uint32_t e) {
  uint32_t is, ie, vol;
  trim(t, &s, &e);
  while (s < e && (t[s] == '.' || t[s] == ',')) { s++; trim(t, &s, &e); }
  if (s >= e) return;
  if (t[s] == '*' && italic(t, s, e, &is, &ie)) {
    /* an italic title: a report or a book; an italic name followed by a
     * volume is a container without a title */
    uint32_t z = ie;
    while (z < e && is_sp((unsigned char)t[z])) z++;
    if (z < e && t[z] == ',' && (ieq_prefix(t + z, e - z, ", vol") || (z + 2 < e && is_dig((unsigned char)t[z + 2]))))
      out->container = field(t, is, ie);
    else out->title = field(t, is, ie);
    return;
  }
  if (italic(t, s, e, &is, &ie)) {
    out->title = field(t, s, is);
    out->container = field(t, is, ie);
    return;
  }
  vol = find_volume(t, s, e);
  if (vol != UINT32_MAX) {
    /* a journal article: the container is the segment before the volume,
     * the title everything before that (a title may hold a "?") */
    uint32_t p = s, cs = UINT32_MAX;
    for (;;) {
      uint32_t se = segment_end(t, p, vol);
      if (se >= vol) break;
      cs = se + 1;
      p = cs;
    }
    if (cs == UINT32_MAX) { out->container = field(t, s, vol); return; }
    out->title = field(t, s, cs);
    out->container = field(t, cs, vol);
    return;
  }
  out->title = field(t, s, segment_end(t, s, e) + 1 <= e ? segment_end(t, s, e) + 1 : e);
}

void ql_reference_parse(const char *t, uint32_t s, uint32_t e, ql_ref_parse *out) {
  uint32_t body_e, i, ye = 0, yb = UINT32_MAX, cut;
  memset(out, 0, sizeof *out);
  trim(t, &s, &e);
  if (s >= e) return;
  if (ieq_prefix(t + s, e - s, "ibid") || ((e - s == 3 || (e - s > 3 && !is_alpha((unsigned char)t[s + 3]))) &&
                                          ieq_prefix(t + s, e - s, "id."))) {
    out->ibid = 1;
    return;
  }
  body_e = e;
  cut = find_url(t, s, e, &out->url);
  if (cut != UINT32_MAX) body_e = cut;
  if (out->url.stop > out->url.start) {
    uint32_t p = find_ci(t, out->url.start, out->url.stop, "doi.org/");
    if (p != UINT32_MAX) {
      out->doi = span(p + 8, out->url.stop);
      if (out->doi.stop <= out->doi.start) out->doi = nospan;
    }
  }
  if (out->doi.stop == 0) {
    uint32_t ds, de;
    if (ql_doi_find(t, s, e, &ds, &de)) {
      uint32_t p = ds;
      out->doi = span(ds, de);
      /* the "doi:" or "https://doi.org/" before it ends the body too */
      while (p > s && !is_sp((unsigned char)t[p - 1])) p--;
      if (p < body_e) body_e = p;
      if (ds >= 4 && ds - 4 >= s && ieq_prefix(t + ds - 4, 4, "doi:") && ds - 4 < body_e) body_e = ds - 4;
      if (ds >= 5 && ds - 5 >= s && ieq_prefix(t + ds - 5, 5, "doi: ") && ds - 5 < body_e) body_e = ds - 5;
    }
  }
  /* "Retrieved ... from", "Available at" close the bibliographic part
   * (one scan: the phrases start with r or a after a space or a dot) */
  for (i = s + 1; i + 8 < body_e; i++) {
    unsigned char ch = (unsigned char)(t[i] | 32);
    if ((ch != 'r' && ch != 'a') || (t[i - 1] != ' ' && t[i - 1] != '.')) continue;
    if (ieq_prefix(t + i, body_e - i, "retrieved ") || ieq_prefix(t + i, body_e - i, "available at") ||
        ieq_prefix(t + i, body_e - i, "available from") || ieq_prefix(t + i, body_e - i, "accessed ")) {
      body_e = i;
      break;
    }
  }
  trim(t, &s, &body_e);
  /* the year: "(2022)", "(2025, December 17)", "(n.d.)" */
  for (i = s; i + 5 < body_e; i++) {
    if (t[i] != '(') continue;
    if (is_dig((unsigned char)t[i + 1]) && is_dig((unsigned char)t[i + 2]) && is_dig((unsigned char)t[i + 3]) &&
        is_dig((unsigned char)t[i + 4]) && !is_dig((unsigned char)t[i + 5])) {
      int y = (t[i + 1] - '0') * 1000 + (t[i + 2] - '0') * 100 + (t[i + 3] - '0') * 10 + (t[i + 4] - '0');
      if (y >= 1800 && y <= 2099) { out->year = y; yb = i; break; }
    }
    if (ieq_prefix(t + i, body_e - i, "(n.d.)") || ieq_prefix(t + i, body_e - i, "(n.d)")) { out->nd = 1; yb = i; break; }
  }
  if (yb != UINT32_MAX) {
    const char *close = (const char *)memchr(t + yb, ')', body_e - yb);
    ye = close ? (uint32_t)(close - t) + 1 : yb + 6;
    ql_span au = field(t, s, yb);
    if (person_list(t, s, yb)) split_people(out, t, s, yb);
    else if (au.stop > au.start && org_name(t, au.start, au.stop)) add_author(out, t, au.start, au.stop);
    else if (au.stop > au.start) out->title = au;
    if (out->title.stop == 0) title_container(out, t, ye, body_e);
    return;
  }
  /* no parenthesised year: "Author. Title. Place: Publisher; 2024." */
  for (i = s; i + 4 <= body_e; i++) {
    if (is_dig((unsigned char)t[i]) && (i == s || !is_dig((unsigned char)t[i - 1])) && i + 4 <= body_e &&
        is_dig((unsigned char)t[i + 1]) && is_dig((unsigned char)t[i + 2]) && is_dig((unsigned char)t[i + 3]) &&
        (i + 4 == body_e || !is_dig((unsigned char)t[i + 4]))) {
      int y = (t[i] - '0') * 1000 + (t[i + 1] - '0') * 100 + (t[i + 2] - '0') * 10 + (t[i + 3] - '0');
      if (y >= 1800 && y <= 2099) out->year = y; /* the last one: the publication year */
    }
  }
  {
    uint32_t se = segment_end(t, s, body_e);
    if (t[s] != '*' && (person_list(t, s, se + 1 < body_e ? se + 1 : body_e) || org_name(t, s, se))) {
      if (person_list(t, s, se + 1 < body_e ? se + 1 : body_e)) split_people(out, t, s, se + 1 < body_e ? se + 1 : body_e);
      else add_author(out, t, s, se);
      title_container(out, t, se + 1 < body_e ? se + 1 : body_e, body_e);
    } else title_container(out, t, s, body_e);
  }
}

/* ---- the document pass ---- */
static int32_t superscript_value(const char *t, uint32_t s, uint32_t e, uint32_t *end) {
  int32_t v = 0;
  uint32_t i = s;
  int any = 0;
  while (i + 1 < e) {
    unsigned char a = (unsigned char)t[i], b = (unsigned char)t[i + 1];
    int dgt = -1, len = 2;
    if (a == 0xC2 && b == 0xB9) dgt = 1;
    else if (a == 0xC2 && b == 0xB2) dgt = 2;
    else if (a == 0xC2 && b == 0xB3) dgt = 3;
    else if (a == 0xE2 && b == 0x81 && i + 2 < e) {
      unsigned char c = (unsigned char)t[i + 2];
      len = 3;
      if (c == 0xB0) dgt = 0;
      else if (c >= 0xB4 && c <= 0xB9) dgt = c - 0xB0;
    }
    if (dgt < 0) break;
    v = v * 10 + dgt; any = 1; i += (uint32_t)len;
    if (v > 100000) break;
  }
  *end = i;
  return any ? v : -1;
}

/* The marker that starts an entry: a superscript number, [12], 12. or 12 */
static int32_t entry_marker(const char *t, uint32_t s, uint32_t e, int32_t n, int plain_ok, uint32_t *after) {
  uint32_t i = s, j;
  int32_t v = superscript_value(t, s, e, &j);
  if (v >= 0) { *after = j; return v; }
  if (i < e && t[i] == '[') {
    for (j = i + 1, v = 0; j < e && is_dig((unsigned char)t[j]) && j < i + 6; j++) v = v * 10 + (t[j] - '0');
    if (j > i + 1 && j < e && t[j] == ']') { *after = j + 1; return v; }
  }
  if (plain_ok && i < e && is_dig((unsigned char)t[i])) {
    for (j = i, v = 0; j < e && is_dig((unsigned char)t[j]) && j < i + 5; j++) v = v * 10 + (t[j] - '0');
    if (j < e && (t[j] == '.' || t[j] == ' ' || t[j] == ')') && (n < 0 || v == n) &&
        !(j + 4 < e && is_dig((unsigned char)t[j + 1]))) {
      *after = j + (t[j] != ' ');
      return v;
    }
  }
  *after = s;
  return -1;
}

typedef struct { uint32_t ref; ql_span marker; } mark_pair;

static void add_reference(ql_doc *d, int32_t n, int32_t block, uint32_t s, uint32_t e) {
  struct ql_annot *a = d->annot;
  const char *t = (const char *)d->text.p;
  ql_ref_parse p;
  ql_reference r;
  uint32_t i;
  ql_reference_parse(t, s, e, &p);
  memset(&r, 0, sizeof r);
  r.n = n; r.block = block; r.start = s; r.stop = e; r.ibid = -1;
  trim(t, &r.start, &r.stop);
  if (p.ibid && a->refs.n > 0) {
    /* resolved to the entry Ibid. repeats; its fields are copied at the end */
    const ql_reference *prev = &QL_VEC_LAST(a->refs, ql_reference);
    r.ibid = prev->ibid >= 0 ? prev->ibid : (int32_t)a->refs.n - 1;
    r.first_author = a->authors.n;
    QL_VEC_PUSH(&d->mem, &a->refs, ql_reference, r);
    return;
  }
  r.title = p.title; r.container = p.container; r.url = p.url; r.doi = p.doi;
  r.year = p.year; r.nd = p.nd;
  r.first_author = a->authors.n; r.nauthors = p.nauthors;
  for (i = 0; i < p.nauthors; i++) QL_VEC_PUSH(&d->mem, &a->authors, ql_span, p.authors[i]);
  if (r.doi.stop > r.doi.start) r.doi_status = (uint8_t)ql_doi_check(t + r.doi.start, r.doi.stop - r.doi.start);
  QL_VEC_PUSH(&d->mem, &a->refs, ql_reference, r);
}

/* A block that holds nothing but a URL: one a conversion stranded away from its entry. */
static int stranded_url(const char *t, uint32_t s, uint32_t e, ql_span *url) {
  uint32_t cut;
  trim(t, &s, &e);
  if (s < e && t[s] == '<') s++;
  if (e - s < 8 || !(ieq_prefix(t + s, e - s, "http") || ieq_prefix(t + s, e - s, "www."))) return 0;
  if (s > 0 && t[s - 1] == '<') s--;
  while (e > s && (t[e - 1] == '.' || t[e - 1] == ',')) e--;
  if (e <= s) return 0;
  cut = find_url(t, s, e, url);
  if (cut != s) return 0;
  {
    uint32_t z = url->stop;
    while (z < e && (t[z] == '>' || is_sp((unsigned char)t[z]))) z++;
    return z >= e;
  }
}

/* Lower-case words of 3+ letters in t[s, e), as (start, len) pairs into w. */
static uint32_t words_of(const char *t, uint32_t s, uint32_t e, uint32_t *w, uint32_t max) {
  uint32_t i = s, n = 0;
  while (i < e && n < max) {
    uint32_t a;
    while (i < e && !(is_alpha((unsigned char)t[i]) || is_dig((unsigned char)t[i]))) i++;
    a = i;
    while (i < e && (is_alpha((unsigned char)t[i]) || is_dig((unsigned char)t[i]))) i++;
    if (i - a >= 3) { w[2 * n] = a; w[2 * n + 1] = i - a; n++; }
  }
  return n;
}

static uint32_t overlap(const char *t, const ql_span *url, const ql_span *title) {
  uint32_t uw[64], tw[64], nu, nt, i, j, score = 0;
  const char *path;
  uint32_t ps = url->start;
  path = (const char *)memchr(t + url->start, '/', url->stop - url->start);
  if (path && path + 1 < t + url->stop && path[1] == '/') path = (const char *)memchr(path + 2, '/', (size_t)(t + url->stop - path - 2));
  if (path) ps = (uint32_t)(path - t);
  nu = words_of(t, ps, url->stop, uw, 32);
  nt = words_of(t, title->start, title->stop, tw, 32);
  for (i = 0; i < nu; i++)
    for (j = 0; j < nt; j++)
      if (uw[2 * i + 1] == tw[2 * j + 1]) {
        uint32_t k, l = uw[2 * i + 1];
        for (k = 0; k < l && lower((unsigned char)t[uw[2 * i] + k]) == lower((unsigned char)t[tw[2 * j] + k]); k++) {}
        if (k == l) { score++; break; }
      }
  return score;
}

/* Links a marker with number n at pos to the nearest entry with that number:
 * the first one after it, else the last one before it. */
static int32_t ref_for_number(const ql_doc *d, int32_t n, uint32_t pos) {
  const ql_reference *r = (const ql_reference *)d->annot->refs.p;
  uint32_t nr = d->annot->refs.n, lo = 0, hi = nr, i;
  while (lo < hi) { uint32_t mid = lo + (hi - lo) / 2; if (r[mid].start < pos) lo = mid + 1; else hi = mid; }
  for (i = lo; i < nr && i < lo + 64; i++) if (r[i].n == n) return (int32_t)i;
  for (i = lo; i > 0 && i + 64 > lo; i--) if (r[i - 1].n == n) return (int32_t)(i - 1);
  return -1;
}

static int32_t ref_for_block(const ql_doc *d, int32_t block) {
  const ql_reference *r = (const ql_reference *)d->annot->refs.p;
  uint32_t lo = 0, hi = d->annot->refs.n;
  while (lo < hi) { uint32_t mid = lo + (hi - lo) / 2; if (r[mid].block < block) lo = mid + 1; else hi = mid; }
  return lo < d->annot->refs.n && r[lo].block == block ? (int32_t)lo : -1;
}

static void link_markers(ql_doc *d) {
  struct ql_annot *a = d->annot;
  ql_vec *pairs = &a->tmp[0];
  uint32_t i, nr = a->refs.n;
  uint32_t *count;
  pairs->n = 0;
  if (d->footnotes.n > 0) {
    for (i = 0; i < d->footnotes.n; i++) {
      const ql_footnote *f = &QL_VEC_AT(d->footnotes, ql_footnote, i);
      int32_t r = f->block >= 0 ? ref_for_block(d, f->block) : -1;
      if (r < 0) r = ref_for_number(d, f->n, f->marker_start);
      if (r >= 0) {
        mark_pair p;
        p.ref = (uint32_t)r; p.marker = span(f->marker_start, f->marker_stop);
        ql_vec_reserve(&d->mem, pairs, sizeof p, (size_t)pairs->n + 1);
        ((mark_pair *)pairs->p)[pairs->n++] = p;
      }
    }
  } else if (nr > 0) {
    /* the reader linked none: superscript numbers in the text are markers */
    const char *t = (const char *)d->text.p;
    const uint32_t *st = (const uint32_t *)d->tok_start.p;
    const uint32_t *tf = ql_annot_block_tokens(d);
    uint32_t b;
    for (b = 0; b < d->blocks.n; b++) {
      uint32_t k;
      if (ref_for_block(d, (int32_t)b) >= 0) continue;
      for (k = tf[b]; k < tf[b + 1]; k++) {
        uint32_t end;
        int32_t n, r;
        if (ql_tok_kind(d, k) != QL_TOK_SYMBOL || (unsigned char)t[st[k]] < 0xC2) continue;
        n = superscript_value(t, st[k], ql_tok_stop(d, k), &end);
        if (n < 0 || end != ql_tok_stop(d, k)) continue;
        r = ref_for_number(d, n, st[k]);
        if (r >= 0) {
          mark_pair p;
          p.ref = (uint32_t)r; p.marker = span(st[k], ql_tok_stop(d, k));
          ql_vec_reserve(&d->mem, pairs, sizeof p, (size_t)pairs->n + 1);
          ((mark_pair *)pairs->p)[pairs->n++] = p;
        }
      }
    }
  }
  /* group by entry (counting sort) */
  ql_vec_reserve(&d->mem, &a->tmp[1], 4, (size_t)nr + 1);
  count = (uint32_t *)a->tmp[1].p;
  memset(count, 0, ((size_t)nr + 1) * 4);
  for (i = 0; i < pairs->n; i++) count[((mark_pair *)pairs->p)[i].ref + 1]++;
  for (i = 0; i < nr; i++) {
    ql_reference *r = &QL_VEC_AT(a->refs, ql_reference, i);
    count[i + 1] += count[i];
    r->first_marker = count[i]; r->nmarkers = 0;
  }
  ql_vec_reserve(&d->mem, &a->markers, sizeof(ql_span), pairs->n);
  a->markers.n = pairs->n;
  for (i = 0; i < pairs->n; i++) {
    const mark_pair *p = &((mark_pair *)pairs->p)[i];
    ql_reference *r = &QL_VEC_AT(a->refs, ql_reference, p->ref);
    QL_VEC_AT(a->markers, ql_span, r->first_marker + r->nmarkers++) = p->marker;
  }
  pairs->n = 0;
  a->tmp[1].n = 0;
}

void ql_find_references(ql_doc *d) {
  struct ql_annot *a = d->annot;
  const char *t = (const char *)d->text.p;
  ql_vec *strays = &a->tmp[5];
  uint32_t b, i;
  a->refs.n = a->authors.n = a->markers.n = 0;
  strays->n = 0;
  for (b = 0; b < d->blocks.n; b++) {
    const ql_block *bl = &QL_VEC_AT(d->blocks, ql_block, b);
    uint32_t after;
    int32_t n;
    ql_span url;
    if (bl->kind == QL_BLOCK_FOOTNOTE || bl->kind == QL_BLOCK_REFERENCE) {
      n = entry_marker(t, bl->start, bl->stop, bl->n, 1, &after);
      if (bl->n >= 0) n = bl->n;
      if (stranded_url(t, after, bl->stop, &url) && n < 0) {
        ql_vec_reserve(&d->mem, strays, sizeof(uint32_t), (size_t)strays->n + 1);
        ((uint32_t *)strays->p)[strays->n++] = b;
        continue;
      }
      add_reference(d, n, (int32_t)b, after, bl->stop);
    } else if (bl->kind == QL_BLOCK_PARAGRAPH || bl->kind == QL_BLOCK_LIST_ITEM) {
      /* a paragraph opening with a superscript number is a footnote the reader left as text */
      n = entry_marker(t, bl->start, bl->stop, -1, 0, &after);
      if (n >= 0 && after < bl->stop) add_reference(d, n, (int32_t)b, after, bl->stop);
      else if (bl->stop - bl->start < 2048 && stranded_url(t, bl->start, bl->stop, &url)) {
        ql_vec_reserve(&d->mem, strays, sizeof(uint32_t), (size_t)strays->n + 1);
        ((uint32_t *)strays->p)[strays->n++] = b;
      }
    }
  }
  /* stranded URLs go to the entry without one that they fit best: the
   * words of the URL's path against the title, else the entry just above */
  for (i = 0; i < strays->n; i++) {
    uint32_t sb = ((uint32_t *)strays->p)[i], lo = 0, hi = a->refs.n, j, best_score = 0;
    int32_t best = -1;
    const ql_block *bl = &QL_VEC_AT(d->blocks, ql_block, sb);
    ql_span url;
    if (!stranded_url(t, bl->start, bl->stop, &url)) continue;
    while (lo < hi) { uint32_t mid = lo + (hi - lo) / 2; if (QL_VEC_AT(a->refs, ql_reference, mid).block < (int32_t)sb) lo = mid + 1; else hi = mid; }
    for (j = lo; j > 0 && j + 32 > lo; j--) {
      const ql_reference *r = &QL_VEC_AT(a->refs, ql_reference, j - 1);
      uint32_t sc;
      if (r->url.stop > r->url.start || r->doi.stop > r->doi.start || r->ibid >= 0) continue;
      sc = r->title.stop > r->title.start ? overlap(t, &url, &r->title) : 0;
      if (sc > best_score) { best_score = sc; best = (int32_t)(j - 1); }
    }
    if (best_score < 2) {
      best = -1;
      if (lo > 0) {
        const ql_reference *r = &QL_VEC_AT(a->refs, ql_reference, lo - 1);
        if (r->block == (int32_t)sb - 1 && r->url.stop == r->url.start && r->doi.stop == r->doi.start) best = (int32_t)lo - 1;
      }
    }
    if (best >= 0) {
      ql_reference *r = &QL_VEC_AT(a->refs, ql_reference, best);
      uint32_t p = find_ci(t, url.start, url.stop, "doi.org/");
      r->url = url; r->url_moved = 1;
      if (p != UINT32_MAX && p + 8 < url.stop) {
        r->doi = span(p + 8, url.stop);
        r->doi_status = (uint8_t)ql_doi_check(t + r->doi.start, r->doi.stop - r->doi.start);
      }
    }
  }
  strays->n = 0;
  for (i = 0; i < a->refs.n; i++) {
    ql_reference *r = &QL_VEC_AT(a->refs, ql_reference, i);
    if (r->ibid >= 0) {
      const ql_reference *o = &QL_VEC_AT(a->refs, ql_reference, r->ibid);
      r->title = o->title; r->container = o->container; r->url = o->url; r->doi = o->doi;
      r->first_author = o->first_author; r->nauthors = o->nauthors; r->year = o->year; r->nd = o->nd;
      r->doi_status = o->doi_status;
    }
  }
  link_markers(d);
}
