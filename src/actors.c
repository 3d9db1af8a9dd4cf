/* actors.c - mentions of the organisations and roles that act in policy.
 *
 * Names come from a built-in gazetteer of UK health-system actors, from the
 * document's own acronym definitions whose long form names an organisation
 * or role ("Health Service Executive (HSE)"), and from names a script adds.
 * Each name is compiled per document into a sequence of vocabulary ids (a
 * name whose words the document never uses cannot occur and costs one
 * lookup); the tokens are then walked once, trying the sequences that start
 * with each token's id and keeping the longest.  All-capital names (NICE,
 * CHP) must match their case. */
#include "annot.h"

typedef struct { const char *canonical; const char *names; } gz_entry;

/* canonical name, then the names it is written as ('|'-separated); plurals
 * of the last word are added.  An empty canonical name marks things named
 * after an actor that are not actors ("NHS App"), so they hide the shorter
 * name inside them. */
static const gz_entry gazetteer[] = {
  { "DHSC", "DHSC|Department of Health and Social Care|Department of Health & Social Care|"
            "Department for Health and Social Care|Department for Health & Social Care|Department of Health" },
  { "NHS England", "NHS England|NHSE|NHSEI|NHS England and NHS Improvement|NHS Improvement" },
  { "NHS", "NHS|National Health Service" },
  { "ICBs", "ICB|integrated care board" },
  { "ICSs", "ICS|integrated care system" },
  { "ICPs", "ICP|integrated care partnership" },
  { "PCNs", "PCN|primary care network" },
  { "CCGs", "CCG|clinical commissioning group" },
  { "CQC", "CQC|Care Quality Commission" },
  { "NICE", "NICE|National Institute for Health and Care Excellence|National Institute for Health & Care Excellence|"
            "National Institute for Health and Clinical Excellence" },
  { "MHRA", "MHRA|Medicines and Healthcare products Regulatory Agency" },
  { "UKHSA", "UKHSA|UK Health Security Agency" },
  { "NIHR", "NIHR|National Institute for Health and Care Research|National Institute for Health Research" },
  { "NHS Digital", "NHS Digital" },
  { "NHS Digital Academy", "NHS Digital Academy" },
  { "NHS Confederation", "NHS Confederation|NHS Confed" },
  { "NHS Providers", "NHS Providers" },
  { "NHS Property Services", "NHS Property Services|NHSPS" },
  { "NHS Resolution", "NHS Resolution" },
  { "NHSBSA", "NHSBSA|NHS Business Services Authority" },
  { "Health Education England", "HEE|Health Education England" },
  { "Community Health Partnerships", "CHP|Community Health Partnerships" },
  { "Healthwatch", "Healthwatch|Healthwatch England|local Healthwatch" },
  { "HM Treasury", "HM Treasury|Treasury" },
  { "Government", "government|HM Government|UK government|central government|ministers" },
  { "Welsh Government", "Welsh Government" },
  { "Scottish Government", "Scottish Government" },
  { "Parliament", "Parliament" },
  { "Local authorities", "local authority|local government|local councils" },
  { "Local Government Association", "LGA|Local Government Association" },
  { "Policymakers", "policymakers|policymaker|policy makers|policy-makers|policy setters|decision-makers|decision makers" },
  { "System leaders", "system leaders" },
  { "Leaders", "leaders|local leaders|primary care leaders|national leaders" },
  { "National bodies", "national bodies|national teams" },
  { "Local systems", "local systems" },
  { "Universities and training providers", "universities|university|training providers|educational institutions|"
            "higher education institutions|medical schools" },
  { "VCSE organisations", "VCSE|VCS|VSCE|voluntary sector|voluntary and community sector|community and voluntary sector|"
            "voluntary organisations|voluntary, community and social enterprise|voluntary, community, and social enterprise|"
            "charities|third sector" },
  { "RCGP", "RCGP|Royal College of General Practitioners" },
  { "BMA", "BMA|British Medical Association" },
  { "GMC", "GMC|General Medical Council" },
  { "NMC", "NMC|Nursing and Midwifery Council" },
  { "GPhC", "GPhC|General Pharmaceutical Council" },
  { "King's Fund", "King's Fund" },
  { "Nuffield Trust", "Nuffield Trust" },
  { "Health Foundation", "Health Foundation" },
  { "Office for Life Sciences", "OLS|Office for Life Sciences" },
  { "Commissioners", "commissioners" },
  { "Providers", "providers|primary care providers|provider organisations" },
  { "Provider collaboratives", "provider collaboratives|primary care provider collaboratives|primary care collaboratives" },
  { "Integrated neighbourhood teams", "integrated neighbourhood teams|neighbourhood teams" },
  { "GPs", "GP|general practitioner" },
  { "General practice", "general practice|GP practices|GP practice" },
  { "Community pharmacy", "community pharmacy|community pharmacies" },
  { "Pharmacists", "pharmacists|pharmacist" },
  { "Clinicians", "clinicians" },
  { "NHS trusts", "NHS trusts|hospital trusts" },
  { "", "NHS App|NHS 111|NHS Act|NHS Pension Scheme|NHS Pensions Scheme|NHS Long Term Plan|NHS Long-term Plan|"
        "NHS Long Term Workforce Plan|NHS Oversight Framework|NHS Federated Data Platform|NHS Clinical Fellowship|"
        "NHS Local Improvement Finance Trust|government funding|government policy" },
};
#define NGAZ (sizeof gazetteer / sizeof gazetteer[0])

/* Head nouns that make a defined long form an actor. */
static const char *const org_heads[] = {
  "board", "agency", "commission", "committee", "council", "department", "ministry", "office", "authority",
  "trust", "executive", "network", "partnership", "group", "confederation", "association", "college",
  "institute", "institution", "foundation", "team", "organisation", "organization", "body", "provider",
  "collaborative", "alliance", "federation", "company", "officer", "practitioner", "leader", "director",
  "commissioner", "regulator", "inspectorate", "society", "union", "forum", "assistant", "treasury", NULL
};

typedef struct {
  uint32_t ids;        /* offset into the id array */
  int32_t entry;       /* into the entry table */
  int32_t next;        /* next sequence with the same first id */
  uint32_t cs_start;   /* case-sensitive text: entry names or document text */
  const char *cs_name; /* NULL: not case-sensitive, or the bytes are in the text at cs_start */
  uint16_t cs_len;
  uint8_t len, cs;
} gz_seq;

typedef struct {
  const char *name;    /* a built-in canonical name, or NULL */
  ql_str pooled;       /* a script's canonical name, copied into the pool */
  uint32_t text_start, text_len; /* or a document's long form */
  int32_t actor;       /* -1 until first mentioned */
  uint8_t origin;
} gz_ent;

typedef struct {
  ql_doc *d;
  ql_vec *seqs, *ids, *ents;
  ql_hmap *first;
  ql_bloom bloom;      /* first ids of all sequences */
} gz;

static int is_up(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_lo(unsigned char c) { return c >= 'a' && c <= 'z'; }

/* Names of one word are found by their id, longer ones by their first two
 * ids, so a frequent first word ("NHS ...") leads to few candidates. */
static uint64_t pair_key(uint32_t a, uint32_t b) {
  return (((uint64_t)a << 32) | b) ^ 0x8000000000000000ULL;
}

static void add_seq(gz *g, const uint32_t *ids, uint32_t n, int32_t entry, int cs, const char *cs_name,
                    uint32_t cs_start, uint32_t cs_len) {
  gz_seq s;
  uint32_t *head, i;
  uint64_t key;
  if (n == 0 || n > 255) return;
  s.ids = g->ids->n; s.len = (uint8_t)n; s.entry = entry; s.next = -1;
  s.cs = (uint8_t)cs; s.cs_name = cs_name; s.cs_start = cs_start; s.cs_len = (uint16_t)(cs_len > 65535 ? 65535 : cs_len);
  for (i = 0; i < n; i++) QL_VEC_PUSH(&g->d->mem, g->ids, uint32_t, ids[i]);
  ql_bloom_add(&g->bloom, ids[0]);
  key = n == 1 ? ids[0] : pair_key(ids[0], ids[1]);
  head = ql_hmap_get(g->first, key, NULL, NULL);
  if (head) { s.next = (int32_t)*head; *head = g->seqs->n; }
  else ql_hmap_add(&g->d->mem, g->first, key, g->seqs->n);
  QL_VEC_PUSH(&g->d->mem, g->seqs, gz_seq, s);
}

static uint32_t find_folded(const ql_doc *d, const char *s, size_t n) {
  char buf[3 * 128 + 4];
  if (n > 128) return UINT32_MAX;
  return ql_vocab_find(d->vocab, buf, ql_fold(s, n, buf));
}

/* Vocabulary id of the plural of a folded form (s, es, ies). */
static uint32_t plural_id(const ql_doc *d, const char *f, size_t n) {
  char buf[140];
  size_t k = n;
  if (n == 0 || n > 128) return UINT32_MAX;
  memcpy(buf, f, n);
  if (f[n - 1] == 'y' && n > 1 && !strchr("aeiou", f[n - 2])) { buf[n - 1] = 'i'; memcpy(buf + n, "es", 2); k = n + 2; }
  else if (f[n - 1] == 's' || f[n - 1] == 'x' || (n > 1 && f[n - 1] == 'h' && (f[n - 2] == 'c' || f[n - 2] == 's'))) {
    memcpy(buf + n, "es", 2); k = n + 2;
  } else { buf[n] = 's'; k = n + 1; }
  return ql_vocab_find(d->vocab, buf, k);
}

/* Splits a name the way the tokenizer splits text (spaces; & / , ( ) " apart;
 * a final 's after an apostrophe apart) and compiles it with its plural. */
static void add_name(gz *g, const char *s, size_t n, int32_t entry) {
  uint32_t ids[32] = {0};
  uint32_t k = 0, letters = 0, upper = 0;
  size_t i = 0, lastb = 0, laste = 0;
  while (i < n && k < 32) {
    size_t j;
    unsigned char c = (unsigned char)s[i];
    if (c == ' ') { i++; continue; }
    if (strchr("&/,()\"'", c) && !(c == '\'' && i + 1 < n && s[i + 1] != 's')) {
      j = i + 1;
    } else {
      j = i;
      while (j < n && s[j] != ' ' && !strchr("&/,()\"", s[j]) &&
             !(s[j] == '\'' && j + 1 < n && s[j + 1] == 's' && (j + 2 == n || s[j + 2] == ' ')))
        j++;
    }
    ids[k] = find_folded(g->d, s + i, j - i);
    if (ids[k] == UINT32_MAX) return; /* a word the document never uses */
    lastb = i; laste = j;
    k++;
    i = j;
  }
  for (i = 0; i < n; i++) {
    if (is_up((unsigned char)s[i])) { upper++; letters++; }
    else if (is_lo((unsigned char)s[i])) letters++;
  }
  {
    int cs = k == 1 && letters >= 2 && upper == letters;
    add_seq(g, ids, k, entry, cs, cs ? s : NULL, 0, cs ? (uint32_t)n : 0);
    if (k > 0) {
      char buf[3 * 128 + 4];
      size_t fl;
      if (laste - lastb > 128) return;
      fl = ql_fold(s + lastb, laste - lastb, buf);
      ids[k - 1] = plural_id(g->d, buf, fl);
      if (ids[k - 1] != UINT32_MAX) add_seq(g, ids, k, entry, cs, cs ? s : NULL, 0, cs ? (uint32_t)n : 0);
    }
  }
}

static void add_names(gz *g, const char *names, int32_t entry) {
  const char *p = names;
  for (;;) {
    const char *bar = strchr(p, '|');
    size_t n = bar ? (size_t)(bar - p) : strlen(p);
    add_name(g, p, n, entry);
    if (!bar) break;
    p = bar + 1;
  }
}

static int32_t add_entry(gz *g, const char *name, uint32_t ts, uint32_t tl, int origin) {
  gz_ent e;
  e.name = name; e.text_start = ts; e.text_len = tl; e.actor = -1; e.origin = (uint8_t)origin;
  e.pooled.off = e.pooled.len = 0;
  QL_VEC_PUSH(&g->d->mem, g->ents, gz_ent, e);
  return (int32_t)g->ents->n - 1;
}

/* Case check: the token must be the name's bytes, or them plus a plural s. */
static int case_ok(const ql_doc *d, const gz_seq *s, uint32_t ts, uint32_t te) {
  const char *t = (const char *)d->text.p;
  const char *name = s->cs_name ? s->cs_name : t + s->cs_start;
  uint32_t n = te - ts;
  if (n == s->cs_len) return memcmp(t + ts, name, n) == 0;
  return n == (uint32_t)s->cs_len + 1 && t[te - 1] == 's' && memcmp(t + ts, name, s->cs_len) == 0;
}

/* Longest sequence starting at token k (within [k, end)); -1 when none. */
static int32_t match_at(const gz *g, uint32_t k, uint32_t end, uint32_t *len) {
  const ql_doc *d = g->d;
  const char *t = (const char *)d->text.p;
  const uint32_t *st = (const uint32_t *)d->tok_start.p;
  const uint32_t *form = (const uint32_t *)d->tok_form.p;
  const uint32_t *ids = (const uint32_t *)g->ids->p;
  const gz_seq *seqs = (const gz_seq *)g->seqs->p;
  const gz_ent *ents = (const gz_ent *)g->ents->p;
  const uint32_t *head;
  int32_t best = -1, i;
  uint32_t blen = 0;
  int pass;
  if (!ql_bloom_has(&g->bloom, form[k])) return -1;
  for (pass = 0; pass < 2; pass++) {
    if (pass == 0) {
      /* names of two words or more: by the first two ids */
      if (k + 1 >= end || st[k + 1] - ql_tok_stop(d, k) > 3 || !ql_annot_is_space(t, ql_tok_stop(d, k), st[k + 1])) continue;
      head = ql_hmap_get(g->first, pair_key(form[k], form[k + 1]), NULL, NULL);
    } else {
      if (best >= 0) break; /* a longer name matched */
      head = ql_hmap_get(g->first, form[k], NULL, NULL);
    }
    if (!head) continue;
    for (i = (int32_t)*head; i >= 0; i = seqs[i].next) {
      const gz_seq *s = &seqs[i];
      uint32_t j;
      if (s->len < blen || k + s->len > end) continue;
      for (j = 2; j < s->len; j++) {
        if (form[k + j] != ids[s->ids + j]) break;
        if (st[k + j] - ql_tok_stop(d, k + j - 1) > 3 || !ql_annot_is_space(t, ql_tok_stop(d, k + j - 1), st[k + j])) break;
      }
      if (j < s->len) continue;
      if (s->cs && !case_ok(d, s, st[k], ql_tok_stop(d, k))) continue;
      /* equal length: the script's names, then the document's, win over built-in ones */
      if (s->len > blen || (best >= 0 && ents[s->entry].origin > ents[seqs[best].entry].origin)) {
        best = i; blen = s->len;
      }
    }
  }
  *len = blen;
  return best;
}

static int is_org_head(const ql_doc *d, uint32_t k) {
  size_t n, i;
  const char *f = ql_vocab_form(d->vocab, ((const uint32_t *)d->tok_form.p)[k], &n);
  if (n > 2 && f[n - 1] == 's') {
    for (i = 0; org_heads[i]; i++) {
      size_t l = strlen(org_heads[i]);
      if ((l == n - 1 && memcmp(f, org_heads[i], l) == 0) ||
          (n == l + 2 && org_heads[i][l - 1] == 'y' && memcmp(f, org_heads[i], l - 1) == 0 && memcmp(f + l - 1, "ies", 3) == 0))
        return 1;
    }
  }
  for (i = 0; org_heads[i]; i++) if (strlen(org_heads[i]) == n && memcmp(f, org_heads[i], n) == 0) return 1;
  return 0;
}

static int32_t actor_of(gz *g, int32_t entry) {
  ql_doc *d = g->d;
  gz_ent *e = &((gz_ent *)g->ents->p)[entry];
  if (e->actor < 0) {
    ql_actor a;
    if (e->origin == QL_ACTOR_USER) a.canonical = e->pooled;
    else if (e->name) a.canonical = ql_pool_add(d, e->name, strlen(e->name));
    else a.canonical = ql_pool_add(d, (const char *)d->text.p + e->text_start, e->text_len);
    a.mentions = 0; a.origin = e->origin;
    QL_VEC_PUSH(&d->mem, &d->annot->actors, ql_actor, a);
    e->actor = (int32_t)d->annot->actors.n - 1;
  }
  return e->actor;
}

/* The document's definitions: a long form naming a known actor adds its
 * short form to it (and vice versa); one headed by an organisation noun
 * becomes an actor of its own. */
static void add_document_actors(gz *g) {
  ql_doc *d = g->d;
  const char *t = (const char *)d->text.p;
  const uint32_t *form = (const uint32_t *)d->tok_form.p;
  size_t na, i;
  const ql_abbrev *ab = ql_doc_abbreviations(d, &na);
  for (i = 0; i < na; i++) {
    const ql_abbrev *a = &ab[i];
    uint32_t k0, k1, ks0, ks1, len = 0, slen = 0, ids[32], n, j, first_content;
    int32_t lm, sm, entry;
    if (a->first >= 0) continue;
    k0 = ql_annot_token_at(d, a->long_start);
    k1 = ql_annot_token_at(d, a->long_stop);
    ks0 = ql_annot_token_at(d, a->short_start);
    ks1 = ql_annot_token_at(d, a->short_stop);
    if (k1 <= k0 || k1 - k0 > 32 || ks1 <= ks0 || ks1 - ks0 > 32) continue;
    lm = match_at(g, k0, k1, &len);
    if (lm >= 0 && len != k1 - k0) lm = -1;
    sm = match_at(g, ks0, ks1, &slen);
    if (sm >= 0 && slen != ks1 - ks0) sm = -1;
    if (lm >= 0) entry = ((const gz_seq *)g->seqs->p)[lm].entry;
    else if (sm >= 0) entry = ((const gz_seq *)g->seqs->p)[sm].entry;
    else {
      first_content = k0;
      if (ql_ieq(t + ((const uint32_t *)d->tok_start.p)[k0], 3, "the") && k1 - k0 > 1) first_content++;
      if (!is_org_head(d, k1 - 1) && !is_org_head(d, first_content)) continue;
      entry = add_entry(g, NULL, a->long_start, a->long_stop - a->long_start, QL_ACTOR_DOCUMENT);
    }
    if (((const gz_ent *)g->ents->p)[entry].name && ((const gz_ent *)g->ents->p)[entry].name[0] == '\0') continue;
    if (lm < 0) {
      size_t fl;
      const char *f;
      n = k1 - k0;
      for (j = 0; j < n; j++) ids[j] = form[k0 + j];
      add_seq(g, ids, n, entry, 0, NULL, 0, 0);
      /* the other number of the last word: "Boards" for "Board" and back */
      f = ql_vocab_form(d->vocab, ids[n - 1], &fl);
      if (fl > 3 && f[fl - 1] == 's') ids[n - 1] = ql_vocab_find(d->vocab, f, fl - 1);
      else ids[n - 1] = plural_id(d, f, fl);
      if (ids[n - 1] != UINT32_MAX) add_seq(g, ids, n, entry, 0, NULL, 0, 0);
    }
    if (sm < 0) {
      /* the key (ICB for ICBs), case-sensitive, with its plural */
      uint32_t kid = find_folded(d, t + a->short_start, a->key_len);
      if (ks1 - ks0 == 1 && kid != UINT32_MAX) {
        char buf[3 * 16 + 4];
        size_t fl;
        add_seq(g, &kid, 1, entry, 1, NULL, a->short_start, a->key_len);
        if (a->key_len <= 16) {
          fl = ql_fold(t + a->short_start, a->key_len, buf);
          kid = plural_id(d, buf, fl);
          if (kid != UINT32_MAX) add_seq(g, &kid, 1, entry, 1, NULL, a->short_start, a->key_len);
        }
      } else if (ks1 - ks0 > 1) {
        n = ks1 - ks0;
        for (j = 0; j < n; j++) ids[j] = form[ks0 + j];
        add_seq(g, ids, n, entry, 0, NULL, 0, 0);
      }
    }
  }
}

void ql_find_actors(ql_doc *d, const ql_actor_spec *extra, size_t nextra) {
  struct ql_annot *a = d->annot;
  gz g;
  size_t i;
  uint32_t b, nb = d->blocks.n;
  const uint32_t *tf;
  a->actors.n = a->mentions.n = 0;
  g.d = d; g.seqs = &a->tmp[1]; g.ids = &a->tmp[2]; g.ents = &a->tmp[3]; g.first = &a->map[0];
  memset(&g.bloom, 0, sizeof g.bloom);
  g.seqs->n = g.ids->n = g.ents->n = 0;
  if (d->tok_start.n == 0) return;
  ql_hmap_reset(&d->mem, g.first, 256);
  for (i = 0; i < NGAZ; i++) {
    int32_t e = add_entry(&g, gazetteer[i].canonical, 0, 0, QL_ACTOR_BUILTIN);
    add_names(&g, gazetteer[i].names, e);
  }
  for (i = 0; i < nextra; i++) {
    const char *name = extra[i].name, *canon = extra[i].canonical;
    int32_t e;
    if (!name || !*name) continue;
    if (!canon || !*canon) canon = name;
    e = add_entry(&g, NULL, 0, 0, QL_ACTOR_USER);
    /* the script's strings live only during this call: the name is compiled
     * now, the canonical name kept in the pool */
    ((gz_ent *)g.ents->p)[e].pooled = ql_pool_add(d, canon, strlen(canon));
    add_names(&g, name, e);
  }
  add_document_actors(&g);
  tf = ql_annot_block_tokens(d);
  for (b = 0; b < nb; b++) {
    uint32_t k, e = tf[b + 1];
    for (k = tf[b]; k < e; k++) {
      uint32_t len;
      int32_t s;
      if (ql_tok_kind(d, k) != QL_TOK_WORD) continue;
      s = match_at(&g, k, e, &len);
      if (s < 0) continue;
      {
        int32_t entry = ((const gz_seq *)g.seqs->p)[s].entry;
        const gz_ent *en = &((const gz_ent *)g.ents->p)[entry];
        if (!(en->name && en->name[0] == '\0')) {
          ql_actor_mention m;
          m.start = ((const uint32_t *)d->tok_start.p)[k];
          m.stop = ql_tok_stop(d, k + len - 1);
          m.actor = actor_of(&g, entry);
          QL_VEC_AT(a->actors, ql_actor, m.actor).mentions++;
          QL_VEC_PUSH(&d->mem, &a->mentions, ql_actor_mention, m);
        }
      }
      k += len - 1;
    }
  }
  g.seqs->n = g.ids->n = g.ents->n = 0;
}
