/* mem.c - growable arrays over the caller's allocator. */
#define _DEFAULT_SOURCE /* madvise */
#include "ql_internal.h"
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#define QL_MADV_POPULATE_WRITE 23 /* MADV_POPULATE_WRITE, not yet in every libc header */
#endif

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

/* Faults in, in one call, the pages of v's elements [from, to) that the
   caller is about to write.  Taken one by one, a page fault costs a trap
   each (about 2.4 us a page on the benchmark machine, 1.7 us populated in
   bulk); where the kernel can populate a range (Linux 5.14+), this is
   cheaper.  The call itself costs several microseconds, and a short
   document's arrays usually reuse memory its predecessors freed, so ranges
   under 64 pages are left to the faults.  Only a hint: the content is
   unchanged and a failure is fine. */
void ql_vec_prefault(ql_vec *v, size_t elsize, size_t from, size_t to) {
#ifdef QL_MADV_POPULATE_WRITE
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a, b;
  if (to * elsize > v->bytes) to = v->bytes / elsize;
  if (!v->p || from >= to || page == 0 || (page & (page - 1))) return;
  a = ((uintptr_t)v->p + from * elsize + page - 1) & ~(page - 1);
  b = ((uintptr_t)v->p + to * elsize) & ~(page - 1);
  if (b >= a + 64 * page) (void)madvise((void *)a, b - a, QL_MADV_POPULATE_WRITE);
#else
  (void)v; (void)elsize; (void)from; (void)to;
#endif
}
