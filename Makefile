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

.PHONY: all clean install test unit demo fuzz bench format deps

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

# ---- profile formats: pprof through protobuf-c (owner: formats) ------------------------------
# pprof's profile.proto ships in Debian's golang-github-google-pprof-dev; protoc-c turns it into
# C under build/gen at build time. The pprof reader/writer link libprotobuf-c, zlib (gzip) and
# jansson (speedscope, Chrome trace and d3 JSON).
PPROF_PROTO ?= /usr/share/gocode/src/github.com/google/pprof/proto/profile.proto
GEN := $(BUILD)/gen
PROTO_C := $(GEN)/profile.pb-c.c
PROTO_OBJ := $(BUILD)/obj/gen/profile.pb-c.o
PROTO_TOBJ := $(BUILD)/tobj/gen/profile.pb-c.o
ALL_CFLAGS += -I$(GEN) $(shell pkg-config --cflags libprotobuf-c jansson 2>/dev/null)
LDLIBS += $(shell pkg-config --libs libprotobuf-c jansson 2>/dev/null || echo -lprotobuf-c -ljansson)
OBJ += $(PROTO_OBJ)
TOBJ += $(PROTO_TOBJ)
$(BUILD)/scorch: $(PROTO_OBJ)
$(UNIT_BIN): $(PROTO_TOBJ)

$(PROTO_C) $(GEN)/profile.pb-c.h &: $(PPROF_PROTO)
	@mkdir -p $(GEN)
	cp $< $(GEN)/profile.proto
	cd $(GEN) && protoc-c --c_out=. profile.proto

# generated code is not held to scorch's warning set
$(PROTO_OBJ): $(PROTO_C)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(GEN) -c -o $@ $<
$(PROTO_TOBJ): $(PROTO_C)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -O1 -I$(GEN) -c -o $@ $<

# the pprof readers and writers include the generated header
$(BUILD)/obj/src/sink/write_pprof.o $(BUILD)/obj/src/source/read_pprof.o: $(GEN)/profile.pb-c.h
$(BUILD)/tobj/src/sink/write_pprof.o $(BUILD)/tobj/src/source/read_pprof.o: $(GEN)/profile.pb-c.h

# Google's own pprof tool, built offline from Debian's Go sources; tests and bench read every
# .pb.gz scorch writes with it.
PPROF_TOOL := $(BUILD)/tools/pprof
pprof-tool: $(PPROF_TOOL)
$(PPROF_TOOL):
	@mkdir -p $(dir $@)
	GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$(abspath $(BUILD))/gocache \
		go build -o $@ github.com/google/pprof
.PHONY: pprof-tool
