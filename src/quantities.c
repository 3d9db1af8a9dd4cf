/* quantities.c - figures a text rests on: percentages (56%, 8.9 per cent),
 * money with currency and scale (£14.9 billion, £2.1m), counts with what
 * they count (1,032 patients, n=16), years and financial years (2015/16),
 * and ranges, each with its sentence.  One pass over the tokens of each
 * block, looking a few tokens left and right.
 *
 * OCR damage is flagged only where the text proves it: a footnote number
 * glued onto a year ("double by 204557"), a superscript read as ?, (R), a
 * degree sign, an unpaired * or quote right after a word or a full stop,
 * and a claim whose direction contradicts its own figures ("decreased from
 * 8.9 per cent ... to 81 per cent"). */
#include "annot.h"

enum {
  W_STOP = 1, W_MONTH = 2, W_TEMPORAL = 4, W_DEC = 8, W_INC = 16, W_APPROX = 32, W_SCALE = 64,
  W_NUMWORD = 128, W_CURRWORD = 256, W_MASS = 512, W_IDENT = 1024, W_PREP = 2048
};

typedef struct { const char *w; unsigned bits; double v; } word_bits;

static const word_bits words[] = {
  /* function words end the unit of a count */
  { "the", W_STOP, 0 }, { "a", W_STOP, 0 }, { "an", W_STOP, 0 }, { "and", W_STOP, 0 }, { "or", W_STOP, 0 },
  { "of", W_STOP | W_PREP, 0 }, { "in", W_STOP | W_TEMPORAL | W_PREP, 0 }, { "on", W_STOP | W_PREP, 0 },
  { "at", W_STOP | W_PREP, 0 }, { "to", W_STOP | W_TEMPORAL | W_PREP, 0 }, { "for", W_STOP | W_PREP, 0 },
  { "with", W_STOP | W_PREP, 0 }, { "by", W_STOP | W_TEMPORAL | W_PREP, 0 }, { "from", W_STOP | W_TEMPORAL | W_PREP, 0 },
  { "across", W_STOP | W_PREP, 0 }, { "between", W_STOP | W_PREP, 0 }, { "under", W_STOP | W_PREP | W_APPROX, 0 },
  { "over", W_STOP | W_PREP | W_APPROX, 0 }, { "per", W_STOP, 0 }, { "than", W_STOP, 0 }, { "as", W_STOP, 0 },
  { "is", W_STOP, 0 }, { "are", W_STOP, 0 }, { "was", W_STOP, 0 }, { "were", W_STOP, 0 }, { "be", W_STOP, 0 },
  { "been", W_STOP, 0 }, { "has", W_STOP, 0 }, { "have", W_STOP, 0 }, { "had", W_STOP, 0 }, { "will", W_STOP, 0 },
  { "would", W_STOP, 0 }, { "can", W_STOP, 0 }, { "could", W_STOP, 0 }, { "should", W_STOP, 0 }, { "may", W_STOP, 0 },
  { "that", W_STOP, 0 }, { "which", W_STOP, 0 }, { "who", W_STOP, 0 }, { "this", W_STOP, 0 }, { "these", W_STOP, 0 },
  { "those", W_STOP, 0 }, { "its", W_STOP, 0 }, { "their", W_STOP, 0 }, { "it", W_STOP, 0 }, { "they", W_STOP, 0 },
  { "we", W_STOP, 0 }, { "not", W_STOP, 0 }, { "only", W_STOP, 0 }, { "into", W_STOP | W_PREP, 0 },
  { "within", W_STOP | W_PREP, 0 }, { "during", W_STOP | W_TEMPORAL | W_PREP, 0 }, { "since", W_STOP | W_TEMPORAL | W_PREP, 0 },
  { "until", W_STOP | W_TEMPORAL | W_PREP, 0 }, { "till", W_STOP | W_TEMPORAL | W_PREP, 0 },
  { "before", W_STOP | W_TEMPORAL | W_PREP, 0 }, { "after", W_STOP | W_TEMPORAL | W_PREP, 0 },
  { "through", W_STOP | W_TEMPORAL | W_PREP, 0 }, { "around", W_STOP | W_APPROX | W_PREP, 0 }, { "about", W_STOP | W_APPROX | W_PREP, 0 },
  { "up", W_STOP, 0 }, { "out", W_STOP, 0 }, { "each", W_STOP, 0 }, { "every", W_STOP, 0 }, { "all", W_STOP, 0 },
  { "more", W_STOP, 0 }, { "less", W_STOP, 0 }, { "fewer", W_STOP, 0 }, { "times", W_STOP, 0 }, { "year", W_STOP, 0 },
  { "years", 0, 0 }, { "where", W_STOP, 0 }, { "when", W_STOP, 0 }, { "while", W_STOP, 0 }, { "also", W_STOP, 0 },
  { "such", W_STOP, 0 }, { "so", W_STOP, 0 }, { "but", W_STOP, 0 }, { "if", W_STOP, 0 }, { "then", W_STOP, 0 },
  { "there", W_STOP, 0 }, { "here", W_STOP, 0 }, { "via", W_STOP | W_PREP, 0 }, { "like", W_STOP, 0 },
  { "including", W_STOP, 0 }, { "among", W_STOP | W_PREP, 0 }, { "against", W_STOP | W_PREP, 0 },
  { "daily", W_STOP, 0 }, { "weekly", W_STOP, 0 }, { "annually", W_STOP, 0 }, { "alone", W_STOP, 0 },
  { "approximately", W_APPROX, 0 }, { "almost", W_APPROX, 0 }, { "nearly", W_APPROX, 0 }, { "roughly", W_APPROX, 0 },
  { "some", W_APPROX | W_STOP, 0 }, { "circa", W_APPROX, 0 }, { "estimated", W_APPROX, 0 }, { "than", W_STOP, 0 },
  { "january", W_MONTH, 0 }, { "february", W_MONTH, 0 }, { "march", W_MONTH, 0 }, { "april", W_MONTH, 0 },
  { "june", W_MONTH, 0 }, { "july", W_MONTH, 0 }, { "august", W_MONTH, 0 }, { "september", W_MONTH, 0 },
  { "october", W_MONTH, 0 }, { "november", W_MONTH, 0 }, { "december", W_MONTH, 0 }, { "jan", W_MONTH, 0 },
  { "feb", W_MONTH, 0 }, { "mar", W_MONTH, 0 }, { "apr", W_MONTH, 0 }, { "jun", W_MONTH, 0 }, { "jul", W_MONTH, 0 },
  { "aug", W_MONTH, 0 }, { "sep", W_MONTH, 0 }, { "sept", W_MONTH, 0 }, { "oct", W_MONTH, 0 }, { "nov", W_MONTH, 0 },
  { "dec", W_MONTH, 0 },
  { "decreased", W_DEC, 0 }, { "decrease", W_DEC, 0 }, { "decreasing", W_DEC, 0 }, { "declined", W_DEC, 0 },
  { "decline", W_DEC, 0 }, { "fell", W_DEC, 0 }, { "fall", W_DEC, 0 }, { "fallen", W_DEC, 0 }, { "falling", W_DEC, 0 },
  { "dropped", W_DEC, 0 }, { "drop", W_DEC, 0 }, { "reduced", W_DEC, 0 }, { "reduction", W_DEC, 0 },
  { "shrank", W_DEC, 0 }, { "shrunk", W_DEC, 0 }, { "down", W_DEC, 0 }, { "lowered", W_DEC, 0 },
  { "increased", W_INC, 0 }, { "increase", W_INC, 0 }, { "increasing", W_INC, 0 }, { "rose", W_INC, 0 },
  { "rise", W_INC, 0 }, { "risen", W_INC, 0 }, { "rising", W_INC, 0 }, { "grew", W_INC, 0 }, { "grown", W_INC, 0 },
  { "growth", W_INC, 0 }, { "doubled", W_INC, 0 }, { "tripled", W_INC, 0 }, { "climbed", W_INC, 0 },
  { "million", W_SCALE, 1e6 }, { "billion", W_SCALE, 1e9 }, { "trillion", W_SCALE, 1e12 },
  { "thousand", W_SCALE, 1e3 }, { "bn", W_SCALE, 1e9 }, { "m", W_SCALE, 1e6 }, { "k", W_SCALE, 1e3 },
  { "two", W_NUMWORD, 2 }, { "three", W_NUMWORD, 3 }, { "four", W_NUMWORD, 4 }, { "five", W_NUMWORD, 5 },
  { "six", W_NUMWORD, 6 }, { "seven", W_NUMWORD, 7 }, { "eight", W_NUMWORD, 8 }, { "nine", W_NUMWORD, 9 },
  { "ten", W_NUMWORD, 10 }, { "eleven", W_NUMWORD, 11 }, { "twelve", W_NUMWORD, 12 }, { "fifteen", W_NUMWORD, 15 },
  { "twenty", W_NUMWORD, 20 }, { "thirty", W_NUMWORD, 30 }, { "forty", W_NUMWORD, 40 }, { "fifty", W_NUMWORD, 50 },
  { "hundred", W_NUMWORD, 100 }, { "dozens", W_NUMWORD, 24 },
  { "pounds", W_CURRWORD, 0 }, { "euros", W_CURRWORD, 0 }, { "dollars", W_CURRWORD, 0 },
  { "staff", W_MASS, 0 }, { "people", W_MASS, 0 }, { "personnel", W_MASS, 0 }, { "children", W_MASS, 0 },
  { "men", W_MASS, 0 }, { "women", W_MASS, 0 }, { "workforce", W_MASS, 0 },
  { "page", W_IDENT, 0 }, { "pages", W_IDENT, 0 }, { "p", W_IDENT, 0 }, { "pp", W_IDENT, 0 }, { "table", W_IDENT, 0 },
  { "figure", W_IDENT, 0 }, { "fig", W_IDENT, 0 }, { "chapter", W_IDENT, 0 }, { "section", W_IDENT, 0 },
  { "appendix", W_IDENT, 0 }, { "segment", W_IDENT, 0 }, { "volume", W_IDENT, 0 }, { "issue", W_IDENT, 0 },
  { "no", W_IDENT, 0 }, { "number", W_IDENT, 0 }, { "level", W_IDENT, 0 }, { "tier", W_IDENT, 0 },
  { "phase", W_IDENT, 0 }, { "step", W_IDENT, 0 }, { "version", W_IDENT, 0 }, { "wave", W_IDENT, 0 },
};
#define NWORDS (sizeof words / sizeof words[0])

typedef struct {
  ql_doc *d;
  const char *t;
  const uint32_t *st, *form;
  ql_hmap *bits;       /* vocabulary id -> index into words (bits in the table) */
  ql_bloom numwords;   /* ids of spelled numbers */
  uint32_t id_per, id_cent, id_percent, id_percentage, id_points, id_n, id_between, id_and, id_from, id_to,
           id_more, id_less, id_fewer, id_than, id_up, id_one, id_in;
} qctx;

static unsigned wbits(const qctx *c, uint32_t k, double *v) {
  const uint32_t *hit = ql_hmap_get(c->bits, c->form[k], NULL, NULL);
  if (!hit) return 0;
  if (v) *v = words[*hit].v;
  return words[*hit].bits;
}

static int is_dig(unsigned char ch) { return ch >= '0' && ch <= '9'; }
static int is_up(unsigned char ch) { return ch >= 'A' && ch <= 'Z'; }

/* digits with thousands commas and one decimal point; returns bytes used */
static uint32_t parse_num(const char *t, uint32_t s, uint32_t e, double *v) {
  uint32_t i = s;
  double x = 0, scale = 0.1;
  int dot = 0;
  if (i >= e || !is_dig((unsigned char)t[i])) return 0;
  while (i < e) {
    unsigned char ch = (unsigned char)t[i];
    if (is_dig(ch)) {
      if (dot) { x += (ch - '0') * scale; scale /= 10; }
      else x = x * 10 + (ch - '0');
      i++;
    } else if (ch == ',' && !dot && i + 4 <= e && is_dig((unsigned char)t[i + 1]) &&
               is_dig((unsigned char)t[i + 2]) && is_dig((unsigned char)t[i + 3]) &&
               (i + 4 == e || !is_dig((unsigned char)t[i + 4]))) {
      i++;
    } else if (ch == '.' && !dot && i + 1 < e && is_dig((unsigned char)t[i + 1])) {
      dot = 1; i++;
    } else break;
  }
  *v = x;
  return i - s;
}

static uint32_t digits_only(const char *t, uint32_t s, uint32_t e) {
  uint32_t i;
  for (i = s; i < e; i++) if (!is_dig((unsigned char)t[i])) return 0;
  return e - s;
}

static int is_year(double v) { return v >= 1900 && v <= 2099 && v == (double)(int)v; }

/* Is token k the word with vocabulary id `id`, separated from k-1 by space? */
static int is_word(const qctx *c, uint32_t k, uint32_t lim, uint32_t id) {
  return k < lim && id != UINT32_MAX && c->form[k] == id;
}

static uint32_t prev_word(uint32_t k, uint32_t first) {
  return k > first ? k - 1 : UINT32_MAX;
}

/* The unit of a count after token k0: up to three words, ending at the
 * first plural-looking word (or a mass noun such as staff). */
static int count_unit(const qctx *c, uint32_t k0, uint32_t lim, uint32_t *us, uint32_t *ue, uint32_t *kend) {
  uint32_t k, n = 0;
  for (k = k0; k < lim && n < 3; k++, n++) {
    uint32_t s = c->st[k], e = ql_tok_stop(c->d, k);
    unsigned b;
    if (ql_tok_kind(c->d, k) != QL_TOK_WORD) return 0;
    if (k > k0 && !ql_annot_is_space(c->t, ql_tok_stop(c->d, k - 1), s)) return 0;
    b = wbits(c, k, NULL);
    if (b & (W_STOP | W_MONTH | W_SCALE | W_NUMWORD)) return 0;
    /* plural-looking: -s but not -ss, -is, -us (crisis, status) */
    if ((b & W_MASS) || (e - s > 2 && c->t[e - 1] == 's' && c->t[e - 2] != 's' && c->t[e - 2] != '\'' &&
                         c->t[e - 2] != 'i' && c->t[e - 2] != 'u')) {
      *us = c->st[k0]; *ue = e; *kend = k;
      return 1;
    }
  }
  return 0;
}

static void push_q(qctx *c, ql_quantity *q, uint32_t k0) {
  q->sentence = ql_doc_sentence_at(c->d, q->start);
  QL_VEC_PUSH(&c->d->mem, &c->d->annot->quantities, ql_quantity, *q);
  QL_VEC_PUSH(&c->d->mem, &c->d->annot->tmp[4], uint32_t, k0);
}

static void init_q(ql_quantity *q, int kind, uint32_t s, uint32_t e) {
  memset(q, 0, sizeof *q);
  q->kind = (uint8_t)kind; q->start = s; q->stop = e; q->note = -1; q->sentence = -1;
}

/* After a figure ending at token k (exclusive lim): %, per cent, percentage
 * points, a scale word.  Returns the token after what it took. */
static uint32_t suffixes(const qctx *c, uint32_t k, uint32_t lim, int *percent, double *scale, int money) {
  const char *t = c->t;
  *percent = 0; *scale = 1;
  if (k < lim && c->st[k] == ql_tok_stop(c->d, k - 1) && ql_tok_stop(c->d, k) - c->st[k] == 1 && t[c->st[k]] == '%') { *percent = 1; return k + 1; }
  if (is_word(c, k, lim, c->id_percent)) { *percent = 1; return k + 1; }
  if (is_word(c, k, lim, c->id_per) && is_word(c, k + 1, lim, c->id_cent)) { *percent = 1; return k + 2; }
  if (is_word(c, k, lim, c->id_percentage) && is_word(c, k + 1, lim, c->id_points)) { *percent = 2; return k + 2; }
  if (k < lim && ql_tok_kind(c->d, k) == QL_TOK_WORD) {
    double v;
    unsigned b = wbits(c, k, &v);
    if ((b & W_SCALE) && (money || ql_tok_stop(c->d, k) - c->st[k] > 1)) { *scale = v; return k + 1; }
  }
  return k;
}

static const char *currency_at(const char *t, uint32_t s, uint32_t e) {
  if (e - s == 2 && (unsigned char)t[s] == 0xC2 && (unsigned char)t[s + 1] == 0xA3) return "GBP";
  if (e - s == 1 && t[s] == '$') return "USD";
  if (e - s == 3 && (unsigned char)t[s] == 0xE2 && (unsigned char)t[s + 1] == 0x82 && (unsigned char)t[s + 2] == 0xAC) return "EUR";
  return NULL;
}

/* One figure at token k of a block [first, lim); returns the last token used. */
static uint32_t figure(qctx *c, uint32_t k, uint32_t first, uint32_t lim) {
  const char *t = c->t;
  uint32_t s = c->st[k], e = ql_tok_stop(c->d, k), used, pk = prev_word(k, first), after, kend;
  double v = 0, v2 = 0, scale = 1;
  int percent = 0, fy = 0, range = 0;
  const char *cur = NULL;
  ql_quantity q;
  unsigned pb = pk != UINT32_MAX && ql_tok_kind(c->d, pk) == QL_TOK_WORD ? wbits(c, pk, NULL) : 0;

  /* "one in four adults" is a ratio, not a count */
  if (pk != UINT32_MAX && c->form[pk] == c->id_in && pk > first &&
      (ql_tok_kind(c->d, pk - 1) == QL_TOK_NUMBER || (wbits(c, pk - 1, NULL) & W_NUMWORD) || c->form[pk - 1] == c->id_one))
    return k;
  if (ql_tok_kind(c->d, k) == QL_TOK_WORD && !is_dig((unsigned char)t[s])) {
    /* spelled numbers count things: "three key shifts" */
    double nv;
    if (!(wbits(c, k, &nv) & W_NUMWORD)) return k;
    uint32_t us, ue;
    if (count_unit(c, k + 1, lim, &us, &ue, &kend)) {
      init_q(&q, QL_Q_COUNT, s, ue);
      q.value = nv; q.has_value = 1; q.unit_start = us; q.unit_stop = ue;
      push_q(c, &q, k);
      return kend;
    }
    return k;
  }
  used = parse_num(t, s, e, &v);
  if (!used) return k;
  if (pk != UINT32_MAX && ql_tok_stop(c->d, pk) == s) cur = currency_at(t, c->st[pk], ql_tok_stop(c->d, pk));
  if (s + used < e) {
    /* 2015/16, 2024-25, 30-40, 2.1m, 1990s */
    char sep = t[s + used];
    double w;
    uint32_t u2 = (sep == '/' || sep == '-') ? parse_num(t, s + used + 1, e, &w) : 0;
    if (u2 && s + used + 1 + u2 == e) {
      uint32_t l1 = digits_only(t, s, s + used), l2 = digits_only(t, s + used + 1, e);
      if (l1 == 4 && is_year(v) && ((l2 == 2 && (int)w == ((int)v + 1) % 100) || (l2 == 4 && (int)w == (int)v + 1))) fy = 1;
      else if (sep == '-' && w > v) { range = 1; v2 = w; }
      else return k; /* 24/7, 77/2022: not a quantity */
    } else if (cur && s + used + 1 == e && (t[s + used] == 'm' || t[s + used] == 'k')) {
      scale = t[s + used] == 'm' ? 1e6 : 1e3;
    } else if (cur && s + used + 2 == e && t[s + used] == 'b' && t[s + used + 1] == 'n') {
      scale = 1e9;
    } else return k; /* 21st, 10-year, 1990s */
  }
  if (fy) {
    init_q(&q, QL_Q_FY, s, e);
    q.value = v; q.has_value = 1; q.unit = "financial year";
    push_q(c, &q, k);
    return k;
  }
  /* dates and identifiers: 8 October, Volume 33, NHS 111 */
  if (!cur && !range) {
    uint32_t nk = k + 1;
    if ((pb & W_MONTH) && !is_year(v)) return k;
    if (nk < lim && ql_tok_kind(c->d, nk) == QL_TOK_WORD && (wbits(c, nk, NULL) & W_MONTH) && v <= 31) return k;
    if (pb & W_IDENT) return k;
  }
  /* a range written with a dash or "to" between two figures: 10-20%, 10 to 20 per cent */
  after = k + 1;
  if (!range && after + 1 < lim && ql_tok_kind(c->d, after + 1) == QL_TOK_NUMBER &&
      ((ql_tok_kind(c->d, after) == QL_TOK_PUNCT && ql_tok_stop(c->d, after) - c->st[after] <= 3 && ql_tok_stop(c->d, k) == c->st[after] &&
        ql_tok_stop(c->d, after) == c->st[after + 1] && (t[c->st[after]] == '-' || (unsigned char)t[c->st[after]] == 0xE2)))) {
    double w;
    if (parse_num(t, c->st[after + 1], ql_tok_stop(c->d, after + 1), &w) == ql_tok_stop(c->d, after + 1) - c->st[after + 1] && w > v) {
      range = 1; v2 = w; e = ql_tok_stop(c->d, after + 1); after += 2;
    }
  }
  if (!range && pk != UINT32_MAX && c->form[pk] == c->id_between) {
    /* between 10 and 20 */
    if (is_word(c, after, lim, c->id_and) && after + 1 < lim && ql_tok_kind(c->d, after + 1) == QL_TOK_NUMBER) {
      double w;
      if (parse_num(t, c->st[after + 1], ql_tok_stop(c->d, after + 1), &w) == ql_tok_stop(c->d, after + 1) - c->st[after + 1] && w > v) {
        range = 1; v2 = w; e = ql_tok_stop(c->d, after + 1); after += 2;
      }
    }
  }
  {
    double word_scale;
    uint32_t nk = suffixes(c, after, lim, &percent, &word_scale, cur != NULL);
    double sc = scale * word_scale; /* "2.1m" carries its scale; "2.1 million" has it after */
    if (nk > after) e = ql_tok_stop(c->d, nk - 1);
    if (!cur && !percent && nk < lim && ql_tok_kind(c->d, nk) == QL_TOK_WORD && (wbits(c, nk, NULL) & W_CURRWORD)) {
      const char *w = t + c->st[nk];
      cur = (w[0] == 'p' || w[0] == 'P') ? "GBP" : (w[0] == 'e' || w[0] == 'E') ? "EUR" : "USD";
      e = ql_tok_stop(c->d, nk); nk++;
    }
    if (percent || cur) {
      init_q(&q, range ? QL_Q_RANGE : percent ? QL_Q_PERCENT : QL_Q_MONEY, cur ? c->st[pk] : s, e);
      q.value = v * (cur ? sc : 1); q.has_value = 1;
      if (range) { q.high = v2 * (cur ? sc : 1); q.has_high = 1; }
      q.unit = cur ? cur : percent == 2 ? "percentage points" : "%";
      if (pb & W_APPROX) q.flags |= QL_QF_APPROX;
      if (pk != UINT32_MAX && c->form[pk] == c->id_than && pk > first &&
          (c->form[pk - 1] == c->id_more || c->form[pk - 1] == c->id_less || c->form[pk - 1] == c->id_fewer))
        q.flags |= QL_QF_APPROX;
      push_q(c, &q, k);
      return nk - 1;
    }
    /* a scale word without currency: 1.5 million staff */
    if (sc != 1) { v *= sc; if (range) v2 *= sc; after = nk; }
  }
  /* n = 16: a sample size */
  if (pk != UINT32_MAX && ql_tok_kind(c->d, pk) != QL_TOK_WORD && t[c->st[pk]] == '=' && pk > first &&
      c->form[pk - 1] == c->id_n) {
    init_q(&q, QL_Q_COUNT, c->st[pk - 1], e);
    q.value = v; q.has_value = 1; q.unit = "n";
    push_q(c, &q, k);
    return k;
  }
  {
    uint32_t l = digits_only(t, s, ql_tok_stop(c->d, k));
    int temporal = (pb & (W_TEMPORAL | W_MONTH)) != 0;
    uint32_t us, ue;
    int has_unit = count_unit(c, after, lim, &us, &ue, &kend);
    /* a footnote number glued onto a year: "double by 204557" */
    if (!range && l >= 5 && l <= 7 && temporal && !has_unit) {
      double y = 0;
      uint32_t i;
      for (i = 0; i < 4; i++) y = y * 10 + (t[s + i] - '0');
      if (is_year(y)) {
        init_q(&q, QL_Q_YEAR, s, ql_tok_stop(c->d, k));
        q.value = y; q.has_value = 1; q.flags |= QL_QF_GLUED_NOTE;
        q.note = 0;
        for (i = 4; i < l; i++) q.note = q.note * 10 + (t[s + i] - '0');
        push_q(c, &q, k);
        return k;
      }
    }
    if (!range && l == 4 && is_year(v) && (temporal || !has_unit)) {
      init_q(&q, QL_Q_YEAR, s, ql_tok_stop(c->d, k));
      q.value = v; q.has_value = 1;
      push_q(c, &q, k);
      return k;
    }
    if (range && l == 0 && is_year(v) && is_year(v2) && !has_unit) {
      init_q(&q, QL_Q_RANGE, s, e);
      q.value = v; q.high = v2; q.has_value = q.has_high = 1; q.unit = "year";
      push_q(c, &q, k);
      return after - 1;
    }
    if (has_unit) {
      /* a capitalised word before a bare number names something: Volume 33, NHS 111 */
      if (pk != UINT32_MAX && ql_tok_kind(c->d, pk) == QL_TOK_WORD && is_up((unsigned char)t[c->st[pk]]) && !(pb & (W_PREP | W_APPROX)) &&
          !(pb & W_MONTH))
        return k;
      init_q(&q, range ? QL_Q_RANGE : QL_Q_COUNT, s, ue);
      q.value = v; q.has_value = 1; q.unit_start = us; q.unit_stop = ue;
      if (range) { q.high = v2; q.has_high = 1; }
      if (pb & W_APPROX) q.flags |= QL_QF_APPROX;
      if (pk != UINT32_MAX && c->form[pk] == c->id_than && pk > first &&
          (c->form[pk - 1] == c->id_more || c->form[pk - 1] == c->id_less || c->form[pk - 1] == c->id_fewer))
        q.flags |= QL_QF_APPROX;
      push_q(c, &q, k);
      return kend;
    }
  }
  return k;
}

/* A superscript footnote marker damaged by OCR at token k of a block
 * [bs, be): ".?" ending a sentence, (R) or a degree sign after a word or a
 * full stop, or an unpaired * or quote there.  *stars is the block's count
 * of asterisks (computed when first needed), *quotes the quotes seen so far. */
static int ocr_marker(const qctx *c, uint32_t k, uint32_t bs, uint32_t be, uint32_t *stars, uint32_t *quotes) {
  const char *t = c->t;
  uint32_t s = c->st[k], e = ql_tok_stop(c->d, k);
  unsigned char ch = (unsigned char)t[s], pv = s > bs ? (unsigned char)t[s - 1] : ' ';
  int after_word = (pv >= 'a' && pv <= 'z') || pv == '.' || pv == ',' || pv == ';' || pv == ':' || pv == ')';
  int at_end = e >= be || t[e] == ' ' || t[e] == '\n';
  if (ch == '"') {
    ++*quotes;
    /* an odd-numbered quote would open a quotation; after a full stop and
     * before a space it closes one that never opened */
    return (*quotes & 1) && (pv == '.' || pv == ',' || pv == ')') && at_end;
  }
  if (!after_word) return 0;
  if (ch == '?') return pv == '.' && at_end;
  if (ch == 0xC2 && e - s == 2 && ((unsigned char)t[s + 1] == 0xAE || (unsigned char)t[s + 1] == 0xB0))
    return at_end || (unsigned char)t[e] == 0xC2;
  if (ch == '*') {
    if (*stars == UINT32_MAX) {
      uint32_t j;
      for (j = bs, *stars = 0; j < be; j++) *stars += t[j] == '*';
    }
    return (*stars & 1) && at_end;
  }
  return 0;
}

static void push_marker(qctx *c, uint32_t k) {
  struct ql_annot *a = c->d->annot;
  const char *t = c->t;
  uint32_t p = c->st[k];
  ql_quantity q;
  static const char *const glyph_q = "?", *const glyph_r = "\xC2\xAE", *const glyph_d = "\xC2\xB0",
                           *const glyph_s = "*", *const glyph_dq = "\"";
  /* a run of them ("available(R)(R)") is one marker */
  if (a->quantities.n > 0) {
    ql_quantity *last = &QL_VEC_LAST(a->quantities, ql_quantity);
    if (last->kind == QL_Q_MARKER && last->stop == p) { last->stop = ql_tok_stop(c->d, k); return; }
  }
  init_q(&q, QL_Q_MARKER, p, ql_tok_stop(c->d, k));
  q.flags = QL_QF_OCR_MARKER;
  q.unit = t[p] == '?' ? glyph_q : t[p] == '*' ? glyph_s : t[p] == '"' ? glyph_dq :
           (unsigned char)t[p + 1] == 0xAE ? glyph_r : glyph_d;
  push_q(c, &q, k);
}

/* "decreased from 8.9 per cent ... to 81 per cent": both figures flagged. */
static void directions(qctx *c) {
  struct ql_annot *a = c->d->annot;
  ql_quantity *q = (ql_quantity *)a->quantities.p;
  const uint32_t *qk = (const uint32_t *)a->tmp[4].p;
  uint32_t n = a->quantities.n, i = 0;
  while (i < n) {
    uint32_t j = i, x;
    while (j < n && q[j].sentence == q[i].sentence) j++;
    for (x = i; x + 1 < j && q[i].sentence >= 0; x++) {
      uint32_t k = qk[x], fk, y, kk, lo;
      const ql_span *sen = &QL_VEC_AT(c->d->sentences, ql_span, q[x].sentence);
      unsigned dir = 0;
      if (!q[x].has_value || q[x].kind == QL_Q_YEAR || q[x].kind == QL_Q_FY) continue;
      /* the first figure follows "from" (a currency sign may sit between) */
      if (k >= 1 && c->form[k - 1] == c->id_from) fk = k - 1;
      else if (k >= 2 && ql_tok_kind(c->d, k - 1) == QL_TOK_SYMBOL && c->form[k - 2] == c->id_from) fk = k - 2;
      else continue;
      if (c->st[fk] < sen->start) continue;
      k = fk;
      lo = k > 10 ? k - 10 : 0;
      for (kk = k; kk > lo && c->st[kk - 1] >= sen->start; kk--) {
        dir = wbits(c, kk - 1, NULL) & (W_DEC | W_INC);
        if (dir) break;
      }
      if (!dir) continue;
      for (y = x + 1; y < j; y++) {
        uint32_t ky = qk[y];
        if (q[y].kind != q[x].kind || !q[y].has_value) continue;
        if (ky > 0 && (c->form[ky - 1] == c->id_to || (ky > 1 && c->form[ky - 2] == c->id_to && ql_tok_kind(c->d, ky - 1) == QL_TOK_SYMBOL))) {
          if (((dir & W_DEC) && q[y].value > q[x].value) || ((dir & W_INC) && q[y].value < q[x].value)) {
            q[x].flags |= QL_QF_CONTRADICTS;
            q[y].flags |= QL_QF_CONTRADICTS;
          }
          break;
        }
      }
    }
    i = j;
  }
}

void ql_find_quantities(ql_doc *d) {
  struct ql_annot *a = d->annot;
  qctx c;
  uint32_t b, i;
  const uint32_t *tf;
  a->quantities.n = 0;
  a->tmp[4].n = 0;
  if (d->tok_start.n == 0) return;
  c.d = d; c.t = (const char *)d->text.p;
  c.st = (const uint32_t *)d->tok_start.p;
  c.form = (const uint32_t *)d->tok_form.p;
  c.bits = &a->map[1];
  ql_hmap_reset(&d->mem, c.bits, NWORDS);
  memset(&c.numwords, 0, sizeof c.numwords);
  for (i = 0; i < NWORDS; i++) {
    uint32_t id = ql_annot_word_id(d, words[i].w);
    if (id != UINT32_MAX && !ql_hmap_get(c.bits, id, NULL, NULL)) ql_hmap_add(&d->mem, c.bits, id, i);
    if (id != UINT32_MAX && (words[i].bits & W_NUMWORD)) ql_bloom_add(&c.numwords, id);
  }
  c.id_per = ql_annot_word_id(d, "per"); c.id_cent = ql_annot_word_id(d, "cent");
  c.id_percent = ql_annot_word_id(d, "percent"); c.id_percentage = ql_annot_word_id(d, "percentage");
  c.id_points = ql_annot_word_id(d, "points"); c.id_n = ql_annot_word_id(d, "n");
  c.id_between = ql_annot_word_id(d, "between"); c.id_and = ql_annot_word_id(d, "and");
  c.id_from = ql_annot_word_id(d, "from"); c.id_to = ql_annot_word_id(d, "to");
  c.id_more = ql_annot_word_id(d, "more"); c.id_less = ql_annot_word_id(d, "less");
  c.id_fewer = ql_annot_word_id(d, "fewer"); c.id_than = ql_annot_word_id(d, "than");
  c.id_up = ql_annot_word_id(d, "up"); c.id_one = ql_annot_word_id(d, "one"); c.id_in = ql_annot_word_id(d, "in");
  tf = ql_annot_block_tokens(d);
  for (b = 0; b < d->blocks.n; b++) {
    const ql_block *bl = &QL_VEC_AT(d->blocks, ql_block, b);
    uint32_t k, e = tf[b + 1], stars = UINT32_MAX, quotes = 0;
    if (bl->kind == QL_BLOCK_FOOTNOTE || bl->kind == QL_BLOCK_REFERENCE || bl->kind == QL_BLOCK_FIELD) continue;
    for (k = tf[b]; k < e; k++) {
      uint8_t kind = ql_tok_kind(c.d, k);
      if (kind == QL_TOK_NUMBER || (kind == QL_TOK_WORD && (is_dig((unsigned char)c.t[c.st[k]]) ||
                                                           ql_bloom_has(&c.numwords, c.form[k]))))
        k = figure(&c, k, tf[b], e);
      else if (kind == QL_TOK_PUNCT || kind == QL_TOK_SYMBOL) {
        unsigned char ch = (unsigned char)c.t[c.st[k]];
        if ((ch == '?' || ch == 0xC2 || ch == '*' || ch == '"') && ocr_marker(&c, k, bl->start, bl->stop, &stars, &quotes))
          push_marker(&c, k);
      }
    }
  }
  directions(&c);
  a->tmp[4].n = 0;
}
