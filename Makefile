# qualua - see README.md.  Variable names follow LuaRocks so `make` and
# `luarocks make` agree.
LUA ?= lua5.4
LUA_INCDIR ?= /usr/include/lua5.4
CC ?= cc
CFLAGS ?= -O3 -fPIC
LIBFLAG ?= -shared
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib/lua/5.4
LUADIR ?= $(PREFIX)/share/lua/5.4
BINDIR ?= $(PREFIX)/bin
WARN = -std=c99 -Wall -Wextra -Werror -pedantic -Wshadow -Wmissing-prototypes -Wstrict-prototypes
DEFS = -D_POSIX_C_SOURCE=200809L
LIBS = -lutf8proc -lsqlite3
BUSTED = $(LUA) /usr/bin/busted
TEST_CFLAGS ?= -O2 -g
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1

CORE_SRC = $(wildcard src/*.c)
BIND_SRC = $(wildcard src/lua/*.c)
HEADERS = $(wildcard src/*.h src/lua/*.h)
MODULE = build/qualua/core.so
DEB_PACKAGES = lua5.4 liblua5.4-dev lua-lpeg lua-busted lua-cjson lua-argparse lua-filesystem lua-yaml libxml2-utils cppcheck libsqlite3-dev libutf8proc-dev chromium luarocks unzip gcc make

.PHONY: all deps test test-c spec asan bench run fuzz install clean cppcheck

all: $(MODULE)

$(MODULE): $(CORE_SRC) $(BIND_SRC) $(HEADERS)
	@mkdir -p build/qualua
	$(CC) $(CFLAGS) $(WARN) $(DEFS) -I$(LUA_INCDIR) $(LIBFLAG) -o $@ $(CORE_SRC) $(BIND_SRC) $(LIBS)

# Installs the Debian packages the project needs, only when some are missing.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

test: deps $(MODULE) cppcheck test-c spec

spec: $(MODULE)
	$(BUSTED) --lua=$(LUA) spec

build/test_core: spec/c/test_core.c spec/c/test_util.h $(CORE_SRC) $(HEADERS)
	@mkdir -p build
	$(CC) $(TEST_CFLAGS) $(WARN) $(DEFS) -o $@ spec/c/test_core.c $(CORE_SRC) $(LIBS)

# The same tests on the portable byte scans (simd.h without SSE2).
build/test_core_portable: spec/c/test_core.c spec/c/test_util.h $(CORE_SRC) $(HEADERS)
	@mkdir -p build
	$(CC) $(TEST_CFLAGS) $(WARN) $(DEFS) -DQL_NO_SIMD -o $@ spec/c/test_core.c $(CORE_SRC) $(LIBS)

build/test_host: spec/c/test_host.c $(MODULE)
	$(CC) $(TEST_CFLAGS) -std=c99 -Wall -Wextra -Werror $(DEFS) -I$(LUA_INCDIR) -o $@ spec/c/test_host.c -llua5.4 -lpthread

build/test_serialize: spec/c/test_serialize.c spec/c/test_util.h $(CORE_SRC) $(HEADERS)
	@mkdir -p build
	$(CC) $(TEST_CFLAGS) $(WARN) $(DEFS) -o $@ spec/c/test_serialize.c $(CORE_SRC) $(LIBS)

test-c: build/test_core build/test_core_portable build/test_serialize build/test_host
	build/test_core seeds
	build/test_core_portable seeds
	build/test_serialize seeds
	build/test_host

# The core and the specs under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps
	$(MAKE) clean
	$(MAKE) $(MODULE) build/test_core build/test_core_portable build/test_serialize build/test_host CFLAGS="$(SANITIZE) -fPIC" \
	  LIBFLAG="-shared $(SANITIZE)" TEST_CFLAGS="$(SANITIZE)" LIBS="$(LIBS) $(SANITIZE)"
	build/test_core seeds
	build/test_core_portable seeds
	build/test_serialize seeds
	ASAN_OPTIONS=detect_leaks=1 build/test_host
	LD_PRELOAD=$$($(CC) -print-file-name=libasan.so):$$($(CC) -print-file-name=libubsan.so) \
	  ASAN_OPTIONS=detect_leaks=0 $(BUSTED) --lua=$(LUA) spec
	$(MAKE) clean

cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c99 --inline-suppr -I src src

bench: deps $(MODULE)
	$(LUA) bench/run.lua

run: deps $(MODULE)
	$(LUA) bin/qualua run seeds -o report.html

fuzz:
	$(MAKE) -C spec/fuzz

install: $(MODULE)
	install -d $(DESTDIR)$(LIBDIR)/qualua $(DESTDIR)$(LUADIR)/qualua $(DESTDIR)$(BINDIR)
	install -m 755 $(MODULE) $(DESTDIR)$(LIBDIR)/qualua/core.so
	cp -R lua/qualua/. $(DESTDIR)$(LUADIR)/qualua/
	install -m 755 bin/qualua $(DESTDIR)$(BINDIR)/qualua

clean:
	rm -rf build src/*.o src/lua/*.o qualua
