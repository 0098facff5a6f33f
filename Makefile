# SPDX-License-Identifier: MIT
# scorch: one Makefile; everything is built under build/.

CC      ?= gcc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   := build
V       ?= 0

PKGS    := libelf libdw ncursesw zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wmissing-prototypes -Wno-unused-parameter
CFLAGS  ?= -O2 -g -fno-omit-frame-pointer
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -MMD -MP -Isrc $(PKG_CFLAGS)
LDLIBS  := $(PKG_LIBS) -liberty -lpthread -lm

# The scorch binary: every .c under src/ except the self-profiler library, fuzz entry points
# and BPF programs.
SRC := $(shell find src -name '*.c' -not -path 'src/selfprof/*' -not -name '*.bpf.c' | sort)
OBJ := $(SRC:%.c=$(BUILD)/obj/%.o)
LIB_SRC := $(filter-out src/cli/%,$(SRC))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)

# Sanitized objects for unit tests.
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer
TOBJ := $(LIB_SRC:%.c=$(BUILD)/tobj/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all clean install test test-mutant unit demo fuzz bench format deps

all: $(BUILD)/scorch

$(BUILD)/scorch: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Embedded assets: the SVG's script lives in a .js file and is compiled in as a string.
src/sink/svg_script.h: src/sink/svg_script.js scripts/embed.py
	python3 scripts/embed.py $< $@ svg_script

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -O1 -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(TOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -O1 -o $@ $< $(TOBJ) $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)

# The README's two commands: each installs what is missing first (scripts/install-deps.sh),
# then builds in a fresh make so pkg-config sees the new packages.
deps:
	./scripts/install-deps.sh

test: deps
	$(MAKE) all unit
	./tests/run.sh

# Every shell check must fail when scorch is replaced by /bin/true or /bin/false (not in test).
test-mutant:
	./tests/mutant.sh

demo: deps
	$(MAKE) all
	./scripts/demo.sh

fuzz:
	$(MAKE) -f tests/fuzz/Makefile

bench: deps
	$(MAKE) all
	./bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/scorch $(DESTDIR)$(PREFIX)/bin/scorch
	install -d $(DESTDIR)$(PREFIX)/lib
	install -m 0644 $(BUILD)/libscorch-selfprof.so $(DESTDIR)$(PREFIX)/lib/libscorch-selfprof.so
	install -d $(DESTDIR)$(PREFIX)/include/scorch
	install -m 0644 src/selfprof/selfprof.h $(DESTDIR)$(PREFIX)/include/scorch/selfprof.h

format:
	clang-format -i $(shell find src tests -name '*.[ch]')

clean:
	rm -rf $(BUILD)

-include $(OBJ:.o=.d) $(TOBJ:.o=.d)

# ---- self-profiler library (owner: record/selfprof) ------------------------------------------
# build/libscorch-selfprof.so: LD_PRELOAD-able SIGPROF sampler from src/selfprof/, plus the
# shared frame-naming rule and util. Position independent, only the scorch_selfprof_* API and
# the pthread_create wrapper are exported (-fvisibility=hidden).
SELFPROF_SRC := $(sort $(wildcard src/selfprof/*.c)) src/source/frame_name.c src/source/perf_names.c \
		src/util/util.c
SELFPROF_OBJ := $(SELFPROF_SRC:%.c=$(BUILD)/pic/%.o)
SELFPROF_LIB := $(BUILD)/libscorch-selfprof.so

all: $(SELFPROF_LIB)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -fno-omit-frame-pointer -c -o $@ $<

$(SELFPROF_LIB): $(SELFPROF_OBJ)
	$(CC) $(CFLAGS) -shared -Wl,--no-undefined -Wl,--exclude-libs,ALL -o $@ $^ -lelf -liberty -lpthread

-include $(SELFPROF_OBJ:.o=.d)
