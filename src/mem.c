/* mem.c - growable arrays over the caller's allocator. */
#include "ql_internal.h"

void *ql_mem_grow(ql_mem *m, void *p, size_t osize, size_t nsize) {
  void *q = m->f(m->ud, p, osize, nsize);
  if (q == NULL && nsize > 0) {
    if (m->oom) longjmp(*m->oom, 1);
  }
  return q;
}

void ql_vec_reserve(ql_mem *m, ql_vec *v, size_t elsize, size_t need) {
  size_t cap;
  if (need <= v->cap) return;
  if (need > UINT32_MAX / 2 || need > SIZE_MAX / 2 / elsize) {
    if (m->oom) longjmp(*m->oom, 1);
    return;
  }
  /* grow by 1.5: peak memory matters more than a few extra copies */
  cap = v->cap ? v->cap : 8;
  while (cap < need) cap += cap / 2 + 8;
  v->p = ql_mem_grow(m, v->p, v->cap * elsize, cap * elsize);
  v->cap = (uint32_t)cap;
}

void ql_vec_free(ql_mem *m, ql_vec *v, size_t elsize) {
  if (v->p) m->f(m->ud, v->p, v->cap * elsize, 0);
  v->p = NULL;
  v->n = v->cap = 0;
}
