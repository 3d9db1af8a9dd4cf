/* reflow.h - what the report and text readers share: line reflow with
 * dehyphenation, inline Markdown markup, OCR slip repairs backed by evidence
 * from the document, and footnote markers (footnote.c).  Not public API. */
#ifndef QL_REFLOW_H
#define QL_REFLOW_H

#include "ql_internal.h"

/* A spot found by the pre-scan that emission may repair. */
enum {
  RF_HYPH = 1,      /* "organi-" at a line end, next line "sation..." */
  RF_GLUED,         /* "Itis" -> "It is" (table) */
  RF_I_GLYPH,       /* "[talian", "|CSs": a glyph standing for I at a word start */
  RF_L_FOR_I,       /* "ltaly": l standing for I at a word start */
  RF_STRAY_CAP,     /* "skKill": a capital repeating its neighbour in a lower-case word */
  RF_ACRONYM        /* "Al" for "AI" between lower-case words */
};

typedef struct {
  uint32_t s, e;       /* source span of the word (RF_HYPH: the hyphen) */
  uint32_t want, want2;/* indices into the evidence table, UINT32_MAX if none */
  uint8_t kind;
  uint8_t keep;        /* RF_HYPH: the prefix usually forms compounds (want2: joined word) */
  uint16_t pos;        /* offset of the replaced character inside [s, e) */
} ql_rf_cand;

typedef struct {
  uint32_t off, len;   /* folded form in wchars */
  uint64_t hash;
  uint8_t found;
} ql_rf_word;

/* A footnote marker emitted in the text. */
typedef struct { int32_t n; uint32_t ms, me, src; } ql_rf_marker;
/* A footnote block: its number, block index and source position. */
typedef struct { int32_t n; int32_t block; uint32_t src; } ql_rf_note;

typedef struct {
  ql_doc *d;
  ql_vec cands;        /* ql_rf_cand, by source position */
  ql_vec words;        /* ql_rf_word: forms whose presence is evidence */
  ql_vec wchars;       /* char */
  ql_vec wslots;       /* uint32_t: hash slots holding word index + 1 */
  uint64_t wlen_mask;  /* bit k: some wanted form has length k */
  unsigned char cls[256]; /* byte classes for the scans (C_* in reflow.c) */
  uint32_t pairs[2048];   /* bit per byte pair that may mark a slip */
  ql_vec markers;      /* ql_rf_marker */
  ql_vec notes;        /* ql_rf_note */
  ql_vec scratch;      /* int32_t, for the linker */
  int bold, italic;    /* inline markup open in the current block */
  int nojoin;          /* the next line joins without a space */
  uint32_t prev_e;     /* source end of the last line emitted */
  uint32_t cand_hint;  /* the last answer of the candidate search */
} ql_reflow;

void ql_rf_init(ql_reflow *r, ql_doc *d);
void ql_rf_free(ql_reflow *r);

/* Pre-scan of one source line [s, e); next_s/next_e is the following line
 * in the same paragraph (next_e == next_s when none). */
void ql_rf_scan_line(ql_reflow *r, uint32_t s, uint32_t e, uint32_t next_s, uint32_t next_e);
/* Looks for evidence of the wanted forms in the whole source. */
void ql_rf_evidence(ql_reflow *r);

/* Emission: begin a block, then its lines (trimmed, in order); `next_s` is
 * the start of the next line of the same block, or UINT32_MAX. */
void ql_rf_begin(ql_reflow *r);
void ql_rf_line(ql_reflow *r, uint32_t s, uint32_t e, uint32_t next_s);
/* Joins two parts of one paragraph that the source has apart. */
void ql_rf_join(ql_reflow *r, uint32_t src_pos);

/* Superscript digit at s[i]: its value 0-9 and byte length, or -1. */
int ql_rf_sup_digit(const char *s, uint32_t i, uint32_t e, int *len);

/* ---- footnote.c ---- */
/* A paragraph starting with a superscript number is a footnote: returns the
 * number and sets *body to the start of its text, or -1. */
int32_t ql_fn_start(const char *s, uint32_t a, uint32_t b, uint32_t *marker_end, uint32_t *body);
/* Whether source [a, b) is a lone URL "<https://...>." (sets the URL span). */
int ql_fn_lone_url(const char *s, uint32_t a, uint32_t b, uint32_t *us, uint32_t *ue);
/* Whether [a, b) holds a URL or DOI. */
int ql_fn_has_url(const char *s, uint32_t a, uint32_t b);
/* How many words of the URL [us, ue) occur in the footnote text [a, b). */
int ql_fn_url_score(const char *s, uint32_t us, uint32_t ue, uint32_t a, uint32_t b);
/* Links every recorded marker to its footnote block (or warns). */
void ql_fn_link(ql_reflow *r);

#endif
