/* sniff.c - choose a reader from the content, never from the file name.
 *
 * Looks at the first 64 KB only.  RIS is decided by its first content (the
 * TY tag); the other kinds by counting cues line by line: Pure field labels
 * for a portal page, an Abstract heading, glued abstract labels and site
 * chrome for a landing page, and PDF-conversion traces (footnote superscripts,
 * pages starting with a lone space, running headers, hard-wrapped lines,
 * `**bold**`) for a report.  Anything else is plain text. */
#include "ql_internal.h"

#define SNIFF_MAX 65536u

static int is_up(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_low(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int contains(const char *s, uint32_t a, uint32_t b, const char *w) {
  size_t n = strlen(w);
  uint32_t i;
  for (i = a; i + n <= b; i++) if (s[i] == w[0] && memcmp(s + i, w, n) == 0) return 1;
  return 0;
}

/* Pure labels that start lines of a research-portal page. */
static const char *const portal_cues[] = {
  "Research output:", "Original language", "Publication status", "Pages (from-to)",
  "Dive into the research topics", "Accepted/In press date", "Early online date",
  "Number of pages", "Issue number", NULL
};

/* Whole lines of publisher-site chrome. */
static const char *const chrome_cues[] = {
  "read more", "highlights", "schedule a call", "talk to us", "cite this", "download pdf",
  "export citation", "access through your institution", "share", "view pdf", "full text",
  "published version (free)", "get access", "open in new tab", NULL
};

/* A structured-abstract label in title case glued to its text at the line
 * start: "ObjectivesEnglish general practice...". */
static int glued_label(const char *s, uint32_t a, uint32_t b) {
  uint32_t j;
  if (a >= b || !is_up((unsigned char)s[a])) return 0;
  for (j = a + 1; j < b && j - a < 40; j++) {
    unsigned char c = (unsigned char)s[j];
    if (is_low((unsigned char)s[j - 1]) && (is_up(c) || is_digit(c)))
      return ql_category_from_label(s + a, j - a) != QL_CAT_NONE;
    if (!is_low(c) && !is_up(c) && c != ' ') return 0;
  }
  return 0;
}

/* Superscript digits: U+00B9 U+00B2 U+00B3, U+2070, U+2074-U+2079. */
static uint32_t superscripts(const char *s, uint32_t a, uint32_t b) {
  uint32_t i, n = 0;
  for (i = a; i + 1 < b; i++) {
    unsigned char c = (unsigned char)s[i], c1 = (unsigned char)s[i + 1];
    if (c == 0xC2 && (c1 == 0xB9 || c1 == 0xB2 || c1 == 0xB3)) n++;
    else if (c == 0xE2 && c1 == 0x81 && i + 2 < b) {
      unsigned char c2 = (unsigned char)s[i + 2];
      if (c2 == 0xB0 || (c2 >= 0xB4 && c2 <= 0xB9)) n++;
    }
  }
  return n;
}

/* A running header or footer: "14 — The future of primary care" or
 * "The future of primary care — 14" (em/en dash or bar). */
static int running_header(const char *s, uint32_t a, uint32_t b) {
  static const char *const seps[] = { " \xE2\x80\x94 ", " \xE2\x80\x93 ", " | ", NULL };
  size_t k;
  uint32_t i = a, e = b;
  while (i < b && is_digit((unsigned char)s[i])) i++;
  for (k = 0; seps[k]; k++) {
    uint32_t n = (uint32_t)strlen(seps[k]);
    if (i > a && i - a <= 3 && i + n < b && memcmp(s + i, seps[k], n) == 0) return 1;
  }
  while (e > a && is_digit((unsigned char)s[e - 1])) e--;
  for (k = 0; seps[k]; k++) {
    uint32_t n = (uint32_t)strlen(seps[k]);
    if (e < b && b - e <= 3 && e >= a + n && memcmp(s + e - n, seps[k], n) == 0) return 1;
  }
  return 0;
}

ql_format ql_sniff(const char *s, uint32_t len) {
  uint32_t n = len < SNIFF_MAX ? len : SNIFF_MAX, pos = 0, ls, le;
  uint32_t portal = 0, abstract_head = 0, chrome = 0, glued = 0;
  uint32_t bold = 0, sup = 0, page_starts = 0, headers = 0, wrapped = 0, lines = 0, markdown = 0;
  uint32_t prev_len = 0;
  int prev_text = 0;
  if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) pos = 3;
  if (ql_looks_like_ris(s, n)) return QL_FMT_RIS;
  while (ql_next_line(s, n, &pos, &ls, &le)) {
    uint32_t a = ls, b = le;
    size_t k;
    if (ql_is_blank(s, ls, le)) { prev_text = 0; continue; }
    lines++;
    /* a page of a PDF conversion that starts with one space */
    if (s[ls] == ' ' && ls + 1 < le && s[ls + 1] != ' ') page_starts++;
    ql_trim(s, &a, &b);
    for (k = 0; portal_cues[k]; k++) if (ql_iprefix(s + a, b - a, portal_cues[k])) { portal++; break; }
    if (contains(s, a, b, "Together they form a unique fingerprint")) portal++;
    if (ql_ieq(s + a, b - a, "abstract")) abstract_head++;
    for (k = 0; chrome_cues[k]; k++) if (ql_ieq(s + a, b - a, chrome_cues[k])) { chrome++; break; }
    glued += glued_label(s, a, b);
    if (contains(s, a, b, "**")) bold++;
    sup += superscripts(s, a, b);
    headers += running_header(s, a, b);
    if (s[a] == '#' || ql_iprefix(s + a, b - a, "```") || ql_iprefix(s + ls, le - ls, "    ") || contains(s, a, b, "](")) markdown++;
    /* a hard-wrapped line: 50-90 bytes and the paragraph goes on below */
    if (prev_text && prev_len >= 50 && prev_len <= 90) wrapped++;
    prev_text = 1;
    prev_len = b - a;
  }
  if (portal >= 2) return QL_FMT_PORTAL;
  if ((abstract_head && (chrome || glued)) || (glued && chrome)) return QL_FMT_LANDING;
  if (sup >= 3 || page_starts >= 3 || headers >= 2 || (bold >= 2 && sup >= 1) ||
      (wrapped >= 10 && wrapped * 3 >= lines && markdown == 0))
    return QL_FMT_REPORT;
  return QL_FMT_TEXT;
}
