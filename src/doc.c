/* doc.c - document lifecycle and the read pipeline: decode the input, pick a
 * reader, then segment sentences, tokenize and find enumerations. */
#include <stdio.h>
#include "ql_internal.h"
#include "simd.h"

ql_doc *ql_doc_new(ql_alloc_fn f, void *ud, ql_vocab *vocab) {
  ql_doc *d = (ql_doc *)f(ud, NULL, 0, sizeof *d);
  int i;
  if (!d) return NULL;
  memset(d, 0, sizeof *d);
  d->mem.f = f; d->mem.ud = ud; d->mem.oom = NULL;
  for (i = 0; i <= QL_MAX_LEVELS; i++) d->open[i] = QL_NONE;
  if (vocab) d->vocab = vocab;
  else {
    d->vocab = ql_vocab_new(f, ud);
    if (!d->vocab) { f(ud, d, sizeof *d, 0); return NULL; }
    d->own_vocab = 1;
  }
  return d;
}

void ql_doc_free(ql_doc *d) {
  ql_mem *m;
  if (!d) return;
  m = &d->mem;
  m->oom = NULL;
  if (d->source && !d->source_borrowed) m->f(m->ud, d->source, (size_t)d->srclen + 1, 0);
  ql_vec_free(m, &d->text, 1);
  ql_vec_free(m, &d->pool, 1);
  ql_vec_free(m, &d->map, sizeof(ql_mapseg));
  ql_vec_free(m, &d->meta, sizeof(ql_field));
  ql_vec_free(m, &d->fields, sizeof(ql_field));
  ql_vec_free(m, &d->blocks, sizeof(ql_block));
  ql_vec_free(m, &d->sections, sizeof(ql_section));
  ql_vec_free(m, &d->sentences, sizeof(ql_span));
  ql_vec_free(m, &d->enums, sizeof(ql_enumeration));
  ql_vec_free(m, &d->enum_items, sizeof(ql_span));
  ql_vec_free(m, &d->footnotes, sizeof(ql_footnote));
  ql_vec_free(m, &d->repairs, sizeof(ql_repair));
  ql_vec_free(m, &d->dropped, sizeof(ql_dropped));
  ql_vec_free(m, &d->warnings, sizeof(ql_warning));
  ql_vec_free(m, &d->tok_start, 4);
  ql_vec_free(m, &d->tok_lk, 2);
  ql_vec_free(m, &d->tok_long, sizeof(ql_long_token));
  ql_vec_free(m, &d->tok_form, 4);
  ql_annot_free(d);
  if (d->own_vocab) ql_vocab_free(d->vocab);
  m->f(m->ud, d, sizeof *d, 0);
}

/* ---- names ---- */
static const char *const format_names[QL_FMT_COUNT] = {
  "auto", "ris", "landing-page", "portal-page", "report", "text"
};
static const char *const block_names[QL_BLOCK_COUNT] = {
  "heading", "paragraph", "list_item", "footnote", "reference", "caption", "field"
};
static const char *const category_names[QL_CAT_COUNT] = {
  "", "BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS"
};
static const char *const token_names[QL_TOK_COUNT] = { "word", "number", "punct", "symbol" };

const char *ql_format_name(ql_format f) { return (unsigned)f < QL_FMT_COUNT ? format_names[f] : "?"; }
const char *ql_block_kind_name(ql_block_kind k) { return (unsigned)k < QL_BLOCK_COUNT ? block_names[k] : "?"; }
const char *ql_category_name(ql_category c) { return (unsigned)c < QL_CAT_COUNT ? category_names[c] : ""; }
const char *ql_token_kind_name(ql_token_kind k) { return (unsigned)k < QL_TOK_COUNT ? token_names[k] : "?"; }

ql_format ql_format_from_name(const char *name) {
  int i;
  for (i = 0; i < QL_FMT_COUNT; i++)
    if (strcmp(name, format_names[i]) == 0) return (ql_format)i;
  if (strcmp(name, "landing") == 0) return QL_FMT_LANDING;
  if (strcmp(name, "portal") == 0) return QL_FMT_PORTAL;
  return QL_FMT_COUNT;
}

/* ---- lines ---- */
uint32_t ql_line_end(const char *s, uint32_t i, uint32_t len) {
  /* sixteen bytes a step: lines are short, shorter than what memchr is
     made for, and one pass finds both line-break bytes */
  for (; i + 16 <= len; i += 16) {
    ql_v16 x = ql_v16_load(s + i);
    unsigned m = ql_v16_eq(x, '\n') | ql_v16_eq(x, '\r');
    if (m) return i + ql_ctz64(m);
  }
  while (i < len && s[i] != '\n' && s[i] != '\r') i++;
  return i;
}

int ql_next_line(const char *s, uint32_t len, uint32_t *pos, uint32_t *ls, uint32_t *le) {
  uint32_t i = *pos;
  if (i >= len) return 0;
  *ls = i;
  *le = i = ql_line_end(s, i, len);
  if (i < len && s[i] == '\r') i++;
  if (i < len && s[i] == '\n' && (i == *le || s[i - 1] == '\r')) i++;
  *pos = i;
  return 1;
}

int ql_is_blank(const char *s, uint32_t a, uint32_t b) {
  uint32_t i;
  for (i = a; i < b; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == ' ' || c == '\t') continue;
    if (c == 0xC2 && i + 1 < b && (unsigned char)s[i + 1] == 0xA0) { i++; continue; }
    return 0;
  }
  return 1;
}

void ql_trim(const char *s, uint32_t *a, uint32_t *b) {
  for (;;) {
    if (*a < *b && (s[*a] == ' ' || s[*a] == '\t')) (*a)++;
    else if (*a + 1 < *b && (unsigned char)s[*a] == 0xC2 && (unsigned char)s[*a + 1] == 0xA0) *a += 2;
    else break;
  }
  for (;;) {
    if (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t')) (*b)--;
    else if (*b >= *a + 2 && (unsigned char)s[*b - 2] == 0xC2 && (unsigned char)s[*b - 1] == 0xA0) *b -= 2;
    else break;
  }
}

/* ---- input decoding ---- */
static const uint16_t cp1252_high[32] = {
  0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
  0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178
};

static void set_source(ql_doc *d, size_t cap) {
  d->source = (char *)ql_mem_grow(&d->mem, NULL, 0, cap + 1);
  d->srclen = 0;
}

static void shrink_source(ql_doc *d, size_t cap) {
  d->source = (char *)ql_mem_grow(&d->mem, d->source, cap + 1, (size_t)d->srclen + 1);
  d->source[d->srclen] = '\0';
}

static void decode_utf16(ql_doc *d, const unsigned char *b, size_t len, int be) {
  size_t i, cap = len / 2 * 3 + 4;
  set_source(d, cap);
  for (i = 0; i + 1 < len; i += 2) {
    uint32_t u = be ? (uint32_t)(b[i] << 8 | b[i + 1]) : (uint32_t)(b[i + 1] << 8 | b[i]);
    if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
      uint32_t l = be ? (uint32_t)(b[i + 2] << 8 | b[i + 3]) : (uint32_t)(b[i + 3] << 8 | b[i + 2]);
      if (l >= 0xDC00 && l <= 0xDFFF) { u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00); i += 2; }
      else u = 0xFFFD;
    } else if (u >= 0xD800 && u <= 0xDFFF) u = 0xFFFD;
    d->srclen += (uint32_t)ql_utf8_encode(u, d->source + d->srclen);
  }
  shrink_source(d, cap);
}

static void decode_cp1252(ql_doc *d, const unsigned char *b, size_t len) {
  size_t i, cap = len * 3 + 4;
  set_source(d, cap);
  for (i = 0; i < len; i++) {
    uint32_t u = b[i];
    if (u >= 0x80 && u < 0xA0) u = cp1252_high[u - 0x80];
    d->srclen += (uint32_t)ql_utf8_encode(u, d->source + d->srclen);
  }
  shrink_source(d, cap);
}

static int looks_utf16_without_bom(const unsigned char *b, size_t len, int *be) {
  size_t i, n = len < 512 ? len : 512, even = 0, odd = 0;
  if (n < 4) return 0;
  for (i = 0; i + 1 < n; i += 2) { even += b[i] == 0; odd += b[i + 1] == 0; }
  if (odd > n / 2 * 3 / 8 && even == 0) { *be = 0; return 1; }
  if (even > n / 2 * 3 / 8 && odd == 0) { *be = 1; return 1; }
  return 0;
}

static ql_status refuse(char *err, size_t es, ql_status st, const char *fmt, unsigned long a) {
  if (es) snprintf(err, es, fmt, a);
  return st;
}

/* Decodes the input into d->source as UTF-8; refuses binary input.  UTF-8
   input is used in place when the caller lends it (borrow), else copied. */
static ql_status decode_input(ql_doc *d, const unsigned char *b, size_t len, int borrow, char *err, size_t es) {
  size_t i, nul = 0, ctrl = 0, bad = 0, multi = 0;
  int be;
  if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
    decode_utf16(d, b + 2, len - 2, b[0] == 0xFE);
    ql_warn(d, "transcoded", 0, "decoded from UTF-16%s (byte-order mark); source offsets refer to the UTF-8 decoding",
            b[0] == 0xFE ? "BE" : "LE");
    return QL_OK;
  }
  {
    const char *kind = NULL;
    if (len >= 4 && memcmp(b, "\x7f" "ELF", 4) == 0) kind = "an ELF executable";
    else if (len >= 5 && memcmp(b, "%PDF-", 5) == 0) kind = "a PDF file: extract its text first";
    else if (len >= 4 && memcmp(b, "PK\x03\x04", 4) == 0) kind = "a ZIP archive (DOCX, XLSX, EPUB...)";
    if (kind) {
      if (es) snprintf(err, es, "binary input refused: %s", kind);
      return QL_EBINARY;
    }
  }
  /* one pass, sixteen bytes a step over ASCII: NUL anywhere means binary
     (nul: one past its offset); other bytes above ASCII are checked as
     UTF-8 */
  for (i = 0; i < len;) {
    int l;
    if (i + 16 <= len) {
      ql_v16 x = ql_v16_load((const char *)b + i);
      unsigned m = ql_v16_high(x) | ql_v16_eq(x, 0);
      if (!m) { i += 16; continue; }
      i += ql_ctz64(m);
    }
    if (b[i] == 0) { nul = i + 1; break; }
    if (b[i] < 0x80) { i++; continue; }
    if (ql_utf8_decode(b, len, i, &l) < 0) bad++; else multi++;
    i += (size_t)l;
  }
  /* control bytes are only counted in the first 64 KiB, enough to tell a
     binary format; sixteen bytes a step, as they are rare */
  for (i = 0; i + 16 <= len && i + 16 <= 65536; i += 16) {
    ql_v16 x = ql_v16_load((const char *)b + i);
    unsigned m = ql_v16_range(x, 1, 0x1F) & ~(ql_v16_range(x, '\t', '\n') | ql_v16_range(x, '\f', '\r'));
    for (; m; m &= m - 1) ctrl++;
  }
  for (; i < len && i < 65536; i++) {
    unsigned c = b[i];
    if (c < 0x20 && c != 0 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ctrl++;
  }
  if (nul) {
    if (looks_utf16_without_bom(b, len, &be)) {
      decode_utf16(d, b, len, be);
      ql_warn(d, "transcoded", 0, "decoded from UTF-16%s (no byte-order mark); source offsets refer to the UTF-8 decoding",
              be ? "BE" : "LE");
      return QL_OK;
    }
    return refuse(err, es, QL_EBINARY, "binary input refused: NUL byte at offset %lu", (unsigned long)(nul - 1));
  }
  if (ctrl > 16 && ctrl > (len < 65536 ? len : 65536) / 20)
    return refuse(err, es, QL_EBINARY, "binary input refused: %lu control bytes", (unsigned long)ctrl);
  if (bad > 0 && multi == 0) {
    decode_cp1252(d, b, len);
    ql_warn(d, "transcoded", 0, "not UTF-8: decoded as Windows-1252 (%lu non-ASCII bytes); source offsets refer to the UTF-8 decoding",
            (unsigned long)bad);
    return QL_OK;
  }
  if (borrow) {
    d->source = (char *)(uintptr_t)b; /* never written: see source_borrowed */
    d->source_borrowed = 1;
    d->srclen = (uint32_t)len;
    return QL_OK;
  }
  set_source(d, len);
  memcpy(d->source, b, len);
  d->srclen = (uint32_t)len;
  d->source[len] = '\0';
  return QL_OK;
}

/* ---- pipeline ---- */
static void split_cb(void *ud, uint32_t s, uint32_t e) {
  ql_doc *d = (ql_doc *)ud;
  ql_span sp;
  sp.start = s; sp.stop = e;
  if (e > s) QL_VEC_PUSH(&d->mem, &d->sentences, ql_span, sp);
}

static void segment(ql_doc *d) {
  uint32_t i;
  for (i = 0; i < d->blocks.n; i++) {
    const ql_block *b = &QL_VEC_AT(d->blocks, ql_block, i);
    ql_split_sentences((const char *)d->text.p, b->start, b->stop, split_cb, d);
  }
}

static ql_status read_input(ql_doc *d, const char *bytes, size_t len, int borrow, ql_format fmt_in,
                             char *errmsg, size_t errsize) {
  jmp_buf oom;
  volatile ql_format fmt = fmt_in;
  volatile ql_status st = QL_OK;
  if (errsize) errmsg[0] = '\0';
  if (d->read_done) return refuse(errmsg, errsize, QL_EFORMAT, "document already read (%lu)", 0UL);
  d->read_done = 1;
  if (len >= (size_t)1 << 30)
    return refuse(errmsg, errsize, QL_ETOOBIG, "input of %lu bytes is larger than the 1 GiB a document may hold",
                  (unsigned long)len);
  if (setjmp(oom)) {
    d->mem.oom = NULL;
    if (errsize) snprintf(errmsg, errsize, "out of memory while reading");
    return QL_ENOMEM;
  }
  d->mem.oom = &oom;
  st = decode_input(d, (const unsigned char *)bytes, len, borrow, errmsg, errsize);
  if (st != QL_OK) { d->mem.oom = NULL; return st; }
  if (d->srclen >= 3 && memcmp(d->source, "\xEF\xBB\xBF", 3) == 0) ql_drop(d, 0, 3, "byte-order mark");
  /* the text is about the size of the source: reserve once instead of regrowing */
  ql_vec_reserve(&d->mem, &d->text, 1, (size_t)d->srclen + d->srclen / 16 + 64);
  d->format = (fmt == QL_FMT_AUTO) ? ql_sniff(d->source, d->srclen) : fmt;
  switch (d->format) {
  case QL_FMT_RIS: ql_read_ris(d); break;
  case QL_FMT_LANDING: ql_read_landing(d); break;
  case QL_FMT_PORTAL: ql_read_portal(d); break;
  case QL_FMT_REPORT: ql_read_report(d); break;
  default: d->format = QL_FMT_TEXT; ql_read_text(d); break;
  }
  ql_section_close(d, 1, d->text.n);
  ql_vec_reserve(&d->mem, &d->text, 1, (size_t)d->text.n + 1);
  ((char *)d->text.p)[d->text.n] = '\0';
  segment(d);
  ql_tokenize(d);
  ql_find_enumerations(d);
  d->mem.oom = NULL;
  return st;
}

ql_status ql_doc_read(ql_doc *d, const char *bytes, size_t len, ql_format fmt,
                      char *errmsg, size_t errsize) {
  return read_input(d, bytes, len, 0, fmt, errmsg, errsize);
}

ql_status ql_doc_read_borrowed(ql_doc *d, const char *bytes, size_t len, ql_format fmt,
                               char *errmsg, size_t errsize) {
  if (bytes[len] != '\0') return ql_doc_read(d, bytes, len, fmt, errmsg, errsize);
  return read_input(d, bytes, len, 1, fmt, errmsg, errsize);
}
