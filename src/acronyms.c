/* acronyms.c - acronym definitions and uses.
 *
 * Inline definitions follow Schwartz & Hearst (2003): a parenthesis after a
 * long form ("Integrated Care Boards (ICBs)") or after a short form
 * ("ICB (integrated care board)"); the long form is the shortest run of
 * words before the parenthesis whose letters hold the short form's letters
 * in order, its first letter starting a word.  Glossary lines
 * ("ICB - Integrated Care Board") are checked with the same matcher and
 * kept when they come in runs or under an Abbreviations heading.  Every
 * acronym-like token is then resolved against the definitions by key (the
 * short form without a plural s), or listed as undefined. */
#include "annot.h"

static int is_up(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_lo(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_dig(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_aln(unsigned char c) { return is_up(c) || is_lo(c) || is_dig(c); }
static unsigned char lower(unsigned char c) { return is_up(c) ? (unsigned char)(c + 32) : c; }
static int is_sp(unsigned char c) { return c == ' ' || c == '\n' || c == '\t'; }

#define NOMATCH UINT32_MAX

/* Function words a long form should not start with when a better start
 * exists further left ("Accident and Emergency (A&E)", not "and Emergency"). */
static int stopword_at(const char *t, uint32_t i, uint32_t e) {
  static const char *const w[] = { "and", "of", "the", "in", "for", "on", "to", "with", "by", "at",
                                   "from", "or", "an", NULL };
  uint32_t j = i;
  int k;
  while (j < e && is_aln((unsigned char)t[j])) j++;
  for (k = 0; w[k]; k++)
    if (ql_ieq(t + i, j - i, w[k])) return 1;
  return 0;
}

/* The Schwartz-Hearst long-form search: short form t[ss, se), candidate
 * window t[ws, we).  Returns the start of the long form (which ends at we),
 * or NOMATCH. */
static uint32_t find_long_form(const char *t, uint32_t ss, uint32_t se, uint32_t ws, uint32_t we) {
  int64_t si = (int64_t)se - 1, li = (int64_t)we - 1, fallback = -1;
  uint32_t start;
  while (si >= (int64_t)ss) {
    unsigned char c = lower((unsigned char)t[si]);
    if (!is_aln(c)) { si--; continue; }
    for (;;) {
      if (li < (int64_t)ws) {
        if (si == (int64_t)ss && fallback >= 0) { li = fallback; break; }
        return NOMATCH;
      }
      if (lower((unsigned char)t[li]) == c) {
        if (si == (int64_t)ss) {
          if (li > (int64_t)ws && is_aln((unsigned char)t[li - 1])) { li--; continue; }
          if (stopword_at(t, (uint32_t)li, we)) {
            if (fallback < 0) fallback = li;
            li--;
            continue;
          }
        }
        break;
      }
      li--;
    }
    li--; si--;
  }
  start = (uint32_t)(li + 1);
  /* to the start of the word, but not over a prefix: "anti-human
   * immunodeficiency virus (HIV)" defines "human immunodeficiency virus" */
  while (start > ws && !is_sp((unsigned char)t[start - 1])) start--;
  return start;
}

/* Each letter and digit of the short form starts a word of the long form,
 * in order (hyphenated parts count as words; function words may be skipped).
 * This finds "Patient Participation Groups (PPGs)" where the letter-by-letter
 * search stops at "Participation", whose inner p also fits.  Returns the
 * start of the long form or NOMATCH. */
static uint32_t initials_long_form(const char *t, uint32_t ss, uint32_t se, uint32_t ws, uint32_t we) {
  int64_t si = (int64_t)se - 1, li = (int64_t)we - 1;
  uint32_t upper = 0, i, start;
  int first = 1;
  for (i = ss; i < se; i++) upper += is_up((unsigned char)t[i]);
  /* a plural s is no initial: ICBs */
  if (se - ss >= 3 && t[se - 1] == 's' && is_up((unsigned char)t[se - 2]) && upper >= 2) si--;
  while (si >= (int64_t)ss) {
    unsigned char c = lower((unsigned char)t[si]);
    if (!is_aln(c)) { si--; continue; }
    for (;;) {
      int64_t w;
      /* the start of the word (or hyphenated part) ending at or before li */
      while (li >= (int64_t)ws && !is_aln((unsigned char)t[li])) li--;
      if (li < (int64_t)ws) return NOMATCH;
      w = li;
      while (w > (int64_t)ws && is_aln((unsigned char)t[w - 1])) w--;
      if (lower((unsigned char)t[w]) == c) {
        /* the first letter: a function word ("and" for the A of ASOC) only
         * when no content word further left starts with it */
        if (si == (int64_t)ss && stopword_at(t, (uint32_t)w, we)) {
          int64_t v = w - 1, x;
          for (;;) {
            while (v >= (int64_t)ws && !is_aln((unsigned char)t[v])) v--;
            if (v < (int64_t)ws) break;
            x = v;
            while (x > (int64_t)ws && is_aln((unsigned char)t[x - 1])) x--;
            if (!stopword_at(t, (uint32_t)x, we)) {
              if (lower((unsigned char)t[x]) == c) w = x;
              break;
            }
            v = x - 1;
          }
        }
        li = w - 1;
        break;
      }
      /* only function words may be left out, and never the last word */
      if (first || !stopword_at(t, (uint32_t)w, we)) return NOMATCH;
      li = w - 1;
    }
    first = 0;
    si--;
  }
  start = (uint32_t)(li + 1);
  while (start < we && !is_aln((unsigned char)t[start])) start++;
  while (start > ws && !is_sp((unsigned char)t[start - 1])) start--;
  return start;
}

uint32_t ql_abbrev_long_form(const char *t, uint32_t ss, uint32_t se, uint32_t ws, uint32_t we) {
  uint32_t ls = initials_long_form(t, ss, se, ws, we);
  return ls != NOMATCH ? ls : find_long_form(t, ss, se, ws, we);
}

/* Short-form conditions of Schwartz-Hearst (2-10 characters, at most two
 * words, a letter, an alphanumeric first character) plus one capital: a
 * lower-case parenthetical such as "(astronaut)" is a gloss. */
static int short_form_ok(const char *t, uint32_t s, uint32_t e) {
  uint32_t i, words = 1, letters = 0, upper = 0;
  if (e <= s || e - s < 2 || e - s > 10) return 0;
  if (!is_aln((unsigned char)t[s])) return 0;
  for (i = s; i < e; i++) {
    unsigned char c = (unsigned char)t[i];
    if (c == ' ') { if (++words > 2) return 0; continue; }
    if (is_up(c)) { upper++; letters++; }
    else if (is_lo(c) || c >= 0x80) letters++;
    else if (!is_dig(c) && c != '-' && c != '&' && c != '/' && c != '.' && c != '\'') return 0;
  }
  return letters > 0 && upper > 0;
}

/* A single-word acronym written before a parenthesised long form. */
static int acronym_word_ok(const char *t, uint32_t s, uint32_t e) {
  uint32_t i, upper = 0, lowc = 0;
  if (e <= s || e - s < 2 || e - s > 10 || !is_up((unsigned char)t[s])) return 0;
  for (i = s; i < e; i++) {
    unsigned char c = (unsigned char)t[i];
    if (is_up(c)) upper++;
    else if (is_lo(c)) lowc++;
    else if (!is_dig(c) && c != '-' && c != '&') return 0;
  }
  return upper >= 2 && lowc <= upper / 2 + 1;
}

static void trim(const char *t, uint32_t *s, uint32_t *e) {
  while (*s < *e && is_sp((unsigned char)t[*s])) (*s)++;
  while (*e > *s && is_sp((unsigned char)t[*e - 1])) (*e)--;
}

static int starts_with_ci(const char *t, uint32_t s, uint32_t e, const char *w) {
  size_t n = strlen(w), i;
  if (e - s < n) return 0;
  for (i = 0; i < n; i++) if (lower((unsigned char)t[s + i]) != (unsigned char)w[i]) return 0;
  return 1;
}

/* One parenthesis at t[p] with its close at t[q], inside sentence [s, e). */
static void scan_paren(const char *t, uint32_t s, uint32_t p, uint32_t q, ql_abbrev_cb cb, void *ud) {
  uint32_t cs = p + 1, ce = q, i, full_e;
  trim(t, &cs, &ce);
  full_e = ce;
  for (i = cs; i < ce; i++)
    if (t[i] == ';' || t[i] == ',') { ce = i; break; }
  trim(t, &cs, &ce);
  /* quotes around the short form: ("PoCA 2002") */
  while (cs < ce && (t[cs] == '"' || t[cs] == '\'')) cs++;
  while (ce > cs && (t[ce - 1] == '"' || t[ce - 1] == '\'')) ce--;
  if (ce <= cs) return;
  if (starts_with_ci(t, cs, ce, "e.g") || starts_with_ci(t, cs, ce, "i.e") ||
      starts_with_ci(t, cs, ce, "see ") || starts_with_ci(t, cs, ce, "cf.")) return;
  if (short_form_ok(t, cs, ce)) {
    /* long form before the parenthesis: at most min(|SF|+5, 2|SF|) words,
     * not crossing another bracket or a clause mark */
    uint32_t n = ce - cs, maxw = n + 5 < 2 * n ? n + 5 : 2 * n, words = 0;
    uint32_t we = p, ws;
    while (we > s && (is_sp((unsigned char)t[we - 1]) || t[we - 1] == '"' || t[we - 1] == ',')) we--;
    ws = we;
    while (ws > s) {
      unsigned char c = (unsigned char)t[ws - 1];
      if (c == '(' || c == ')' || c == ';' || c == ':' || c == '[' || c == ']' || c == '"') break;
      if (is_sp(c)) {
        if (++words >= maxw) break;
        while (ws > s && is_sp((unsigned char)t[ws - 1])) ws--;
        continue;
      }
      ws--;
    }
    trim(t, &ws, &we);
    if (we > ws) {
      uint32_t ls = initials_long_form(t, cs, ce, ws, we);
      if (ls == NOMATCH) ls = find_long_form(t, cs, ce, ws, we);
      if (ls != NOMATCH && we - ls > n) { cb(ud, cs, ce, ls, we); return; }
    }
    return;
  }
  /* the other order: a short form, then its long form in parentheses */
  {
    uint32_t we = p, ws, lce = full_e;
    for (i = cs; i < lce; i++) if (t[i] == ';') { lce = i; break; }
    trim(t, &cs, &lce);
    while (we > s && is_sp((unsigned char)t[we - 1])) we--;
    ws = we;
    while (ws > s && !is_sp((unsigned char)t[ws - 1]) && t[ws - 1] != '(' && t[ws - 1] != '"') ws--;
    if (acronym_word_ok(t, ws, we) && lce > cs) {
      uint32_t n = we - ws, maxw = n + 5 < 2 * n ? n + 5 : 2 * n, words = 1;
      for (i = cs; i < lce; i++) if (t[i] == ' ') words++;
      if (words <= maxw && find_long_form(t, ws, we, cs, lce) == cs && lce - cs > n)
        cb(ud, ws, we, cs, lce);
    }
  }
}

void ql_abbrev_scan_sentence(const char *t, uint32_t s, uint32_t e, ql_abbrev_cb cb, void *ud) {
  uint32_t p = s;
  for (;;) {
    const char *o = p < e ? (const char *)memchr(t + p, '(', e - p) : NULL;
    uint32_t q;
    if (!o) return;
    p = (uint32_t)(o - t);
    /* "log(RT)" is notation, not a definition */
    if (p > s && !is_sp((unsigned char)t[p - 1]) && t[p - 1] != '"') { p++; continue; }
    for (q = p + 1; q < e && t[q] != ')' && t[q] != '('; q++) {}
    if (q < e && t[q] == ')') scan_paren(t, s, p, q, cb, ud);
    p++;
  }
}

/* ---- glossary lines ---- */
static int dash_at(const char *t, uint32_t i, uint32_t e, uint32_t *len) {
  unsigned char c = (unsigned char)t[i];
  if (c == '-' || c == ':' || c == '=' || c == '\t') { *len = 1; return 1; }
  if (c == 0xE2 && i + 2 < e && (unsigned char)t[i + 1] == 0x80 &&
      ((unsigned char)t[i + 2] == 0x93 || (unsigned char)t[i + 2] == 0x94)) { *len = 3; return 1; }
  return 0;
}

int ql_abbrev_glossary_line(const char *t, uint32_t s, uint32_t e,
                            uint32_t *ss, uint32_t *se, uint32_t *ls, uint32_t *le) {
  uint32_t i, a = s, b = e, upper = 0, lowc = 0, dl, words = 1;
  trim(t, &a, &b);
  /* the short form: one word of capitals (with & - / . and digits) */
  for (i = a; i < b && !is_sp((unsigned char)t[i]) && t[i] != ':' && t[i] != '\t'; i++) {
    unsigned char c = (unsigned char)t[i];
    if (is_up(c)) upper++;
    else if (is_lo(c)) lowc++;
    else if (!is_dig(c) && c != '&' && c != '-' && c != '/' && c != '.') return 0;
  }
  if (i - a < 2 || i - a > 12 || upper < 2 || lowc > upper / 2 + 1) return 0;
  *ss = a; *se = i;
  while (*se > a && (t[*se - 1] == '-' || t[*se - 1] == '.')) (*se)--;
  while (i < b && (t[i] == ' ')) i++;
  if (i >= b || !dash_at(t, i, b, &dl)) return 0;
  i += dl;
  while (i < b && is_sp((unsigned char)t[i])) i++;
  *ls = i; *le = b;
  while (*le > *ls && (t[*le - 1] == '.' || t[*le - 1] == ';' || t[*le - 1] == ',')) (*le)--;
  if (*le <= *ls || !(is_up((unsigned char)t[*ls]) || is_lo((unsigned char)t[*ls]))) return 0;
  for (i = *ls; i < *le; i++) {
    if (t[i] == ' ') words++;
    if (t[i] == '(' || t[i] == '.') return 0; /* a sentence, not a gloss */
  }
  if (words > 12) return 0;
  return find_long_form(t, *ss, *se, *ls, *le) == *ls;
}

/* ---- the document pass ---- */
typedef struct { ql_doc *d; } scan_ctx;

static void add_def(ql_doc *d, uint32_t ss, uint32_t se, uint32_t ls, uint32_t le, int source) {
  const char *t = (const char *)d->text.p;
  ql_abbrev a;
  uint32_t i, upper = 0;
  a.short_start = ss; a.short_stop = se; a.long_start = ls; a.long_stop = le;
  a.key_len = se - ss; a.first = -1; a.uses = 0; a.source = (uint8_t)source;
  for (i = ss; i < se; i++) upper += is_up((unsigned char)t[i]);
  /* plural: ICBs -> ICB */
  if (se - ss >= 3 && t[se - 1] == 's' && upper >= 2 && (is_up((unsigned char)t[se - 2]) || is_dig((unsigned char)t[se - 2])))
    a.key_len--;
  QL_VEC_PUSH(&d->mem, &d->annot->abbrevs, ql_abbrev, a);
}

static void inline_cb(void *ud, uint32_t ss, uint32_t se, uint32_t ls, uint32_t le) {
  add_def(((scan_ctx *)ud)->d, ss, se, ls, le, QL_ABBR_INLINE);
}

/* Is the title of the block's section (or the last heading before it) a glossary heading? */
static int glossary_heading(const ql_doc *d, int32_t b, int32_t last_heading) {
  static const char *const words[] = { "abbreviation", "acronym", "glossary", NULL };
  const ql_block *bl = &QL_VEC_AT(d->blocks, ql_block, b);
  const char *s = NULL;
  size_t n = 0, i;
  int k;
  if (bl->section >= 0) {
    const ql_section *sec = &QL_VEC_AT(d->sections, ql_section, bl->section);
    s = ql_doc_str(d, sec->title); n = sec->title.len;
  } else if (last_heading >= 0) {
    const ql_block *h = &QL_VEC_AT(d->blocks, ql_block, last_heading);
    s = (const char *)d->text.p + h->start; n = h->stop - h->start;
  }
  if (!s || n > 80) return 0;
  for (i = 0; i < n; i++)
    for (k = 0; words[k]; k++) {
      size_t wl = strlen(words[k]);
      if (i + wl <= n && ql_ieq(s + i, wl, words[k])) return 1;
    }
  return 0;
}

typedef struct { uint32_t ss, se, ls, le; int32_t block; uint8_t heading; } gl_cand;

static void find_glossary(ql_doc *d) {
  struct ql_annot *a = d->annot;
  const char *t = (const char *)d->text.p;
  ql_vec *cv = &a->tmp[0];
  uint32_t b, i;
  int32_t last_heading = -1, prev_para = -1;
  cv->n = 0;
  for (b = 0; b < d->blocks.n; b++) {
    const ql_block *bl = &QL_VEC_AT(d->blocks, ql_block, b);
    uint32_t s = bl->start;
    if (bl->kind == QL_BLOCK_HEADING) { last_heading = (int32_t)b; continue; }
    if (bl->stop - bl->start > 4000) continue;
    /* a block that is one short paragraph looking like a heading */
    if (bl->stop - bl->start < 40 && !memchr(t + bl->start, '.', bl->stop - bl->start) &&
        !memchr(t + bl->start, 0xE2, bl->stop - bl->start) && !memchr(t + bl->start, '-', bl->stop - bl->start))
      prev_para = (int32_t)b;
    while (s < bl->stop) {
      const char *nl = (const char *)memchr(t + s, '\n', bl->stop - s);
      uint32_t e = nl ? (uint32_t)(nl - t) : bl->stop;
      gl_cand c;
      if (e - s <= 160 && ql_abbrev_glossary_line(t, s, e, &c.ss, &c.se, &c.ls, &c.le)) {
        c.block = (int32_t)b;
        c.heading = (uint8_t)glossary_heading(d, (int32_t)b, last_heading > prev_para ? last_heading : prev_para);
        ql_vec_reserve(&d->mem, cv, sizeof(gl_cand), (size_t)cv->n + 1);
        ((gl_cand *)cv->p)[cv->n++] = c;
      }
      s = e + 1;
    }
  }
  {
    const gl_cand *c = (const gl_cand *)cv->p;
    for (i = 0; i < cv->n; i++) {
      int run = (i > 0 && c[i].block - c[i - 1].block <= 1) || (i + 1 < cv->n && c[i + 1].block - c[i].block <= 1);
      if (run || c[i].heading) add_def(d, c[i].ss, c[i].se, c[i].ls, c[i].le, QL_ABBR_GLOSSARY);
    }
  }
  cv->n = 0;
}

typedef struct { const char *t; const ql_abbrev *defs; const char *k; uint32_t kl; } key_eq_ctx;

static int def_key_eq(const void *ctx, uint32_t v) {
  const key_eq_ctx *c = (const key_eq_ctx *)ctx;
  const ql_abbrev *a = &c->defs[v];
  return a->key_len == c->kl && memcmp(c->t + a->short_start, c->k, c->kl) == 0;
}

typedef struct { const char *t; const ql_undef_acro *u; const char *k; uint32_t kl; } undef_eq_ctx;

static int undef_key_eq(const void *ctx, uint32_t v) {
  const undef_eq_ctx *c = (const undef_eq_ctx *)ctx;
  return c->u[v].key_len == c->kl && memcmp(c->t + c->u[v].start, c->k, c->kl) == 0;
}

/* Acronym-like token t[s, e): capitals dominate (ICB, ICBs, PGDip, COVID-19). */
static int acronym_token(const char *t, uint32_t s, uint32_t e, uint32_t *key_len) {
  uint32_t i, upper = 0, lowc = 0, roman = 1;
  if (e - s < 2 || e - s > 10 || !is_up((unsigned char)t[s])) return 0;
  for (i = s; i < e; i++) {
    unsigned char c = (unsigned char)t[i];
    if (is_up(c)) { upper++; if (c != 'I' && c != 'V' && c != 'X') roman = 0; }
    else if (is_lo(c)) { lowc++; roman = 0; }
    else if (is_dig(c) || c == '-' || c == '&') roman = 0;
    else return 0;
  }
  if (upper < 2 || roman) return 0;
  *key_len = e - s;
  if (lowc == 1 && t[e - 1] == 's') { *key_len = e - s - 1; return 1; }
  return lowc <= upper / 2;
}

static int caps_word(const char *t, uint32_t s, uint32_t e) {
  uint32_t i;
  if (e - s < 2) return 0;
  for (i = s; i < e; i++) if (!is_up((unsigned char)t[i])) return 0;
  return 1;
}

void ql_find_acronyms(ql_doc *d) {
  struct ql_annot *a = d->annot;
  const char *t = (const char *)d->text.p;
  const uint32_t *st = (const uint32_t *)d->tok_start.p;
  const uint32_t *tf;
  ql_hmap *defs = &a->map[0], *defpos = &a->map[1], *undef = &a->map[2];
  scan_ctx ctx;
  uint32_t i, b;
  a->abbrevs.n = a->uses.n = a->undef.n = 0;
  ctx.d = d;
  for (i = 0; i < d->sentences.n; i++) {
    const ql_span *s = &QL_VEC_AT(d->sentences, ql_span, i);
    if (memchr(t + s->start, '(', s->stop - s->start))
      ql_abbrev_scan_sentence(t, s->start, s->stop, inline_cb, &ctx);
  }
  find_glossary(d);

  /* keys of the definitions: the first definition of a key is the one uses resolve to */
  ql_hmap_reset(&d->mem, defs, a->abbrevs.n);
  ql_hmap_reset(&d->mem, defpos, a->abbrevs.n);
  for (i = 0; i < a->abbrevs.n; i++) {
    ql_abbrev *x = &QL_VEC_AT(a->abbrevs, ql_abbrev, i);
    key_eq_ctx kc;
    uint32_t *hit;
    kc.t = t; kc.defs = (const ql_abbrev *)a->abbrevs.p; kc.k = t + x->short_start; kc.kl = x->key_len;
    hit = ql_hmap_get(defs, ql_hash_bytes(kc.k, kc.kl), def_key_eq, &kc);
    if (hit) x->first = (int32_t)*hit;
    else ql_hmap_add(&d->mem, defs, ql_hash_bytes(kc.k, kc.kl), i);
    ql_hmap_add(&d->mem, defpos, x->short_start, i);
  }

  /* uses */
  ql_hmap_reset(&d->mem, undef, 64);
  tf = ql_annot_block_tokens(d);
  for (b = 0; b < d->blocks.n; b++) {
    uint32_t k, e = tf[b + 1];
    for (k = tf[b]; k < e; k++) {
      uint32_t s0 = st[k], e0 = ql_tok_stop(d, k), kl, *hit, last = k;
      ql_acro_use u;
      key_eq_ctx kc;
      /* most capitalised words are not acronyms: a lower-case second letter rules them out */
      if (ql_tok_kind(d, k) != QL_TOK_WORD || !is_up((unsigned char)t[s0]) || (e0 - s0 > 1 && is_lo((unsigned char)t[s0 + 1]))) continue;
      /* A&E, R&D: three tokens written without spaces */
      if (e0 - s0 == 1 && k + 2 < e && ql_tok_stop(d, k) == st[k + 1] && t[st[k + 1]] == '&' && ql_tok_stop(d, k + 1) == st[k + 2] &&
          ql_tok_kind(d, k + 2) == QL_TOK_WORD && ql_tok_stop(d, k + 2) - st[k + 2] <= 2 && is_up((unsigned char)t[st[k + 2]])) {
        last = k + 2; e0 = ql_tok_stop(d, last); kl = e0 - s0;
      } else if (!acronym_token(t, s0, e0, &kl)) continue;
      /* the definition itself: only where a short form is defined, in
       * parentheses, before one, or at the start of a glossary line */
      if ((s0 == QL_VEC_AT(d->blocks, ql_block, b).start || t[s0 - 1] == '(' || t[s0 - 1] == '"' || t[s0 - 1] == '\n' ||
           (t[e0] == ' ' && t[e0 + 1] == '(')) && ql_hmap_get(defpos, s0, NULL, NULL)) {
        k = last;
        continue;
      }
      kc.t = t; kc.defs = (const ql_abbrev *)a->abbrevs.p; kc.k = t + s0; kc.kl = kl;
      hit = ql_hmap_get(defs, ql_hash_bytes(kc.k, kl), def_key_eq, &kc);
      u.start = s0; u.stop = e0; u.key_len = kl; u.def = -1; u.undef = -1;
      if (hit) {
        u.def = (int32_t)*hit;
        QL_VEC_AT(a->abbrevs, ql_abbrev, *hit).uses++;
      } else {
        undef_eq_ctx uc;
        uint64_t h = ql_hash_bytes(t + s0, kl);
        /* a run of capitals is a shouted heading, not acronyms */
        int shouted = (k > tf[b] && ql_tok_kind(d, k - 1) == QL_TOK_WORD && caps_word(t, st[k - 1], ql_tok_stop(d, k - 1)) &&
                       ql_annot_is_space(t, ql_tok_stop(d, k - 1), s0)) ||
                      (last + 1 < e && ql_tok_kind(d, last + 1) == QL_TOK_WORD && caps_word(t, st[last + 1], ql_tok_stop(d, last + 1)) &&
                       ql_annot_is_space(t, e0, st[last + 1]));
        /* structured-abstract labels (RESULTS:, AIM:) are words in capitals */
        if (!shouted && (ql_category_from_label(t + s0, e0 - s0) != QL_CAT_NONE || (e0 - s0 >= 5 && t[e0] == ':')))
          shouted = 1;
        if (shouted) { k = last; continue; }
        uc.t = t; uc.u = (const ql_undef_acro *)a->undef.p; uc.k = t + s0; uc.kl = kl;
        hit = ql_hmap_get(undef, h, undef_key_eq, &uc);
        if (hit) { u.undef = (int32_t)*hit; QL_VEC_AT(a->undef, ql_undef_acro, *hit).count++; }
        else {
          ql_undef_acro x;
          x.start = s0; x.key_len = kl; x.count = 1;
          u.undef = (int32_t)a->undef.n;
          QL_VEC_PUSH(&d->mem, &a->undef, ql_undef_acro, x);
          ql_hmap_add(&d->mem, undef, h, (uint32_t)u.undef);
        }
      }
      QL_VEC_PUSH(&d->mem, &a->uses, ql_acro_use, u);
      k = last;
    }
  }
  /* every definition of a key carries the key's count */
  for (i = 0; i < a->abbrevs.n; i++) {
    ql_abbrev *x = &QL_VEC_AT(a->abbrevs, ql_abbrev, i);
    if (x->first >= 0) x->uses = QL_VEC_AT(a->abbrevs, ql_abbrev, x->first).uses;
  }
}
