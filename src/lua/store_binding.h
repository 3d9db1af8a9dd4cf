/* store_binding.h - the project store's part of qualua.core. */
#ifndef QL_STORE_BINDING_H
#define QL_STORE_BINDING_H
#include <lua.h>
/* Adds sqlite_open (the Db and Stmt types), load_blob, hash64 and the Doc
 * method save_blob to the module table on top of the stack. */
void ql_lua_open_store(lua_State *L);
#endif
