/* read_page.c - scraped web pages of one article: a publisher landing page
 * (seed 001) and a research-portal page such as Elsevier Pure (seed 002).
 *
 * The page is read as groups of non-blank lines.  Each line is, in order of
 * precedence: site chrome (a phrase table; dropped and logged), a bullet, a
 * field (a table of portal/publisher labels matched as a prefix, the value
 * glued or after ':'), a heading (a lone line naming a known page or article
 * section), the title (the first lone line of a portal page), or prose.  A
 * group of short heading-like lines is a table of contents (dropped).  Prose
 * under "Abstract" (or the first prose of a portal page) goes through the
 * structured-abstract segmenter. */
#include "ql_internal.h"

enum { C_NONE, C_ABSTRACT, C_BODY, C_OTHER, C_KEYWORDS };

typedef struct {
  int landing;          /* landing page (no title invented) or portal page */
  int container;        /* what the open level-1 section holds (C_*) */
  int summary;          /* the container is a Summary heading */
  int abstract_done;    /* an abstract was read */
  int content;          /* some content was emitted or recognised */
  int item_open;        /* a list item is being continued */
  uint32_t item_t0;
  int item_kw;
} page;

static int is_low(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_up(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int icontains(const char *s, uint32_t a, uint32_t b, const char *w) {
  size_t n = strlen(w);
  uint32_t i;
  for (i = a; i + n <= b; i++) if (lower((unsigned char)s[i]) == lower((unsigned char)w[0]) && ql_iprefix(s + i, b - i, w)) return 1;
  return 0;
}

/* ---- site chrome ---- */

/* Whole lines that are site furniture on journal, publisher and portal pages. */
static const char *const chrome_lines[] = {
  "read more", "read less", "show more", "show less", "view more", "see more", "see all",
  "talk to us", "schedule a call", "book a demo", "request a demo", "contact us", "contact",
  "cite this", "cite", "cite this article", "how to cite", "share", "share this", "share this article",
  "share article", "copy link", "email", "print", "tweet", "facebook", "twitter", "linkedin",
  "download", "download pdf", "view pdf", "pdf", "download full text", "download citation",
  "export citation", "export citations", "export", "access through your institution",
  "get access", "purchase", "buy article", "buy this article", "add to cart", "check access",
  "sign in", "log in", "login", "register", "create account", "subscribe", "my account",
  "save", "save to library", "add to mendeley", "open in new tab", "open in viewer",
  "back to top", "skip to main content", "skip to content", "toggle navigation", "menu",
  "search", "home", "close", "accept", "accept all", "accept all cookies", "reject all",
  "cookie settings", "manage cookies", "cookie policy", "privacy policy", "terms and conditions",
  "permissions", "request permissions", "reprints", "reprints and permissions",
  "rights and permissions", "previous article", "next article", "related articles",
  "recommended articles", "similar articles", "article metrics", "metrics", "altmetric",
  "google scholar", "pubmed", "crossref", "full text links", "view full text",
  "link to publication", "link to publication in scopus", "link to the citations in scopus",
  "access to document", "permanent link", "view graph of relations", "powered by pure",
  "about web accessibility", "report vulnerability", "learn more", "find out more",
  "get started", "open access", "check for updates", "view article", "article tools",
  "go to", "overview", "fingerprint", "projects", "activities", "prizes", "press/media",
  "press / media", "equipment", "research output", "feedback", "help", "get help",
  "published version", "published version (free)", "final published version",
  "accepted author manuscript", "apa", "bibtex", "harvard", "vancouver", "mla", "ris", NULL
};

/* Line starts of calls to action and notices; only short lines qualify. */
static const char *const chrome_starts[] = {
  "dive into the research topics", "join us for", "join us on", "sign up for", "sign up to",
  "subscribe to", "we use cookies", "this website uses cookies", "this site uses cookies",
  "by continuing to use", "by using this site", "access through your institution",
  "copyright \xC2\xA9", "\xC2\xA9 ", "all rights reserved", "powered by", "you are currently offline",
  "please enable javascript", "your browser", "help us improve", "share your feedback",
  "download citation", "export citation", "view in scopus", "cited by ", "follow us",
  "log in to", "sign in to", "register to", "to read the full", "to access this article",
  "recommended articles", "you may also like", "people also read", NULL
};

/* Phrases that mark a whole (short) line as chrome wherever they occur. */
static const char *const chrome_contains[] = {
  "together they form a unique fingerprint", "use of cookies", NULL
};

static int is_chrome(const char *s, uint32_t a, uint32_t b) {
  size_t k;
  uint32_t e = b;
  while (e > a && (s[e - 1] == ':' || s[e - 1] == '.' || s[e - 1] == ' ')) e--;
  for (k = 0; chrome_lines[k]; k++) if (ql_ieq(s + a, e - a, chrome_lines[k])) return 1;
  if (b - a > 300) return 0;
  for (k = 0; chrome_starts[k]; k++) if (ql_iprefix(s + a, b - a, chrome_starts[k])) return 1;
  for (k = 0; chrome_contains[k]; k++) if (icontains(s, a, b, chrome_contains[k])) return 1;
  return 0;
}

/* ---- headings ---- */

/* Lone lines naming sections of an article page.  `level2`: an article-body
 * heading, nested under an open Summary / Full text / Abstract section. */
typedef struct { const char *name; int container, level2; } heading_def;

static const heading_def headings[] = {
  {"abstract", C_ABSTRACT, 0}, {"summary", C_BODY, 0}, {"full text", C_BODY, 0},
  {"article", C_BODY, 0}, {"highlights", C_OTHER, 0}, {"key points", C_OTHER, 0},
  {"research highlights", C_OTHER, 0}, {"graphical abstract", C_OTHER, 0},
  {"keywords", C_KEYWORDS, 0}, {"key words", C_KEYWORDS, 0}, {"mesh terms", C_KEYWORDS, 0},
  {"references", C_OTHER, 0}, {"bibliography", C_OTHER, 0}, {"acknowledgements", C_OTHER, 0},
  {"acknowledgments", C_OTHER, 0}, {"funding", C_OTHER, 0}, {"footnotes", C_OTHER, 0},
  {"notes", C_OTHER, 0}, {"author information", C_OTHER, 0}, {"article information", C_OTHER, 0},
  {"supplementary material", C_OTHER, 0}, {"supplementary materials", C_OTHER, 0},
  {"data availability", C_OTHER, 0}, {"data availability statement", C_OTHER, 0},
  {"ethics statement", C_OTHER, 0}, {"competing interests", C_OTHER, 0},
  {"conflict of interest", C_OTHER, 0}, {"conflicts of interest", C_OTHER, 0},
  {"declarations", C_OTHER, 0}, {"author contributions", C_OTHER, 0},
  {"publication types", C_OTHER, 0}, {"related information", C_OTHER, 0},
  {"introduction", C_BODY, 1}, {"background", C_BODY, 1}, {"methods", C_BODY, 1},
  {"method", C_BODY, 1}, {"materials and methods", C_BODY, 1}, {"results", C_BODY, 1},
  {"findings", C_BODY, 1}, {"discussion", C_BODY, 1}, {"conclusion", C_BODY, 1},
  {"conclusions", C_BODY, 1}, {"limitations", C_BODY, 1}, {"strengths and limitations", C_BODY, 1},
  {"objectives", C_BODY, 1}, {"objective", C_BODY, 1}, {"aims", C_BODY, 1}, {"aim", C_BODY, 1},
  {"design", C_BODY, 1}, {"setting", C_BODY, 1}, {"participants", C_BODY, 1},
  {"interpretation", C_BODY, 1}, {"context", C_BODY, 1}, {"analysis", C_BODY, 1},
  {"policy implications", C_BODY, 1}, {"recommendations", C_BODY, 1},
  {NULL, 0, 0}
};

static const heading_def *find_heading(const char *s, uint32_t a, uint32_t b) {
  size_t k;
  while (b > a && (s[b - 1] == ':' || s[b - 1] == ' ')) b--;
  for (k = 0; headings[k].name; k++) if (ql_ieq(s + a, b - a, headings[k].name)) return &headings[k];
  return NULL;
}

/* ---- bullets ---- */

/* Length of a bullet marker at s[a] (followed by a space), or 0. */
static uint32_t bullet_len(const char *s, uint32_t a, uint32_t b) {
  static const char *const marks[] = {
    "\xE2\x80\xA2", "\xE2\x97\xA6", "\xE2\x96\xAA", "\xE2\x80\xA3", "\xC2\xB7", "\xE2\x80\x93",
    "\xE2\x96\xBA", "\xE2\x96\xA0", "\xE2\x97\x8F", "\xE2\x97\x8B", "\xE2\x9E\xA2", "-", "*", "+", NULL
  };
  size_t k;
  for (k = 0; marks[k]; k++) {
    uint32_t n = (uint32_t)strlen(marks[k]);
    if (a + n < b && memcmp(s + a, marks[k], n) == 0 && (s[a + n] == ' ' || s[a + n] == '\t')) return n;
  }
  return 0;
}

/* ---- fields ---- */

typedef enum { F_PLAIN, F_DATE, F_STATUS, F_TYPE, F_KEYWORDS, F_DOI } field_kind;
typedef struct { const char *label; const char *key; field_kind kind; } field_def;

/* Labels of Pure and publisher pages; longer labels first where one is a
 * prefix of another, since the first match wins. */
static const field_def fields[] = {
  {"Original language", "language", F_PLAIN}, {"Language", "language", F_PLAIN},
  {"Pages (from-to)", "pages", F_PLAIN}, {"Number of pages", NULL, F_PLAIN},
  {"Pages", "pages", F_PLAIN}, {"Article number", "pages", F_PLAIN},
  {"Journal title", "journal", F_PLAIN}, {"Journal", "journal", F_PLAIN},
  {"Published in", "journal", F_PLAIN}, {"Issue number", "issue", F_PLAIN},
  {"Issue", "issue", F_PLAIN}, {"Volume", "volume", F_PLAIN},
  {"Publication status", "date", F_STATUS}, {"Publication date", "date", F_DATE},
  {"Published online", NULL, F_PLAIN}, {"Published", "date", F_DATE},
  {"Early online date", NULL, F_PLAIN}, {"Accepted/In press date", NULL, F_PLAIN},
  {"E-pub ahead of print date", NULL, F_PLAIN}, {"First published", NULL, F_PLAIN},
  {"Received", NULL, F_PLAIN}, {"Accepted", NULL, F_PLAIN}, {"State", NULL, F_PLAIN},
  {"DOIs", "doi", F_DOI}, {"DOI", "doi", F_DOI}, {"Publisher", "publisher", F_PLAIN},
  {"Keywords", "keywords", F_KEYWORDS}, {"Key words", "keywords", F_KEYWORDS},
  {"ISSN", "issn", F_PLAIN}, {"ISBN (Print)", NULL, F_PLAIN}, {"ISBN (Electronic)", NULL, F_PLAIN},
  {"ISBN", NULL, F_PLAIN}, {"Research output", "type", F_TYPE}, {"Output type", "type", F_TYPE},
  {"Host publication title", NULL, F_PLAIN}, {"Host publication", NULL, F_PLAIN},
  {"Series", "series", F_PLAIN}, {"Edition", NULL, F_PLAIN}, {"Place of Publication", NULL, F_PLAIN},
  {"Event", NULL, F_PLAIN}, {"Country/Territory", NULL, F_PLAIN}, {"City", NULL, F_PLAIN},
  {"Period", NULL, F_PLAIN}, {"Internet address", "url", F_PLAIN}, {"URL", "url", F_PLAIN},
  {"Peer-reviewed", NULL, F_PLAIN}, {"Externally published", NULL, F_PLAIN},
  {"PMID", "pmid", F_PLAIN}, {"PMCID", NULL, F_PLAIN}, {"Citation", NULL, F_PLAIN},
  {NULL, NULL, F_PLAIN}
};

typedef struct {
  const field_def *def;
  uint32_t le;          /* end of the label */
  uint32_t vs;          /* start of the value */
} field_hit;

/* A field label at the start of line [a, b): followed by ':' (any case), by
 * a tab or two spaces, or glued to its value (exact case; the value then may
 * not go on in lower case unless the label ends in a bracket). */
static int find_field(const char *s, uint32_t a, uint32_t b, field_hit *h) {
  size_t k;
  if (b - a > 400) return 0;
  for (k = 0; fields[k].label; k++) {
    uint32_t n = (uint32_t)strlen(fields[k].label), v;
    if (b - a <= n || !ql_iprefix(s + a, b - a, fields[k].label)) continue;
    v = a + n;
    if (s[v] == ':' || s[v] == '\t' || (s[v] == ' ' && v + 1 < b && s[v + 1] == ' ')) {
      uint32_t w = v;
      if (s[w] == ':') w++;
      while (w < b && (s[w] == ' ' || s[w] == '\t')) w++;
      if (w >= b) continue;
      h->def = &fields[k]; h->le = v; h->vs = w;
      return 1;
    }
    if (s[v] == ' ' || memcmp(s + a, fields[k].label, n) != 0) continue;
    if (is_low((unsigned char)s[v]) && is_low((unsigned char)s[v - 1])) continue;
    if (is_up((unsigned char)s[v]) && is_up((unsigned char)s[v - 1])) continue; /* "DOIS" is no "DOI" + "S" */
    h->def = &fields[k]; h->le = v; h->vs = v;
    return 1;
  }
  return 0;
}

/* Pure research-output types, glued in scraped breadcrumbs
 * ("Contribution to journalArticlepeer-review"); `status` terms say how it
 * was reviewed, not what it is. */
typedef struct { const char *term; int status; } type_def;
static const type_def types[] = {
  {"Contribution to journal", 0}, {"Contribution to book/anthology", 0},
  {"Contribution to book/report", 0}, {"Contribution to conference", 0},
  {"Contribution to specialist publication", 0}, {"Contribution to newspaper", 0},
  {"Book/Report", 0}, {"Book/Film/Article review", 0}, {"Working paper", 0},
  {"Other contribution", 0}, {"Non-textual form", 0}, {"Patent", 0}, {"Thesis", 0},
  {"Doctoral Thesis", 0}, {"Master's Thesis", 0}, {"Review article", 0}, {"Article", 0},
  {"Letter", 0}, {"Editorial", 0}, {"Comment/debate", 0}, {"Conference article", 0},
  {"Conference contribution", 0}, {"Conference paper", 0}, {"Chapter", 0},
  {"Chapter (peer-reviewed)", 0}, {"Meeting Abstract", 0}, {"Abstract", 0}, {"Poster", 0},
  {"Paper", 0}, {"Book", 0}, {"Anthology", 0}, {"Commissioned report", 0}, {"Report", 0},
  {"Short survey", 0}, {"Literature review", 0}, {"Systematic review", 0},
  {"Special issue", 0}, {"Entry for encyclopedia/dictionary", 0}, {"Foreword/postscript", 0},
  {"Scientific review", 0}, {"Case report", 0}, {"Other", 0},
  {"peer-review", 1}, {"Peer-reviewed", 1}, {"Non peer-reviewed", 1},
  {"Scientific", 1}, {"Professional", 1}, {"Popular", 1}, {NULL, 0}
};

/* Length of the longest type term at s[a, b), and whether it is a status. */
static uint32_t type_term(const char *s, uint32_t a, uint32_t b, int *status) {
  size_t k;
  uint32_t best = 0;
  for (k = 0; types[k].term; k++) {
    uint32_t n = (uint32_t)strlen(types[k].term);
    if (n > best && b - a >= n && memcmp(s + a, types[k].term, n) == 0) { best = n; *status = types[k].status; }
  }
  return best;
}

/* Keywords separated by ; , or line breaks (one per line under a heading). */
static void meta_keywords(ql_doc *d, const char *s, uint32_t a, uint32_t b) {
  uint32_t i, st = a;
  for (i = a; i <= b; i++) {
    if (i == b || s[i] == ';' || s[i] == ',' || s[i] == '\n' || s[i] == '\r') {
      uint32_t x = st, y = i;
      ql_trim(s, &x, &y);
      if (y > x) ql_meta_add(d, "keywords", s + x, y - x);
      st = i + 1;
    }
  }
}

/* A four-digit year 1000-2999 in s[a, b), or 0. */
static uint32_t find_year(const char *s, uint32_t a, uint32_t b, uint32_t *at) {
  uint32_t i;
  for (i = a; i + 4 <= b; i++) {
    if ((s[i] == '1' || s[i] == '2') && is_digit((unsigned char)s[i + 1]) && is_digit((unsigned char)s[i + 2]) &&
        is_digit((unsigned char)s[i + 3]) && (i == a || !is_digit((unsigned char)s[i - 1])) &&
        (i + 4 == b || !is_digit((unsigned char)s[i + 4]))) { *at = i; return 1; }
  }
  return 0;
}

static void meta_date(ql_doc *d, const char *s, uint32_t a, uint32_t b) {
  uint32_t y;
  if (b <= a) return;
  ql_meta_add(d, "date", s + a, b - a);
  if (find_year(s, a, b, &y)) ql_meta_add(d, "year", s + y, 4);
}

/* Emits the value of a research-output field, ungluing breadcrumbs made of
 * known type terms ("Contribution to journal / Article / peer-review"), and
 * records the most specific type: the last term that is not a review status. */
static void emit_type(ql_doc *d, const char *s, uint32_t a, uint32_t b) {
  uint32_t p = a, prev = a, ts = a, te = b;
  int nparts = 0;
  while (p < b) { /* is the whole value a run of known terms? */
    int status = 0;
    uint32_t n = type_term(s, p, b, &status);
    if (!n) {
      ql_emit(d, a, b);
      ql_meta_add(d, "type", s + a, b - a);
      return;
    }
    p += n;
    while (p < b && s[p] == ' ') p++;
  }
  p = a;
  while (p < b) {
    int status = 0;
    uint32_t n = type_term(s, p, b, &status), q = p + n;
    if (nparts > 0) {
      if (p > prev) ql_emit_lit(d, " / ", 3, prev, p - prev);
      else ql_emit_repair(d, "unglue-breadcrumb", p, p, " / ", 3);
    }
    ql_emit(d, p, q);
    if (!status) { ts = p; te = q; }
    nparts++;
    prev = q;
    p = q;
    while (p < b && s[p] == ' ') p++;
  }
  ql_meta_add(d, "type", s + ts, te - ts);
}

static void do_field(ql_doc *d, page *pg, const field_hit *h, uint32_t ls, uint32_t le) {
  const char *s = d->source;
  uint32_t t0, vs = h->vs, ve = le;
  ql_trim(s, &vs, &ve);
  ql_block_sep(d, ls);
  t0 = ql_text_len(d);
  ql_emit(d, ls, h->le);
  if (vs == h->le) ql_emit_repair(d, "unglue-field", h->le, h->le, ": ", 2);
  else ql_emit_lit(d, ": ", 2, h->le, vs - h->le);
  if (h->def->kind == F_TYPE) emit_type(d, s, vs, ve);
  else ql_emit(d, vs, ve);
  ql_add_block(d, QL_BLOCK_FIELD, t0, ql_text_len(d), QL_NONE);
  ql_field_add(d, s + ls, h->le - ls, s + vs, ve - vs);
  pg->content = 1;
  if (!h->def->key) return;
  switch (h->def->kind) {
  case F_STATUS: {
    /* "Published - May 2020": a status, then the date */
    uint32_t i, ds = vs;
    for (i = vs; i + 3 <= ve; i++) if (s[i] == ' ' && s[i + 1] == '-' && s[i + 2] == ' ') { ds = i + 3; break; }
    meta_date(d, s, ds, ve);
    break;
  }
  case F_DATE: meta_date(d, s, vs, ve); break;
  case F_KEYWORDS: meta_keywords(d, s, vs, ve); break;
  case F_DOI: {
    uint32_t i;
    for (i = vs; i + 3 < ve; i++)
      if (s[i] == '1' && s[i + 1] == '0' && s[i + 2] == '.' && (i == vs || s[i - 1] == '/' || s[i - 1] == ' ' || s[i - 1] == ':')) {
        uint32_t j = i;
        while (j < ve && s[j] != ' ' && s[j] != ',') j++;
        ql_meta_add(d, "doi", s + i, j - i);
        break;
      }
    break;
  }
  case F_TYPE: break; /* recorded by emit_type */
  default: ql_meta_add(d, h->def->key, s + vs, ve - vs); break;
  }
}

/* ---- emission ---- */

/* Emits lines [a, b) of the source as running text (line breaks and runs of
 * spaces become one space). */
static void emit_flow(ql_doc *d, uint32_t a, uint32_t b) {
  const char *s = d->source;
  uint32_t i = a, chunk = a;
  while (i < b) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      uint32_t j = i;
      while (j < b && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) j++;
      if (j - i > 1 || c != ' ') {
        ql_emit(d, chunk, i);
        if (j < b && i > chunk) ql_emit_lit(d, " ", 1, i, j - i);
        chunk = j;
      }
      i = j;
    } else i++;
  }
  ql_emit(d, chunk, b);
}

static void close_item(ql_doc *d, page *pg) {
  if (!pg->item_open) return;
  pg->item_open = 0;
  ql_add_block(d, QL_BLOCK_LIST_ITEM, pg->item_t0, ql_text_len(d), QL_NONE);
  if (pg->item_kw) {
    uint32_t n = ql_text_len(d) - pg->item_t0;
    if (n > 0) ql_meta_add(d, "keywords", (const char *)d->text.p + pg->item_t0, n);
  }
}

static void do_heading(ql_doc *d, page *pg, const heading_def *h, ql_category cat, uint32_t ls, uint32_t le) {
  int level = 1;
  uint32_t t0, e = le;
  close_item(d, pg);
  if (cat != QL_CAT_NONE || (h && h->level2 && (pg->container == C_BODY || pg->container == C_ABSTRACT)))
    level = 2;
  else if (h) { pg->container = h->container; pg->summary = ql_ieq(d->source + ls, le - ls, "summary"); }
  else pg->container = C_OTHER;
  while (e > ls && (d->source[e - 1] == ' ' || d->source[e - 1] == ':')) e--;
  ql_block_sep(d, ls);
  ql_section_open(d, d->source + ls, e - ls, level, cat, ql_text_len(d));
  t0 = ql_text_len(d);
  ql_emit(d, ls, le);
  ql_add_block(d, QL_BLOCK_HEADING, t0, ql_text_len(d), QL_NONE);
  pg->content = 1;
}

static void do_prose(ql_doc *d, page *pg, uint32_t a, uint32_t b) {
  uint32_t t0;
  close_item(d, pg);
  if (pg->container == C_KEYWORDS) meta_keywords(d, d->source, a, b);
  if (!pg->abstract_done &&
      (pg->container == C_ABSTRACT || pg->container == C_NONE || (pg->container == C_BODY && pg->summary))) {
    int level = pg->container == C_ABSTRACT ? 2 : ql_section_depth(d) + 1;
    int n;
    ql_block_sep(d, a);
    n = ql_emit_abstract(d, a, b, level);
    /* a portal page's first prose is its abstract, headed or not */
    if (n > 0 || pg->container == C_ABSTRACT || (!pg->landing && pg->container == C_NONE)) {
      ql_meta_add(d, "abstract", d->source + a, b - a);
      pg->abstract_done = 1;
    }
    pg->content = 1;
    return;
  }
  ql_block_sep(d, a);
  t0 = ql_text_len(d);
  emit_flow(d, a, b);
  ql_add_block(d, QL_BLOCK_PARAGRAPH, t0, ql_text_len(d), QL_NONE);
  pg->content = 1;
}

/* A short line in a table of contents: no sentence punctuation at its end. */
static int toc_like(const char *s, uint32_t a, uint32_t b) {
  char c;
  if (b - a > 48 || b <= a) return 0;
  c = s[b - 1];
  return c != '.' && c != ',' && c != ';' && c != ':' && !bullet_len(s, a, b);
}

static int title_like(const char *s, uint32_t a, uint32_t b) {
  uint32_t i, spaces = 0;
  if (b - a < 10 || b - a > 300 || s[b - 1] == '.' || (!is_up((unsigned char)s[a]) && !is_digit((unsigned char)s[a])))
    return 0;
  for (i = a; i < b; i++) spaces += s[i] == ' ';
  return spaces >= 2;
}

static void read_page(ql_doc *d, int landing) {
  const char *s = d->source;
  uint32_t len = d->srclen, pos = 0;
  page pg;
  memset(&pg, 0, sizeof pg);
  pg.landing = landing;
  if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) pos = 3; /* logged by the pipeline */
  for (;;) {
    uint32_t gpos, ls, le, p, nlines = 0, ntoc = 0, nknown = 0, prose_a = 0, prose_b = 0;
    int have_prose = 0;
    /* skip blank lines */
    for (;;) {
      p = pos;
      if (!ql_next_line(s, len, &p, &ls, &le)) return;
      if (!ql_is_blank(s, ls, le)) break;
      pos = p;
    }
    /* measure the group */
    gpos = pos;
    p = pos;
    while (ql_next_line(s, len, &p, &ls, &le) && !ql_is_blank(s, ls, le)) {
      uint32_t a = ls, b = le;
      ql_trim(s, &a, &b);
      nlines++;
      if (toc_like(s, a, b)) { /* chrome links may sit in a contents list too */
        field_hit h;
        ntoc += !find_field(s, a, b, &h);
        nknown += find_heading(s, a, b) != NULL || ql_category_from_label(s + a, b - a) != QL_CAT_NONE;
      }
    }
    if (nlines >= 3 && ntoc == nlines && nknown * 2 >= nlines && pg.container != C_KEYWORDS) {
      uint32_t first = UINT32_MAX, last = 0, q = gpos;
      while (ql_next_line(s, len, &q, &ls, &le) && !ql_is_blank(s, ls, le)) {
        ql_trim(s, &ls, &le);
        if (first == UINT32_MAX) first = ls;
        last = le;
      }
      ql_drop(d, first, last, "table of contents");
      pos = p;
      continue;
    }
    /* process its lines */
    pos = gpos;
    while (ql_next_line(s, len, &pos, &ls, &le) && !ql_is_blank(s, ls, le)) {
      uint32_t a = ls, b = le, bl;
      field_hit h;
      const heading_def *hd;
      ql_trim(s, &a, &b);
      if (is_chrome(s, a, b)) {
        if (have_prose) { do_prose(d, &pg, prose_a, prose_b); have_prose = 0; }
        close_item(d, &pg);
        ql_drop(d, a, b, "boilerplate");
        continue;
      }
      bl = bullet_len(s, a, b);
      if (bl) {
        uint32_t x = a + bl;
        if (have_prose) { do_prose(d, &pg, prose_a, prose_b); have_prose = 0; }
        close_item(d, &pg);
        ql_drop(d, a, x, "list marker");
        while (x < b && (s[x] == ' ' || s[x] == '\t')) x++;
        ql_block_sep(d, a);
        pg.item_open = 1;
        pg.item_t0 = ql_text_len(d);
        /* a bullet list of short terms on a portal page, or under Keywords */
        pg.item_kw = pg.container == C_KEYWORDS ||
                     (!landing && pg.container == C_NONE && b - x <= 80 && s[b - 1] != '.');
        ql_emit(d, x, b);
        pg.content = 1;
        continue;
      }
      if (pg.item_open && ls < a && !have_prose) {
        /* an indented line after a bullet goes on with its item */
        ql_emit_lit(d, " ", 1, ls, a - ls);
        ql_emit(d, a, b);
        continue;
      }
      if (find_field(s, a, b, &h)) {
        if (have_prose) { do_prose(d, &pg, prose_a, prose_b); have_prose = 0; }
        close_item(d, &pg);
        do_field(d, &pg, &h, a, b);
        continue;
      }
      if (nlines == 1 && b - a <= 80) {
        hd = find_heading(s, a, b);
        if (hd) {
          /* inside an abstract, article-body names are its labelled parts */
          ql_category cat = pg.container == C_ABSTRACT && hd->level2 ? ql_category_from_label(s + a, b - a) : QL_CAT_NONE;
          do_heading(d, &pg, hd, cat, a, b);
          continue;
        }
        if (pg.container == C_ABSTRACT) {
          ql_category cat = ql_category_from_label(s + a, b - a);
          if (cat != QL_CAT_NONE && is_up((unsigned char)s[a])) { do_heading(d, &pg, NULL, cat, a, b); continue; }
        }
      }
      if (nlines == 1 && !pg.content && title_like(s, a, b)) {
        uint32_t t0;
        ql_block_sep(d, a);
        t0 = ql_text_len(d);
        ql_emit(d, a, b);
        ql_add_block(d, QL_BLOCK_HEADING, t0, ql_text_len(d), QL_NONE);
        ql_meta_add(d, "title", s + a, b - a);
        pg.content = 1;
        continue;
      }
      close_item(d, &pg);
      if (!have_prose) { prose_a = a; have_prose = 1; }
      prose_b = b;
    }
    if (have_prose) do_prose(d, &pg, prose_a, prose_b);
    close_item(d, &pg);
  }
}

void ql_read_landing(ql_doc *d) { read_page(d, 1); }
void ql_read_portal(ql_doc *d) { read_page(d, 0); }
