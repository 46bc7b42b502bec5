# pbox — one Makefile, flags in one place.
#   make            build everything into build/
#   make check      unit + integration tests, then again under ASan/UBSan
#   make fuzz       libFuzzer targets, FUZZ_TIME seconds each
#   make bench      benchmarks against runc, crun, nsenter
#   make install    PREFIX=/usr/local DESTDIR=

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
LIBEXECDIR ?= $(PREFIX)/libexec/pbox
FUZZ_TIME ?= 30
SAN     ?=

PKGS    := libcap-ng libselinux libnl-3.0 libnl-route-3.0 msgpack libseccomp
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
STATIC_LIBS := $(shell pkg-config --libs --static libcap-ng libselinux msgpack libseccomp)
CHECK_LIBS := $(shell pkg-config --libs check)

WARN    := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wformat=2 -Wswitch-enum -Wno-missing-field-initializers
HARDEN  := -fstack-protector-strong -fPIC
ifeq ($(SAN),1)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -DPBOX_SAN
SANLD   := -fsanitize=address,undefined
else
OPT     := -O2 -g -D_FORTIFY_SOURCE=3
SANLD   :=
endif
CPPFLAGS := -D_GNU_SOURCE -Iinclude -Ilibipc -DPBOX_LIBEXECDIR=\"$(LIBEXECDIR)\"
CFLAGS  += -std=gnu11 $(WARN) $(HARDEN) $(OPT) $(PKG_CFLAGS)
LDFLAGS += -Wl,-z,relro -Wl,-z,now -Wl,--as-needed $(SANLD)

COMPONENTS := broker mounter initproc enterd pbox
# Every .c of a component except main.c goes into build/lib<component>.a,
# so unit tests can link a component's modules without its main().
lib_srcs = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
objs     = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

IPC_OBJS := $(call objs,$(wildcard libipc/*.c))
$(foreach c,$(COMPONENTS),$(eval $(c)_OBJS := $(call objs,$(call lib_srcs,$(c)))))

BINS := $(BUILD)/pbox $(BUILD)/pbox-broker $(BUILD)/pbox-mounter \
        $(BUILD)/pbox-initproc $(if $(wildcard enterd/main.c),$(BUILD)/pbox-enterd)
ARCHIVES := $(foreach c,$(COMPONENTS),$(BUILD)/lib$(c).a) $(BUILD)/libipc.a

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/check_*.c))
# Root-only suites: integration (real boxes), security (attacks) and faults.
ROOT_TEST_DIRS := tests/integration tests/security tests/faults
INTEG_TESTS := $(foreach d,$(ROOT_TEST_DIRS),$(patsubst $(d)/%.c,$(BUILD)/tests/%,$(wildcard $(d)/check_*.c)))
TESTLIB_OBJS := $(call objs,$(wildcard tests/lib/*.c))

.SECONDEXPANSION:
.SECONDARY:
.PHONY: all check check-run unit integration fuzz bench install clean format ci demo soak
all: $(BINS) $(BUILD)/libpbox.so $(BUILD)/pbox.pc

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libipc.a: $(IPC_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
# The public C API (include/pbox.h) as a shared library: every libipc
# object (built -fPIC), exporting only the pbox_* symbols.
$(BUILD)/libpbox.so: $(IPC_OBJS)
	@mkdir -p $(dir $@)
	printf '{ global: pbox_*; local: *; };\n' >$(BUILD)/libpbox.map
	$(CC) -shared -Wl,-soname,libpbox.so.0 -Wl,--version-script=$(BUILD)/libpbox.map \
	  -Wl,--no-undefined $(CFLAGS) $(LDFLAGS) -o $@ $(IPC_OBJS) $(PKG_LIBS)
# pkg-config file for the installed library; rewritten only when PREFIX
# (or the text) changes.
$(BUILD)/pbox.pc: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' \
	  'includedir=$${prefix}/include' '' 'Name: pbox' \
	  'Description: run and enter pbox containers (boxes) from C' \
	  'Version: 0.1' 'Requires.private: $(PKGS)' \
	  'Libs: -L$${libdir} -lpbox' 'Cflags: -I$${includedir}' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE
FORCE:

$(BUILD)/lib%.a: $$(%_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# initproc runs inside the box after pivot_root, where the host's dynamic
# loader and libraries are absent: it is linked statically, never sanitized.
$(BUILD)/pbox-initproc: initproc/main.c $(initproc_OBJS) $(IPC_OBJS)
	@mkdir -p $(dir $@)
	$(MAKE) --no-print-directory BUILD=$(BUILD)/static SAN= $(BUILD)/static/libinitproc.a $(BUILD)/static/libipc.a
	$(CC) $(CPPFLAGS) -std=gnu11 $(WARN) -O2 -g -D_FORTIFY_SOURCE=3 -fstack-protector-strong $(PKG_CFLAGS) \
	  -static -o $@ initproc/main.c $(BUILD)/static/libinitproc.a $(BUILD)/static/libipc.a $(STATIC_LIBS)

$(BUILD)/pbox-%: $$(%_OBJS) $(BUILD)/obj/%/main.o $(BUILD)/lib%.a $(BUILD)/libipc.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/obj/$*/main.o $(BUILD)/lib$*.a $(BUILD)/libipc.a $(PKG_LIBS)
# The pbox command runs once per enter, status or stop: as a static PIE
# (still randomised) it needs no dynamic loader and starts in half the CPU
# time (make bench). Sanitized builds link it dynamically, as ASan needs.
ifeq ($(SAN),1)
PBOX_LINK := $(PKG_LIBS)
else
PBOX_LINK := -static-pie $(STATIC_LIBS)
endif
$(BUILD)/pbox: $(pbox_OBJS) $(BUILD)/obj/pbox/main.o $(BUILD)/libpbox.a $(BUILD)/libipc.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/obj/pbox/main.o $(BUILD)/libpbox.a $(BUILD)/libipc.a $(PBOX_LINK)

$(BUILD)/tests/%: tests/unit/%.c $(ARCHIVES) $(TESTLIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(shell pkg-config --cflags check) $(LDFLAGS) -o $@ $< \
	  $(TESTLIB_OBJS) $(ARCHIVES) $(PKG_LIBS) $(CHECK_LIBS)
define root_test_rule
$$(BUILD)/tests/%: $(1)/%.c $$(ARCHIVES) $$(TESTLIB_OBJS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) -Itests/lib $$(CFLAGS) $$(shell pkg-config --cflags check) $$(LDFLAGS) -o $$@ $$< \
	  $$(TESTLIB_OBJS) $$(ARCHIVES) $$(PKG_LIBS) $$(CHECK_LIBS)
endef
$(foreach d,$(ROOT_TEST_DIRS),$(eval $(call root_test_rule,$(d))))

# check: everything in the normal build, then everything again sanitized.
check:
	$(MAKE) check-run
	$(MAKE) BUILD=build-san SAN=1 check-run

check-run: $(BINS) $(UNIT_TESTS) $(INTEG_TESTS)
	@PBOX_BUILD=$(abspath $(BUILD)) tests/run-tests.sh $(UNIT_TESTS) $(INTEG_TESTS)

unit: $(BINS) $(UNIT_TESTS)
	@PBOX_BUILD=$(abspath $(BUILD)) tests/run-tests.sh $(UNIT_TESTS)

integration: $(BINS) $(INTEG_TESTS)
	@PBOX_BUILD=$(abspath $(BUILD)) tests/run-tests.sh $(INTEG_TESTS)

# libFuzzer: each tests/fuzz/fuzz_<name>.c links the libipc sources built
# with clang; corpus in tests/fuzz/corpus/<name>/.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -D_GNU_SOURCE -Iinclude -Ilibipc -g -O1 -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS)
FUZZ_SRCS := $(wildcard libipc/*.c) $(call lib_srcs,enterd) $(call lib_srcs,broker)
build-fuzz/%: tests/fuzz/%.c $(FUZZ_SRCS)
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS) $(PKG_LIBS)
fuzz: $(FUZZ_TARGETS)
	@set -e; for t in $(FUZZ_TARGETS); do n=$${t#build-fuzz/fuzz_}; \
	  mkdir -p build-fuzz/corpus-$$n; \
	  echo "fuzz: $$n for $(FUZZ_TIME)s"; \
	  $$t -max_total_time=$(FUZZ_TIME) -print_final_stats=0 -close_fd_mask=3 \
	    build-fuzz/corpus-$$n tests/fuzz/corpus/$$n >build-fuzz/$$n.log 2>&1 \
	    || { tail -50 build-fuzz/$$n.log; exit 1; }; done

# What CI runs (.ci/run → scripts/test.sh → here): build, make check, make fuzz.
ci:
	scripts/ci.sh

demo:
	scripts/demo.sh

# Boxes started and stopped in a loop under concurrent enters; fails on
# growth or on any failed request (scripts/soak.sh). CI runs 120 s.
DURATION ?= 120
soak: all
	scripts/soak.sh $(abspath $(BUILD)) $(DURATION)

bench: all
	tests/bench/bench.sh $(abspath $(BUILD))

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(BUILD)/pbox $(DESTDIR)$(PREFIX)/bin/pbox
	install -m 0755 $(filter-out $(BUILD)/pbox,$(BINS)) $(DESTDIR)$(LIBEXECDIR)/
	install -d $(DESTDIR)$(PREFIX)/include
	install -m 0644 include/pbox.h $(DESTDIR)$(PREFIX)/include/
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 0755 $(BUILD)/libpbox.so $(DESTDIR)$(PREFIX)/lib/libpbox.so.0
	ln -sf libpbox.so.0 $(DESTDIR)$(PREFIX)/lib/libpbox.so
	install -m 0644 $(BUILD)/pbox.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(wildcard man/*.8) $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|/usr/local/bin/pbox|$(PREFIX)/bin/pbox|g' 'contrib/systemd/pbox@.service' \
	  >'$(DESTDIR)$(PREFIX)/lib/systemd/system/pbox@.service'
	chmod 0644 '$(DESTDIR)$(PREFIX)/lib/systemd/system/pbox@.service'
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 contrib/bash-completion/pbox $(DESTDIR)$(PREFIX)/share/bash-completion/completions/pbox

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
