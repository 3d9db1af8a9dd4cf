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
  if (need <= v->bytes / elsize) { v->cap = (uint32_t)(v->bytes / elsize); return; }
  if (need > UINT32_MAX / 2 || need > SIZE_MAX / 2 / elsize) {
    if (m->oom) longjmp(*m->oom, 1);
    return;
  }
  /* grow by 1.5: peak memory matters more than a few extra copies */
  cap = v->bytes / elsize;
  if (cap < 8) cap = 8;
  while (cap < need) cap += cap / 2 + 8;
  {
    void *p = ql_mem_grow(m, v->p, v->bytes, cap * elsize);
    if (!p) return; /* only without an OOM handler: the array stays as it was */
    v->p = p;
    v->bytes = cap * elsize;
    v->cap = (uint32_t)cap;
  }
}

void ql_vec_free(ql_mem *m, ql_vec *v, size_t elsize) {
  (void)elsize; /* the byte size is recorded */
  if (v->p) m->f(m->ud, v->p, v->bytes, 0);
  v->p = NULL;
  v->n = v->cap = 0;
  v->bytes = 0;
}
