/* recommend.c - units of text that ask an actor to act.
 *
 * Two kinds: list items (or bullet-less paragraphs) under a heading such as
 * Key points, Recommendations, Policy Pathways, Short-term actions or
 * Shifting the dial, when they are imperative ("Commission a review...") or
 * deontic; and sentences with deontic force anywhere (should, must, need
 * to, we recommend, call for, it is essential that).  Each gets the actors
 * it addresses (the subject before the cue, or for an imperative the
 * heading's actor), its action (the verb phrase after the cue), the horizon
 * of its enclosing heading and its section.  Near-duplicates within the
 * document are grouped by the overlap of their content words (exact
 * repeats first, then candidates sharing an uncommon word), and a group
 * lends its horizon to members whose own heading gives none: seed 004's
 * key points learn short- or long-term from their repetition in the body. */
#include "annot.h"

static const char *const verbs[] = {
  "accelerate", "accredit", "adopt", "address", "agree", "align", "allocate", "allow", "apply", "assess",
  "build", "change", "clarify", "commission", "commit", "complete", "consider", "consolidate", "continue",
  "create", "deliver", "deploy", "design", "develop", "devolve", "embed", "empower", "enable", "encourage",
  "engage", "ensure", "establish", "evaluate", "expand", "explore", "extend", "focus", "foster", "fund",
  "give", "grow", "guarantee", "harness", "help", "identify", "implement", "improve", "include",
  "incentivise", "incentivize", "increase", "integrate", "introduce", "invest", "involve", "launch", "lead",
  "legislate", "make", "mandate", "map", "maximise", "modernise", "monitor", "move", "offer", "pilot",
  "plan", "pool", "prioritise", "prioritize", "promote", "protect", "provide", "publish", "raise",
  "rebalance", "recognise", "recruit", "reduce", "reform", "reinstate", "remove", "replace", "require",
  "resource", "restore", "retain", "review", "reward", "roll", "scale", "secure", "set", "share", "shift",
  "simplify", "standardise", "strengthen", "streamline", "support", "tackle", "take", "target", "test",
  "train", "transfer", "transform", "update", "upgrade", "use", "widen", "work", "bring", "cut", "end",
  "stop", "start", "back", "keep", "put", "treat", "learn", "collaborate", "co-design", "co-produce",
  "encourage", "empower", "equip", "facilitate", "recognise", "redesign", "reduce", "regulate", "publish",
  NULL
};

/* words left out of a recommendation's key: function words and cues */
static const char *const key_stop[] = {
  "the", "a", "an", "and", "or", "of", "in", "on", "at", "to", "for", "with", "by", "from", "across",
  "between", "into", "within", "as", "is", "are", "was", "were", "be", "been", "being", "has", "have",
  "had", "will", "would", "can", "could", "should", "must", "may", "might", "need", "needs", "that",
  "which", "who", "this", "these", "those", "its", "their", "it", "they", "we", "our", "us", "not",
  "also", "more", "such", "so", "but", "if", "then", "there", "all", "each", "e.g", "eg", "i.e", "ie",
  "than", "other", "over", "under", "up", "via", "including", "example", "therefore", "further",
  "recommend", "recommends", "call", "calls", "ought", "s", NULL
};

/* adverbs skipped between the cue and the verb */
static const char *const adverbs[] = {
  "therefore", "also", "now", "instead", "still", "further", "actively", "urgently", "then", "thus",
  "ultimately", "both", "always", "clearly", "explicitly", "jointly", "collectively", "immediately", NULL
};

/* after a comma, these open a clause whose subject is not the sentence's */
static const char *const conjunctions[] = {
  "but", "yet", "while", "whereas", "which", "whose", "who", "although", "though", "so", "however", NULL
};

static const char *const prepositions[] = {
  "with", "for", "from", "to", "of", "between", "by", "across", "within", "on", "in", "at", "under",
  "among", "alongside", "beyond", "through", "towards", "toward", "via", "into", NULL
};

enum { C_VERB = 1, C_STOP = 2, C_ADVERB = 4, C_PREP = 8, C_CONJ = 16 };

typedef struct {
  ql_doc *d;
  const char *t;
  const uint32_t *st, *form;
  ql_hmap *cls;
  ql_bloom cues;       /* first words of deontic cues */
  ql_bloom stops;      /* words left out of keys */
  uint32_t mcur, scur; /* forward cursors over mentions and sentences */
  uint32_t id_should, id_must, id_ought, id_need, id_needs, id_to, id_recommend, id_recommends, id_we,
           id_that, id_call, id_calls, id_calling, id_for, id_on, id_essential, id_vital, id_crucial,
           id_imperative, id_critical, id_required, id_urge, id_urges, id_it, id_is, id_the, id_not, id_no;
} rctx;

static unsigned cls_of(const rctx *c, uint32_t k) {
  const uint32_t *v = ql_hmap_get(c->cls, c->form[k], NULL, NULL);
  return v ? *v : 0;
}

static int is_up(unsigned char ch) { return ch >= 'A' && ch <= 'Z'; }
static int is_lo(unsigned char ch) { return ch >= 'a' && ch <= 'z'; }

static void add_class(rctx *c, const char *const *list, unsigned bit) {
  int i;
  for (i = 0; list[i]; i++) {
    uint32_t id = ql_annot_word_id(c->d, list[i]), *v;
    if (id == UINT32_MAX) continue;
    if (bit == C_STOP) ql_bloom_add(&c->stops, id);
    v = ql_hmap_get(c->cls, id, NULL, NULL);
    if (v) *v |= bit;
    else ql_hmap_add(&c->d->mem, c->cls, id, bit);
  }
}

/* A deontic cue at token k (within [k, lim)): sets its last token. */
static int cue_at(const rctx *c, uint32_t k, uint32_t first, uint32_t lim, uint32_t *last) {
  uint32_t f = c->form[k], nx = k + 1 < lim ? c->form[k + 1] : UINT32_MAX;
  uint32_t pv = k > first ? c->form[k - 1] : UINT32_MAX;
  if (ql_tok_kind(c->d, k) != QL_TOK_WORD || !ql_bloom_has(&c->cues, f)) return 0;
  *last = k;
  if (f == c->id_should || f == c->id_must) return 1;
  if ((f == c->id_ought || f == c->id_need || f == c->id_needs || f == c->id_required) && nx == c->id_to) {
    if (f == c->id_need && pv == c->id_the) return 0; /* "the need to support": a noun */
    if ((f == c->id_need || f == c->id_needs) && (pv == c->id_not || pv == c->id_no)) return 0; /* "do not need to" */
    *last = k + 1;
    return 1;
  }
  if ((f == c->id_recommend || f == c->id_recommends) && (pv == c->id_we || nx == c->id_that || f == c->id_recommends)) {
    if (nx == c->id_that) *last = k + 1;
    return 1;
  }
  if ((f == c->id_call || f == c->id_calls || f == c->id_calling) && (nx == c->id_for || nx == c->id_on)) { *last = k + 1; return 1; }
  if ((f == c->id_urge || f == c->id_urges) && pv == c->id_we) return 1;
  if ((f == c->id_essential || f == c->id_vital || f == c->id_crucial || f == c->id_imperative || f == c->id_critical) &&
      pv == c->id_is && k >= first + 2 && c->form[k - 2] == c->id_it && (nx == c->id_that || nx == c->id_to)) {
    *last = k + 1;
    return 1;
  }
  return 0;
}

static int imperative_at(const rctx *c, uint32_t k) {
  const char *w = c->t + c->st[k];
  uint32_t n = ql_tok_stop(c->d, k) - c->st[k];
  if (ql_tok_kind(c->d, k) != QL_TOK_WORD || !is_up((unsigned char)w[0])) return 0;
  if (cls_of(c, k) & C_VERB) return 1;
  /* -ise/-ize verbs: Incentivise, Modernise */
  return n > 5 && (memcmp(w + n - 3, "ise", 3) == 0 || memcmp(w + n - 3, "ize", 3) == 0);
}

/* first word token of [k0, lim), skipping bullets and OCR'd bullet letters */
static uint32_t first_word(const rctx *c, uint32_t k0, uint32_t lim) {
  uint32_t k = k0;
  while (k < lim && ql_tok_kind(c->d, k) != QL_TOK_WORD) k++;
  /* a bullet OCR'd as a lone lower-case letter: "e Staffing: ..." */
  if (k + 1 < lim && ql_tok_stop(c->d, k) - c->st[k] == 1 && is_lo((unsigned char)c->t[c->st[k]]) &&
      ql_tok_kind(c->d, k + 1) == QL_TOK_WORD && is_up((unsigned char)c->t[c->st[k + 1]]))
    k++;
  return k;
}

/* ---- heading context ---- */
typedef struct { int rec; uint8_t horizon; int32_t hblock, hsection; } hctx;

/* One pass over a heading: is it a recommendations heading, and which
 * horizon does it name?  Phrases are matched by their first letter, then
 * compared, so a heading costs a switch per byte. */
static void title_flags(const char *s, size_t n, int *rec, uint8_t *horizon) {
  static const char *const recs[] = { "key point", "recommendation", "policy pathway", "actions", "shifting the dial",
                                      "next steps", "call to action", "calls to action", "what needs to happen",
                                      "our asks", "policy asks", "priorities for action", NULL };
  static const struct { const char *w; uint8_t h; } hz[] = {
    { "short-term", QL_HZ_SHORT }, { "short term", QL_HZ_SHORT }, { "immediate", QL_HZ_SHORT },
    { "quick win", QL_HZ_SHORT }, { "medium-term", QL_HZ_MEDIUM }, { "medium term", QL_HZ_MEDIUM },
    { "long-term", QL_HZ_LONG }, { "long term", QL_HZ_LONG }, { NULL, 0 }
  };
  size_t i;
  int k;
  *rec = 0; *horizon = QL_HZ_UNSPECIFIED;
  if (n > 120) return;
  for (i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch >= 'A' && ch <= 'Z') ch = (unsigned char)(ch + 32);
    switch (ch) {
    case 'k': case 'p': case 'r': case 'a': case 's': case 'n': case 'c': case 'w': case 'o': case 'm':
    case 'l': case 'i': case 'q': break;
    default: continue;
    }
    if (i > 0 && ((s[i - 1] | 32) >= 'a' && (s[i - 1] | 32) <= 'z')) continue; /* phrases start words */
    for (k = 0; !*rec && recs[k]; k++)
      if ((unsigned char)recs[k][0] == ch && ql_iprefix(s + i, n - i, recs[k])) *rec = 1;
    for (k = 0; !*horizon && hz[k].w; k++)
      if ((unsigned char)hz[k].w[0] == ch && ql_iprefix(s + i, n - i, hz[k].w)) *horizon = hz[k].h;
  }
}

/* Title flags of sections, cached: in RIS every abstract label is a section
 * under the record title, and each would scan that title again. */
typedef struct { int32_t sec[64]; uint8_t rec[64], hz[64]; } title_cache;

static void section_flags(const ql_doc *d, int32_t sec, title_cache *tc, int *rec, uint8_t *hz) {
  unsigned slot = (unsigned)sec & 63u;
  if (tc->sec[slot] != sec) {
    const ql_section *s = &QL_VEC_AT(d->sections, ql_section, sec);
    int r;
    uint8_t h;
    title_flags(ql_doc_str(d, s->title), s->title.len, &r, &h);
    tc->sec[slot] = sec; tc->rec[slot] = (uint8_t)r; tc->hz[slot] = h;
  }
  *rec = tc->rec[slot]; *hz = tc->hz[slot];
}

static void section_context(const ql_doc *d, int32_t sec, title_cache *tc, hctx *h) {
  int depth = 0;
  h->rec = 0; h->horizon = QL_HZ_UNSPECIFIED; h->hblock = -1; h->hsection = -1;
  while (sec >= 0 && depth++ < QL_MAX_LEVELS + 1) {
    int rec;
    uint8_t hz;
    section_flags(d, sec, tc, &rec, &hz);
    if (!h->horizon) h->horizon = hz;
    if (!h->rec && rec) { h->rec = 1; h->hsection = sec; }
    if (h->hsection < 0 && h->horizon) h->hsection = sec;
    sec = QL_VEC_AT(d->sections, ql_section, sec).parent;
  }
}

/* a short paragraph that reads as a heading (for text with no heading blocks) */
static int heading_like(const ql_doc *d, uint32_t b) {
  const char *t = (const char *)d->text.p;
  const ql_block *bl = &QL_VEC_AT(d->blocks, ql_block, b);
  uint32_t n = bl->stop - bl->start, i, words = 1;
  char last;
  if (bl->kind != QL_BLOCK_PARAGRAPH || n == 0 || n > 80 || !is_up((unsigned char)t[bl->start])) return 0;
  last = t[bl->stop - 1];
  if (last == '.' || last == ',' || last == ';' || last == ':' || last == '?') return 0;
  for (i = bl->start; i < bl->stop; i++) if (t[i] == ' ') words++;
  if (words > 10) return 0;
  if (b + 1 < d->blocks.n) {
    const ql_block *nx = &QL_VEC_AT(d->blocks, ql_block, b + 1);
    if (is_lo((unsigned char)t[nx->start])) return 0; /* a paragraph cut in two, not a heading */
  }
  return 1;
}

/* ---- units ---- */
static int32_t first_mention_at(const ql_doc *d, uint32_t pos) {
  const ql_actor_mention *m = (const ql_actor_mention *)d->annot->mentions.p;
  uint32_t lo = 0, hi = d->annot->mentions.n;
  while (lo < hi) { uint32_t mid = lo + (hi - lo) / 2; if (m[mid].start < pos) lo = mid + 1; else hi = mid; }
  return (int32_t)lo;
}

static void add_actor_once(ql_doc *d, ql_recommendation *r, int32_t actor) {
  struct ql_annot *a = d->annot;
  uint32_t i;
  for (i = 0; i < r->nactors; i++) if (QL_VEC_AT(a->rec_actors, int32_t, r->first_actor + i) == actor) return;
  QL_VEC_PUSH(&d->mem, &a->rec_actors, int32_t, actor);
  r->nactors++;
}

/* First mention starting at or after pos, from a cursor that only moves
 * forward: recommendations come in text order. */
static uint32_t mention_from(rctx *c, uint32_t pos) {
  const ql_actor_mention *m = (const ql_actor_mention *)c->d->annot->mentions.p;
  uint32_t nm = c->d->annot->mentions.n;
  if (c->mcur > 0 && c->mcur <= nm && m[c->mcur - 1].start >= pos) c->mcur = (uint32_t)first_mention_at(c->d, pos);
  while (c->mcur < nm && m[c->mcur].start < pos) c->mcur++;
  return c->mcur;
}

/* Start of the sentence holding pos (forward cursor), or `fallback`. */
static uint32_t sentence_start(rctx *c, uint32_t pos, uint32_t fallback) {
  const ql_span *s = (const ql_span *)c->d->sentences.p;
  uint32_t ns = c->d->sentences.n;
  if (c->scur < ns && s[c->scur].start > pos) c->scur = 0;
  while (c->scur < ns && s[c->scur].stop <= pos) c->scur++;
  return c->scur < ns && s[c->scur].start <= pos ? s[c->scur].start : fallback;
}

/* The actors a recommendation addresses: the subject before its cue (not
 * inside a prepositional phrase), the actors named right after "we
 * recommend"/"call on", or for an imperative the heading's actor.  k0 is
 * the unit's first token, kc the cue's (UINT32_MAX for an imperative). */
static void address(rctx *c, ql_recommendation *r, uint32_t k0, uint32_t kc) {
  ql_doc *d = c->d;
  const ql_actor_mention *m = (const ql_actor_mention *)d->annot->mentions.p;
  uint32_t nm = d->annot->mentions.n, i;
  r->first_actor = d->annot->rec_actors.n; r->nactors = 0;
  if (kc != UINT32_MAX) {
    uint32_t ss = sentence_start(c, r->cue_start, r->start), k;
    int after = c->form[kc] == c->id_recommend || c->form[kc] == c->id_recommends || c->form[kc] == c->id_call ||
                c->form[kc] == c->id_calls || c->form[kc] == c->id_calling || c->form[kc] == c->id_urge ||
                c->form[kc] == c->id_urges;
    if (ss < r->start) ss = r->start;
    /* the clause of the cue: after ", but", ", which", ", whose"... or a ; : or spaced dash */
    for (k = kc; k > k0 && c->st[k - 1] >= ss; k--) {
      unsigned char ch = (unsigned char)c->t[c->st[k - 1]];
      if (ql_tok_kind(c->d, k - 1) == QL_TOK_PUNCT && (ch == ';' || ch == ':' || (ch == 0xE2 && c->st[k - 1] > 0 && c->t[c->st[k - 1] - 1] == ' '))) {
        ss = ql_tok_stop(c->d, k - 1); break;
      }
      if (ql_tok_kind(c->d, k - 1) == QL_TOK_WORD && (cls_of(c, k - 1) & C_CONJ) && k >= 2 && ql_tok_kind(c->d, k - 2) == QL_TOK_PUNCT &&
          c->t[c->st[k - 2]] == ',') {
        ss = ql_tok_stop(c->d, k - 1); break;
      }
    }
    if (after) {
      uint32_t lim = kc + 10 < d->tok_start.n ? c->st[kc + 10] : r->stop;
      for (i = mention_from(c, r->cue_stop); i < nm && m[i].start < lim && m[i].start < r->stop; i++)
        add_actor_once(d, r, m[i].actor);
      if (r->nactors) return;
    }
    k = k0;
    for (i = mention_from(c, ss); i < nm && m[i].stop <= r->cue_start; i++) {
      uint32_t j, prep = 0;
      while (k < kc && c->st[k] < m[i].start) k++; /* the mention's first token */
      for (j = k; j > k0 && j + 2 > k && c->st[j - 1] >= ss; j--)
        if (ql_tok_kind(c->d, j - 1) == QL_TOK_WORD && (cls_of(c, j - 1) & C_PREP)) { prep = 1; break; }
      if (!prep) add_actor_once(d, r, m[i].actor);
    }
    return;
  }
  if (r->heading_block >= 0) {
    const ql_block *h = &QL_VEC_AT(d->blocks, ql_block, r->heading_block);
    for (i = (uint32_t)first_mention_at(d, h->start); i < nm && m[i].stop <= h->stop; i++) add_actor_once(d, r, m[i].actor);
  }
}

/* The verb phrase: from the verb after the cue (or the imperative) to the
 * end of the clause. */
static void action(const rctx *c, ql_recommendation *r, uint32_t k, uint32_t lim) {
  const char *t = c->t;
  uint32_t e, n = 0;
  while (k < lim && (ql_tok_kind(c->d, k) != QL_TOK_WORD || (cls_of(c, k) & C_ADVERB))) k++;
  if (k >= lim) { r->action_start = r->action_stop = 0; return; }
  r->action_start = c->st[k];
  for (e = k; e < lim && n < 40; e++, n++) {
    uint32_t s = c->st[e];
    unsigned char ch = (unsigned char)t[s];
    if (ql_tok_kind(c->d, e) == QL_TOK_PUNCT) {
      if (ch == '.' || ch == ';' || ch == ':' || ch == '?' || ch == '!') break;
      if (ch == 0xE2 && s > 0 && t[s - 1] == ' ') break; /* a spaced dash */
      if (ch == ',' && e + 1 < lim) {
        static const char *const conj[] = { "which", "while", "whereas", "but", "because", "so", "as", "where",
                                            "although", "though", "thereby", NULL };
        int j;
        for (j = 0; conj[j]; j++)
          if (ql_ieq(t + c->st[e + 1], ql_tok_stop(c->d, e + 1) - c->st[e + 1], conj[j])) break;
        if (conj[j]) break;
      }
    }
  }
  r->action_stop = ql_tok_stop(c->d, e > k ? e - 1 : k);
}

/* Content words of the unit, as sorted vocabulary ids. */
static void key_of(const rctx *c, ql_recommendation *r, uint32_t k0, uint32_t k1) {
  ql_doc *d = c->d;
  struct ql_annot *a = d->annot;
  uint32_t k, *ids, i, n = 0;
  r->first_key = a->rec_keys.n;
  ql_vec_reserve(&d->mem, &a->rec_keys, sizeof(uint32_t), (size_t)a->rec_keys.n + 128);
  ids = (uint32_t *)a->rec_keys.p + r->first_key;
  for (k = k0; k < k1 && n < 128; k++) {
    uint32_t id = c->form[k];
    if (ql_tok_kind(c->d, k) != QL_TOK_WORD || (ql_bloom_has(&c->stops, id) && (cls_of(c, k) & C_STOP))) continue;
    ids[n++] = id;
  }
  { /* at most 128 ids: Shell sort */
    static const uint32_t gaps[] = { 57, 23, 10, 4, 1 };
    int g;
    for (g = 0; g < 5; g++) {
      uint32_t gap = gaps[g];
      for (i = gap; i < n; i++) {
        uint32_t v = ids[i], j = i;
        while (j >= gap && ids[j - gap] > v) { ids[j] = ids[j - gap]; j -= gap; }
        ids[j] = v;
      }
    }
  }
  for (i = 0, k = 0; i < n; i++) if (k == 0 || ids[k - 1] != ids[i]) ids[k++] = ids[i];
  r->nkey = k;
  a->rec_keys.n = r->first_key + k;
}

static void add_unit(rctx *c, uint32_t b, uint32_t s, uint32_t e, uint32_t k0, uint32_t k1, const hctx *h,
                     int origin, uint32_t cue_k, uint32_t cue_last, int has_cue) {
  ql_doc *d = c->d;
  const ql_block *bl = &QL_VEC_AT(d->blocks, ql_block, b);
  ql_recommendation r;
  memset(&r, 0, sizeof r);
  r.start = s; r.stop = e; r.block = (int32_t)b; r.section = bl->section; r.group = -1;
  r.heading_block = origin == QL_REC_LIST ? h->hblock : -1;
  r.heading_section = origin == QL_REC_LIST ? h->hsection : -1;
  r.horizon = h->horizon; r.horizon_src = h->horizon ? QL_HZS_HEADING : QL_HZS_NONE;
  r.origin = (uint8_t)origin;
  if (has_cue) {
    r.cue_start = c->st[cue_k]; r.cue_stop = ql_tok_stop(c->d, cue_last);
    action(c, &r, cue_last + 1, k1);
  } else action(c, &r, first_word(c, k0, k1), k1);
  address(c, &r, k0, has_cue ? cue_k : UINT32_MAX);
  key_of(c, &r, k0, k1);
  QL_VEC_PUSH(&d->mem, &d->annot->recs, ql_recommendation, r);
}

/* ---- near-duplicate groups ---- */
static uint32_t find_root(uint32_t *p, uint32_t x) {
  while (p[x] != x) { p[x] = p[p[x]]; x = p[x]; }
  return x;
}

static void unite(uint32_t *p, uint32_t x, uint32_t y) {
  x = find_root(p, x); y = find_root(p, y);
  if (x == y) return;
  if (x < y) p[y] = x; else p[x] = y;
}

/* Whether word a (in fa units) comes before word b (in fb) when picking a
 * unit's rarest words: fewer units first, then by form, never by id, so
 * the groups do not depend on the vocabulary the document shares. */
static int rarer(const ql_vocab *v, uint32_t a, uint32_t fa, uint32_t b, uint32_t fb) {
  size_t la, lb;
  const char *sa, *sb;
  int c;
  if (fa != fb) return fa < fb;
  if (a == b) return 0;
  sa = ql_vocab_form(v, a, &la);
  sb = ql_vocab_form(v, b, &lb);
  c = memcmp(sa, sb, la < lb ? la : lb);
  return c ? c < 0 : la < lb;
}

static double jaccard(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb) {
  uint32_t i = 0, j = 0, inter = 0;
  if (!na || !nb) return 0;
  while (i < na && j < nb) {
    if (a[i] == b[j]) { inter++; i++; j++; }
    else if (a[i] < b[j]) i++;
    else j++;
  }
  return (double)inter / (double)(na + nb - inter);
}

typedef struct { const uint32_t *keys; const ql_recommendation *recs; const uint32_t *k; uint32_t n; } set_eq_ctx;

static int same_set(const void *ctx, uint32_t v) {
  const set_eq_ctx *c = (const set_eq_ctx *)ctx;
  const ql_recommendation *r = &c->recs[v];
  return r->nkey == c->n && memcmp(c->keys + r->first_key, c->k, c->n * sizeof(uint32_t)) == 0;
}

#define GROUP_JACCARD 0.5
#define BLOCK_KEYS 4
#define BUCKET_SCAN 16

typedef struct { uint32_t rec; int32_t next; } bucket_ent;

static void group(ql_doc *d) {
  struct ql_annot *a = d->annot;
  uint32_t n = a->recs.n, i, j, *parent, *reps, nreps = 0;
  ql_recommendation *r = (ql_recommendation *)a->recs.p;
  const uint32_t *keys;
  ql_hmap *exact = &a->map[0], *freq = &a->map[2];
  ql_vec *bents = &a->tmp[3];
  a->groups.n = 0;
  if (!n) return;
  ql_vec_reserve(&d->mem, &a->tmp[0], 4, n);
  ql_vec_reserve(&d->mem, &a->tmp[1], 4, n);
  parent = (uint32_t *)a->tmp[0].p;
  reps = (uint32_t *)a->tmp[1].p;
  for (i = 0; i < n; i++) parent[i] = i;
  /* exact repeats */
  ql_hmap_reset(&d->mem, exact, n);
  keys = (const uint32_t *)a->rec_keys.p;
  for (i = 0; i < n; i++) {
    set_eq_ctx sc;
    uint32_t *hit;
    uint64_t h;
    sc.keys = keys; sc.recs = r; sc.k = keys + r[i].first_key; sc.n = r[i].nkey;
    if (!sc.n) continue;
    h = ql_hash_bytes((const char *)sc.k, sc.n * sizeof(uint32_t));
    hit = ql_hmap_get(exact, h, same_set, &sc);
    if (hit) unite(parent, *hit, i);
    else { ql_hmap_add(&d->mem, exact, h, i); reps[nreps++] = i; }
  }
  /* how common each word is among the distinct units */
  ql_hmap_reset(&d->mem, freq, 256);
  for (i = 0; i < nreps; i++) {
    const ql_recommendation *x = &r[reps[i]];
    for (j = 0; j < x->nkey; j++) {
      uint32_t *v = ql_hmap_get(freq, keys[x->first_key + j], NULL, NULL);
      if (v) (*v)++;
      else ql_hmap_add(&d->mem, freq, keys[x->first_key + j], 1);
    }
  }
  /* candidates share one of the BLOCK_KEYS least common words that occur
   * in more than one unit; each bucket is scanned for its last few units */
  {
    ql_hmap *buckets = &a->map[1];
    ql_hmap_reset(&d->mem, buckets, 256);
    bents->n = 0;
    for (i = 0; i < nreps; i++) {
      const ql_recommendation *x = &r[reps[i]];
      uint32_t pick[BLOCK_KEYS], pf[BLOCK_KEYS], np = 0, q;
      for (j = 0; j < x->nkey; j++) {
        uint32_t id = keys[x->first_key + j], f = *ql_hmap_get(freq, id, NULL, NULL), m;
        if (f < 2) continue;
        if (np < BLOCK_KEYS) { pick[np] = id; pf[np] = f; np++; continue; }
        for (m = 0, q = 1; q < np; q++) if (rarer(d->vocab, pick[m], pf[m], pick[q], pf[q])) m = q;
        if (rarer(d->vocab, id, f, pick[m], pf[m])) { pick[m] = id; pf[m] = f; }
      }
      for (q = 0; q < np; q++) {
        uint32_t *head = ql_hmap_get(buckets, pick[q], NULL, NULL);
        int32_t e = head ? (int32_t)*head : -1;
        int scanned = 0;
        bucket_ent be;
        for (; e >= 0 && scanned < BUCKET_SCAN; e = ((bucket_ent *)bents->p)[e].next, scanned++) {
          uint32_t o = ((bucket_ent *)bents->p)[e].rec;
          if (find_root(parent, o) == find_root(parent, reps[i])) continue;
          if (jaccard(keys + r[o].first_key, r[o].nkey, keys + x->first_key, x->nkey) >= GROUP_JACCARD)
            unite(parent, o, reps[i]);
        }
        be.rec = reps[i]; be.next = head ? (int32_t)*head : -1;
        ql_vec_reserve(&d->mem, bents, sizeof be, (size_t)bents->n + 1);
        ((bucket_ent *)bents->p)[bents->n++] = be;
        if (head) *ql_hmap_get(buckets, pick[q], NULL, NULL) = bents->n - 1;
        else ql_hmap_add(&d->mem, buckets, pick[q], bents->n - 1);
      }
    }
    bents->n = 0;
  }
  /* group ids in order of first member; the group's horizon is what its
   * members' headings agree on */
  for (i = 0; i < n; i++) {
    uint32_t root = find_root(parent, i);
    if (root == i) {
      ql_rec_group g;
      g.first = (int32_t)i; g.size = 0; g.horizon = QL_HZ_UNSPECIFIED;
      r[i].group = (int32_t)a->groups.n;
      QL_VEC_PUSH(&d->mem, &a->groups, ql_rec_group, g);
      r = (ql_recommendation *)a->recs.p;
    } else r[i].group = r[root].group;
    QL_VEC_AT(a->groups, ql_rec_group, r[i].group).size++;
  }
  {
    /* votes per group and horizon, in tmp[0] (parents are no longer needed) */
    uint32_t ng = a->groups.n, *votes;
    ql_vec_reserve(&d->mem, &a->tmp[0], 4, (size_t)ng * 4);
    votes = (uint32_t *)a->tmp[0].p;
    memset(votes, 0, (size_t)ng * 4 * sizeof *votes);
    for (i = 0; i < n; i++)
      if (r[i].horizon_src == QL_HZS_HEADING && r[i].horizon >= QL_HZ_SHORT && r[i].horizon <= QL_HZ_LONG)
        votes[(uint32_t)r[i].group * 4 + r[i].horizon]++;
    for (i = 0; i < ng; i++) {
      uint32_t *v = votes + i * 4, best = 0, h, tie = 0;
      for (h = QL_HZ_SHORT; h <= QL_HZ_LONG; h++) {
        if (v[h] > v[best]) { best = h; tie = 0; }
        else if (v[h] && v[h] == v[best]) tie = 1;
      }
      QL_VEC_AT(a->groups, ql_rec_group, i).horizon = (uint8_t)(best == 0 ? QL_HZ_UNSPECIFIED : tie ? QL_HZ_MIXED : best);
    }
    for (i = 0; i < n; i++) {
      uint8_t gh = QL_VEC_AT(a->groups, ql_rec_group, r[i].group).horizon;
      if (r[i].horizon == QL_HZ_UNSPECIFIED && gh != QL_HZ_UNSPECIFIED && gh != QL_HZ_MIXED) {
        r[i].horizon = gh; r[i].horizon_src = QL_HZS_GROUP;
      }
    }
  }
  a->tmp[0].n = a->tmp[1].n = 0;
}

static void setup(rctx *c, ql_doc *d) {
  c->d = d; c->t = (const char *)d->text.p;
  c->mcur = c->scur = 0;
  c->st = (const uint32_t *)d->tok_start.p;
  c->form = (const uint32_t *)d->tok_form.p;
  c->cls = &d->annot->map[1];
  ql_hmap_reset(&d->mem, c->cls, 256);
  memset(&c->stops, 0, sizeof c->stops);
  add_class(c, verbs, C_VERB);
  add_class(c, key_stop, C_STOP);
  add_class(c, adverbs, C_ADVERB);
  add_class(c, prepositions, C_PREP);
  add_class(c, conjunctions, C_CONJ);
#define ID(x) c->id_##x = ql_annot_word_id(d, #x)
  ID(should); ID(must); ID(ought); ID(need); ID(needs); ID(to); ID(recommend); ID(recommends); ID(we);
  ID(that); ID(call); ID(calls); ID(calling); ID(for); ID(on); ID(essential); ID(vital); ID(crucial);
  ID(imperative); ID(critical); ID(required); ID(urge); ID(urges); ID(it); ID(is); ID(the); ID(not); ID(no);
#undef ID
  memset(&c->cues, 0, sizeof c->cues);
  {
    const uint32_t ids[] = { c->id_should, c->id_must, c->id_ought, c->id_need, c->id_needs, c->id_required,
                             c->id_recommend, c->id_recommends, c->id_call, c->id_calls, c->id_calling, c->id_urge,
                             c->id_urges, c->id_essential, c->id_vital, c->id_crucial, c->id_imperative, c->id_critical };
    size_t i;
    for (i = 0; i < sizeof ids / sizeof ids[0]; i++) if (ids[i] != UINT32_MAX) ql_bloom_add(&c->cues, ids[i]);
  }
}

void ql_recommendation_actors(ql_doc *d) {
  struct ql_annot *a = d->annot;
  rctx c;
  uint32_t i;
  a->rec_actors.n = 0;
  if (!a->recs.n) return;
  setup(&c, d);
  for (i = 0; i < a->recs.n; i++) {
    ql_recommendation *r = &QL_VEC_AT(a->recs, ql_recommendation, i);
    uint32_t k0 = ql_annot_token_at(d, r->start);
    address(&c, r, k0, r->cue_stop > r->cue_start ? ql_annot_token_at(d, r->cue_start) : UINT32_MAX);
  }
}

void ql_find_recommendations(ql_doc *d) {
  struct ql_annot *a = d->annot;
  rctx c;
  uint32_t b, si = 0, ns = d->sentences.n;
  const uint32_t *tf;
  hctx fallback;
  int has_headings = 0, has_sections = d->sections.n > 0;
  int32_t cached_sec = -2;
  hctx sec_ctx;
  title_cache tcache;
  a->recs.n = a->rec_actors.n = a->rec_keys.n = a->groups.n = 0;
  if (d->tok_start.n == 0) return;
  setup(&c, d);
  tf = ql_annot_block_tokens(d);
  for (b = 0; b < d->blocks.n; b++)
    if (QL_VEC_AT(d->blocks, ql_block, b).kind == QL_BLOCK_HEADING) { has_headings = 1; break; }
  memset(&fallback, 0, sizeof fallback);
  fallback.hblock = fallback.hsection = -1;
  memset(&sec_ctx, 0, sizeof sec_ctx);
  memset(tcache.sec, 0xFF, sizeof tcache.sec); /* -1: no section cached */
  for (b = 0; b < d->blocks.n; b++) {
    const ql_block *bl = &QL_VEC_AT(d->blocks, ql_block, b);
    uint32_t k0 = tf[b], k1 = tf[b + 1], k, last = 0;
    const hctx *h = &fallback;
    if (bl->kind == QL_BLOCK_HEADING || (!has_headings && heading_like(d, b))) {
      /* headings set the context of what follows (when sections do not) */
      int rec;
      uint8_t hz;
      title_flags(c.t + bl->start, bl->stop - bl->start, &rec, &hz);
      if (rec || hz) {
        fallback.rec = rec; fallback.horizon = hz; fallback.hblock = (int32_t)b; fallback.hsection = -1;
      } else if (!has_sections || bl->kind == QL_BLOCK_HEADING) {
        fallback.rec = 0; fallback.horizon = QL_HZ_UNSPECIFIED; fallback.hblock = (int32_t)b;
      }
      while (si < ns && QL_VEC_AT(d->sentences, ql_span, si).start < bl->stop) si++;
      continue;
    }
    if (bl->section >= 0) {
      if (bl->section != cached_sec) { section_context(d, bl->section, &tcache, &sec_ctx); cached_sec = bl->section; }
      if (sec_ctx.rec || sec_ctx.horizon) {
        h = &sec_ctx;
        /* the heading block of that section, for its actors */
        if (sec_ctx.hsection >= 0 && sec_ctx.hblock < 0) {
          int32_t hb = ql_doc_block_at(d, QL_VEC_AT(d->sections, ql_section, sec_ctx.hsection).start);
          if (hb >= 0 && QL_VEC_AT(d->blocks, ql_block, hb).kind == QL_BLOCK_HEADING) sec_ctx.hblock = hb;
        }
      }
    }
    while (si < ns && QL_VEC_AT(d->sentences, ql_span, si).stop <= bl->start) si++;
    if ((bl->kind != QL_BLOCK_PARAGRAPH && bl->kind != QL_BLOCK_LIST_ITEM) || k0 >= k1) {
      while (si < ns && QL_VEC_AT(d->sentences, ql_span, si).start < bl->stop) si++;
      continue;
    }
    if (h->rec) {
      uint32_t fw = first_word(&c, k0, k1);
      int imp = fw < k1 && imperative_at(&c, fw);
      int item = bl->kind == QL_BLOCK_LIST_ITEM || (imp && bl->stop - bl->start < 800);
      if (item) {
        int has_cue = 0;
        uint32_t ck = 0;
        for (k = k0; k < k1 && !imp; k++)
          if (cue_at(&c, k, k0, k1, &last)) { has_cue = 1; ck = k; break; }
        if (imp || has_cue) {
          add_unit(&c, b, bl->start, bl->stop, k0, k1, h, QL_REC_LIST, ck, last, has_cue && !imp);
          while (si < ns && QL_VEC_AT(d->sentences, ql_span, si).start < bl->stop) si++;
          continue;
        }
      }
    }
    /* deontic sentences: one walk over the block's tokens, sentence by sentence */
    k = k0;
    for (; si < ns && QL_VEC_AT(d->sentences, ql_span, si).start < bl->stop; si++) {
      const ql_span *sen = &QL_VEC_AT(d->sentences, ql_span, si);
      uint32_t s0 = sen->start, s1 = sen->stop, ks, cue = UINT32_MAX, cue_last = 0;
      while (k < k1 && c.st[k] < s0) k++;
      ks = k;
      for (; k < k1 && c.st[k] < s1; k++)
        if (cue == UINT32_MAX && ql_tok_kind(c.d, k) == QL_TOK_WORD && ql_bloom_has(&c.cues, c.form[k]) &&
            cue_at(&c, k, ks, k1, &last)) {
          cue = k; cue_last = last;
        }
      if (cue != UINT32_MAX && !(s1 > s0 && c.t[s1 - 1] == '?')) {
        hctx hs = *h;
        hs.rec = 0;
        add_unit(&c, b, s0, s1, ks, k, &hs, QL_REC_SENTENCE, cue, cue_last, 1);
      }
    }
  }
  group(d);
}
