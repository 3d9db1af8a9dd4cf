/* enumerate.c - placeholder until the enumeration finder lands. */
#include "ql_internal.h"

void ql_find_enumerations(ql_doc *d) { (void)d; }
