/* test_util.h - what the C tests share: reading a whole file. */
#ifndef QL_TEST_UTIL_H
#define QL_TEST_UTIL_H
#include <stdio.h>
#include <stdlib.h>

/* The whole file in a malloc'd buffer (NUL-terminated), or NULL. */
static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END); n = ftell(f); fseek(f, 0, SEEK_SET);
  buf = (char *)malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
  if (buf) buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}
#endif
