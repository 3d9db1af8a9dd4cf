/* text.c - the text builder: copies source bytes into the normalised text,
 * folding typographic variants, and records the offset map and the logs. */
#include <stdio.h>
#include "ql_internal.h"
#include "simd.h"

uint32_t ql_text_len(const ql_doc *d) { return d->text.n; }

static void map_add(ql_doc *d, uint32_t text, uint32_t tlen, uint32_t src, uint32_t slen) {
  if (d->map.n > 0) {
    ql_mapseg *last = &QL_VEC_LAST(d->map, ql_mapseg);
    /* merge contiguous one-to-one pieces so a reflowed paragraph is one piece */
    if (last->tlen == last->slen && tlen == slen &&
        last->text + last->tlen == text && last->src + last->slen == src) {
      last->tlen += tlen;
      last->slen += slen;
      return;
    }
  }
  {
    ql_mapseg m;
    m.text = text; m.tlen = tlen; m.src = src; m.slen = slen;
    QL_VEC_PUSH(&d->mem, &d->map, ql_mapseg, m);
  }
}

static void text_append(ql_doc *d, const char *s, size_t n) {
  if (!ql_vec_room(&d->mem, &d->text, 1, (size_t)d->text.n + n + 1)) return;
  memcpy((char *)d->text.p + d->text.n, s, n);
  d->text.n += (uint32_t)n;
}

/* Typographic variants folded in the text; NULL = keep the character. */
static const char *fold_char(uint32_t cp) {
  switch (cp) {
  case 0x00A0: case 0x2000: case 0x2001: case 0x2002: case 0x2003: case 0x2004:
  case 0x2005: case 0x2006: case 0x2007: case 0x2008: case 0x2009: case 0x200A:
  case 0x202F: case 0x205F: case 0x3000:
    return " ";
  case 0x00AD: case 0x200B: case 0x200C: case 0x200D: case 0x2060: case 0xFEFF:
    return "";
  case 0x2018: case 0x2019: case 0x201A: case 0x201B: case 0x2032: case 0x02BC:
    return "'";
  case 0x201C: case 0x201D: case 0x201E: case 0x201F: case 0x2033:
    return "\"";
  case 0x2010: case 0x2011: case 0x2012: case 0x2212:
    return "-";
  case 0x2026: return "...";
  case 0xFB00: return "ff";
  case 0xFB01: return "fi";
  case 0xFB02: return "fl";
  case 0xFB03: return "ffi";
  case 0xFB04: return "ffl";
  case 0xFB05: case 0xFB06: return "st";
  default: return NULL;
  }
}

void ql_emit(ql_doc *d, uint32_t s, uint32_t e) {
  const unsigned char *src = (const unsigned char *)d->source;
  uint32_t i = s;
  while (i < e) {
    uint32_t run = i;
    int ctl = 0;
    /* ASCII fast path, sixteen bytes at a time, the last ones by a load
       ending at e: copy a run; control characters (below 0x20, DEL) become
       spaces one to one */
    while (run < e && (run + 16 <= e || e >= 16)) {
      uint32_t from = run + 16 <= e ? run : e - 16, skip = run - from;
      ql_v16 x = ql_v16_load((const char *)src + from);
      unsigned hi = ql_v16_high(x) >> skip, c = (ql_v16_range(x, 0, 0x1F) | ql_v16_eq(x, 0x7F)) >> skip;
      unsigned k = hi ? ql_ctz64(hi) : 16 - skip; /* ASCII up to the first high byte */
      if (c & ((1u << k) - 1)) ctl = 1;
      run += k;
      if (hi) break;
    }
    while (run < e && src[run] < 0x80) {
      if (src[run] < 0x20 || src[run] == 0x7F) ctl = 1;
      run++;
    }
    if (run > i) {
      uint32_t t0 = d->text.n, k;
      char *out;
      if (!ql_vec_room(&d->mem, &d->text, 1, (size_t)d->text.n + (run - i) + 1)) return;
      out = (char *)d->text.p + t0;
      memcpy(out, src + i, run - i);
      if (ctl)
        for (k = 0; k < run - i; k++)
          if ((unsigned char)out[k] < 0x20 || out[k] == 0x7F) out[k] = ' ';
      d->text.n += run - i;
      map_add(d, t0, run - i, i, run - i);
      i = run;
      continue;
    }
    {
      int len;
      int32_t cp = ql_utf8_decode(src, e, i, &len);
      uint32_t t0 = d->text.n;
      if (cp < 0) {
        text_append(d, "\xEF\xBF\xBD", 3);
        map_add(d, t0, 3, i, 1);
        if (d->n_invalid++ < 20)
          ql_warn(d, "invalid-utf8", t0, "invalid UTF-8 byte 0x%02X at source offset %u replaced by U+FFFD",
                  src[i], (unsigned)i);
        i += 1;
        continue;
      }
      {
        const char *f = fold_char((uint32_t)cp);
        if (f) {
          size_t fl = strlen(f);
          text_append(d, f, fl);
          map_add(d, t0, (uint32_t)fl, i, (uint32_t)len);
        } else {
          text_append(d, (const char *)src + i, (size_t)len);
          map_add(d, t0, (uint32_t)len, i, (uint32_t)len);
        }
      }
      i += (uint32_t)len;
    }
  }
}

void ql_emit_lit(ql_doc *d, const char *s, size_t n, uint32_t src, uint32_t slen) {
  uint32_t t0 = d->text.n;
  if (n == 0 && slen == 0) return;
  text_append(d, s, n);
  map_add(d, t0, (uint32_t)n, src, slen);
}

void ql_log_repair(ql_doc *d, const char *rule, const char *from, size_t fl,
                   const char *to, size_t tl, uint32_t s, uint32_t e, uint32_t text_pos) {
  ql_repair r;
  r.rule = rule;
  r.from = ql_pool_add(d, from, fl);
  r.to = ql_pool_add(d, to, tl);
  r.src_start = s; r.src_stop = e; r.text_pos = text_pos;
  QL_VEC_PUSH(&d->mem, &d->repairs, ql_repair, r);
}

void ql_emit_repair(ql_doc *d, const char *rule, uint32_t s, uint32_t e,
                    const char *to, size_t tolen) {
  uint32_t t0 = d->text.n;
  ql_log_repair(d, rule, d->source + s, e - s, to, tolen, s, e, t0);
  ql_emit_lit(d, to, tolen, s, e - s);
}

void ql_drop(ql_doc *d, uint32_t s, uint32_t e, const char *reason) {
  ql_dropped x;
  if (e <= s) return;
  if (d->dropped.n > 0) { /* extend the previous region when adjacent, same reason */
    ql_dropped *last = &QL_VEC_LAST(d->dropped, ql_dropped);
    if (last->src_stop == s &&
        (last->reason == reason || (last->reason[0] == reason[0] && strcmp(last->reason, reason) == 0))) {
      last->src_stop = e;
      return;
    }
  }
  x.reason = reason; x.src_start = s; x.src_stop = e;
  QL_VEC_PUSH(&d->mem, &d->dropped, ql_dropped, x);
}

void ql_block_sep(ql_doc *d, uint32_t src_pos) {
  if (d->text.n > 0) ql_emit_lit(d, "\n\n", 2, src_pos, 0);
}

void ql_text_rtrim(ql_doc *d) {
  while (d->text.n > 0 && ((char *)d->text.p)[d->text.n - 1] == ' ' && d->map.n > 0) {
    ql_mapseg *last = &QL_VEC_LAST(d->map, ql_mapseg);
    if (last->text + last->tlen != d->text.n || last->tlen == 0) break;
    if (last->tlen == last->slen) { last->tlen--; last->slen--; }
    else if (last->tlen == 1) { last->tlen = 0; } /* a folded NBSP: keep its source span */
    else break;
    d->text.n--;
    if (last->tlen == 0 && last->slen == 0) d->map.n--;
  }
}

ql_str ql_pool_add(ql_doc *d, const char *s, size_t n) {
  ql_str r;
  if (!ql_vec_room(&d->mem, &d->pool, 1, (size_t)d->pool.n + n + 1)) { r.off = r.len = 0; return r; }
  r.off = d->pool.n; r.len = (uint32_t)n;
  if (n) memcpy((char *)d->pool.p + d->pool.n, s, n);
  ((char *)d->pool.p)[d->pool.n + n] = '\0';
  d->pool.n += (uint32_t)n + 1;
  return r;
}

void ql_warn(ql_doc *d, const char *code, uint32_t pos, const char *fmt, ...) {
  char buf[512];
  ql_warning w;
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
  w.code = code; w.start = pos;
  w.message = ql_pool_add(d, buf, (size_t)n);
  QL_VEC_PUSH(&d->mem, &d->warnings, ql_warning, w);
}

/* ---- offset map ---- */
static const ql_mapseg *map_find(const ql_doc *d, uint32_t pos) {
  const ql_mapseg *m = (const ql_mapseg *)d->map.p;
  uint32_t lo = 0, hi = d->map.n;
  if (hi == 0) return NULL;
  while (hi - lo > 1) { /* last piece with text <= pos */
    uint32_t mid = lo + (hi - lo) / 2;
    if (m[mid].text <= pos) lo = mid; else hi = mid;
  }
  /* skip empty pieces (pure insertions) forward to one that holds pos */
  while (lo + 1 < d->map.n && m[lo].text + m[lo].tlen <= pos && m[lo + 1].text <= pos) lo++;
  return &m[lo];
}

uint32_t ql_doc_source_offset(const ql_doc *d, uint32_t pos) {
  const ql_mapseg *m;
  if (pos >= d->text.n) return d->srclen;
  m = map_find(d, pos);
  if (!m) return 0;
  if (pos >= m->text + m->tlen) return m->src + m->slen;
  if (m->tlen == m->slen) return m->src + (pos - m->text);
  return m->src;
}

uint32_t ql_doc_source_stop(const ql_doc *d, uint32_t pos) {
  const ql_mapseg *m;
  if (pos == 0) return 0;
  m = map_find(d, pos - 1);
  if (!m) return 0;
  if (pos - 1 >= m->text + m->tlen) return m->src + m->slen;
  if (m->tlen == m->slen) return m->src + (pos - m->text);
  return m->src + m->slen;
}
