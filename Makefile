# SPDX-License-Identifier: MIT
# scorch: one Makefile; everything is built under build/.

CC      ?= gcc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   := build
V       ?= 0

# libmicrohttpd and libcurl: headers only. They are opened with dlopen by the commands that use
# them (serve, --push; src/util/dynload.h): linked, they and the ~30 libraries they pull in
# cost every command ~20 ms of start-up.
PKGS    := libelf libdw ncursesw zlib
DL_PKGS := libmicrohttpd libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(DL_PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wmissing-prototypes -Wno-unused-parameter
CFLAGS  ?= -O2 -g -fno-omit-frame-pointer
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -MMD -MP -Isrc -I$(BUILD)/gen $(PKG_CFLAGS)
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

.PHONY: all clean install test test-mutant unit demo fuzz fuzz-build bench format deps

all: $(BUILD)/scorch

$(BUILD)/scorch: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(SCORCH_LDLIBS)

# Embedded assets: the SVG's script lives in a .js file and is compiled in as a string
# (build/gen/svg_script.h, generated, not committed). Objects that include it depend on it
# explicitly, since the -MMD files do not exist before the first build.
GEN_HDR := $(BUILD)/gen/svg_script.h
$(BUILD)/gen/svg_script.h: src/sink/svg_script.js scripts/embed.py
	@mkdir -p $(dir $@)
	python3 scripts/embed.py $< $@ svg_script

$(BUILD)/obj/src/sink/write_svg.o $(BUILD)/tobj/src/sink/write_svg.o: $(GEN_HDR)

# The canvas viewer's script and style (src/web/viewer/), inlined into -o FILE.html pages and
# served by scorch serve. The script's modules are joined in this order inside one function
# (only ScorchViewer, api.js's, is global). "</" would end the page's <script> element early:
# refused.
VIEWER_JS := $(addprefix src/web/viewer/,util.js data.js viewer.js draw.js search.js heatmap.js diff.js api.js)
VIEWER_HDR := $(BUILD)/gen/viewer_js.h $(BUILD)/gen/viewer_css.h
$(BUILD)/gen/viewer.js: $(VIEWER_JS)
	@mkdir -p $(dir $@)
	@! grep -n '</\|<!--' $^ || { echo "src/web/viewer: no '</' or '<!--' allowed (inlined in <script>)"; exit 1; }
	{ echo 'var ScorchViewer = (function () {'; cat $^; echo 'return api;'; echo '})();'; } >$@
$(BUILD)/gen/viewer_js.h: $(BUILD)/gen/viewer.js scripts/embed.py
	python3 scripts/embed.py $< $@ viewer_js
$(BUILD)/gen/viewer_css.h: src/web/viewer/viewer.css scripts/embed.py
	@mkdir -p $(dir $@)
	python3 scripts/embed.py $< $@ viewer_css

$(BUILD)/obj/src/web/viewer.o $(BUILD)/tobj/src/web/viewer.o $(BUILD)/pic/src/web/viewer.o: $(VIEWER_HDR)

# scorch serve's page (src/web/assets/), embedded the same way; nothing is served from disk.
WEB_ASSETS := app.html app.js app.css
WEB_HDR := $(WEB_ASSETS:%=$(BUILD)/gen/web_%.h)
$(BUILD)/gen/web_%.h: src/web/assets/% scripts/embed.py
	@mkdir -p $(dir $@)
	python3 scripts/embed.py $< $@ web_$(subst .,_,$*)

$(BUILD)/obj/src/web/pages.o $(BUILD)/tobj/src/web/pages.o: $(WEB_HDR)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -O1 -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(TOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -O1 -o $@ $< $(TOBJ) $(LDLIBS) -lcmocka

unit: $(UNIT_BIN) $(BUILD)/tests/test_live_tsan

# The live profile's threads once more under ThreadSanitizer (it cannot share ASan's objects).
TSAN_SRC := $(sort $(wildcard src/model/*.c)) src/util/util.c src/util/hashmap.c
$(BUILD)/tests/test_live_tsan: tests/unit/test_live.c $(TSAN_SRC) $(wildcard src/model/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -fsanitize=thread -O1 -o $@ $< $(TSAN_SRC) \
		$(LDLIBS) -lcmocka

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

# make fuzz builds every libFuzzer target and runs each for FUZZ_SECONDS (default 300);
# make test runs them for 10 s each (tests/fuzz/t_fuzz.sh).
fuzz: fuzz-build all
	./tests/fuzz/run.sh

fuzz-build:
	$(MAKE) -f tests/fuzz/Makefile

bench: deps
	$(MAKE) all $(BUILD)/bench/tui_bench
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
# build/libscorch-selfprof.so: LD_PRELOAD-able SIGPROF sampler from src/selfprof/. At write time
# it hands raw addresses to the same symbolizer, profile model and writers as the scorch binary,
# so those are compiled in too and libelf, libdw, zlib and libiberty are linked. Position
# independent; only the scorch_selfprof_* API and the pthread_create wrapper are exported
# (-fvisibility=hidden, and --exclude-libs hides what the static libiberty brings).
SELFPROF_SRC := $(sort $(wildcard src/selfprof/*.c src/symbol/*.c src/model/*.c src/sink/*.c \
		src/util/*.c)) src/source/frame_name.c src/source/perf_names.c src/web/viewer.c
SELFPROF_OBJ := $(SELFPROF_SRC:%.c=$(BUILD)/pic/%.o)
SELFPROF_LIB := $(BUILD)/libscorch-selfprof.so
SELFPROF_LIBS := $(shell pkg-config --libs libelf libdw zlib 2>/dev/null) -liberty -lpthread -lm

all: $(SELFPROF_LIB)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -fno-omit-frame-pointer -c -o $@ $<

$(SELFPROF_LIB): $(SELFPROF_OBJ)
	$(CC) $(CFLAGS) -shared -Wl,--no-undefined -Wl,--exclude-libs,ALL -o $@ $^ $(SELFPROF_LIBS)

-include $(SELFPROF_OBJ:.o=.d)

# ---- BPF programs (owner: source/bpf) ---------------------------------------------------------
# src/bpf/X.bpf.c -> build/bpf/X.bpf.o (clang, CO-RE against build/gen/vmlinux.h, generated
# from the running kernel's BTF and never committed) -> build/gen/X.skel.h (bpftool), which
# src/source/bpf.c includes. The scorch binary and the unit tests link libbpf.
BPF_CLANG   ?= clang
BPF_STRIP   ?= llvm-strip
BPFTOOL     ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_SRC  := $(sort $(wildcard src/bpf/*.bpf.c))
BPF_OBJ  := $(BPF_SRC:src/bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKEL := $(BPF_SRC:src/bpf/%.bpf.c=$(BUILD)/gen/%.skel.h)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -I$(BUILD)/gen -Isrc/bpf -Wall -Werror

ALL_CFLAGS += -I$(BUILD)/gen $(shell pkg-config --cflags libbpf 2>/dev/null)
LDLIBS     += $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf)

$(BUILD)/gen/vmlinux.h: $(VMLINUX_BTF)
	@mkdir -p $(dir $@)
	$(BPFTOOL) btf dump file $< format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: src/bpf/%.bpf.c $(BUILD)/gen/vmlinux.h $(wildcard src/bpf/*.h)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(BPF_STRIP) -g $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

.SECONDARY: $(BPF_OBJ)

# The kernel types the objects relocate against, cut from the build kernel's BTF (a few hundred
# bytes), with that kernel's build-id: on the same kernel, libbpf reads these instead of parsing
# all of /sys/kernel/btf/vmlinux at every start (src/source/bpf_btf.c).
KERNEL_NOTES := $(if $(filter /sys/kernel/btf/vmlinux,$(VMLINUX_BTF)),/sys/kernel/notes,-)
$(BUILD)/gen/min_btf.h: $(BPF_OBJ) scripts/embed_btf.py
	$(BPFTOOL) gen min_core_btf $(VMLINUX_BTF) $(BUILD)/gen/min.btf $(BPF_OBJ)
	python3 scripts/embed_btf.py $(BUILD)/gen/min.btf $(KERNEL_NOTES) $@.tmp && mv $@.tmp $@
$(BUILD)/obj/src/source/bpf_btf.o $(BUILD)/tobj/src/source/bpf_btf.o: $(BUILD)/gen/min_btf.h

# Every object of the binary and the unit tests is compiled after the skeletons exist.
$(OBJ) $(TOBJ): | $(BPF_SKEL)
$(BUILD)/obj/src/source/bpf.o $(BUILD)/tobj/src/source/bpf.o: $(BPF_SKEL)
$(BUILD)/obj/src/source/bpf_attach.o $(BUILD)/tobj/src/source/bpf_attach.o: $(BPF_SKEL)
$(BUILD)/obj/src/source/bpf_offcpu.o $(BUILD)/tobj/src/source/bpf_offcpu.o: $(BPF_SKEL)

# ---- profile formats: pprof through protobuf-c (owner: formats) ------------------------------
# pprof's profile.proto ships in Debian's golang-github-google-pprof-dev; protoc-c turns it into
# C under build/gen at build time. The pprof reader/writer link libprotobuf-c and zlib (gzip);
# the JSON readers (speedscope, Chrome trace, d3) parse with yajl's streaming callbacks. jansson
# is the web UI's (src/web).
PPROF_PROTO ?= /usr/share/gocode/src/github.com/google/pprof/proto/profile.proto
GEN := $(BUILD)/gen
PROTO_C := $(GEN)/profile.pb-c.c
PROTO_OBJ := $(BUILD)/obj/gen/profile.pb-c.o
PROTO_TOBJ := $(BUILD)/tobj/gen/profile.pb-c.o
ALL_CFLAGS += -I$(GEN) $(shell pkg-config --cflags libprotobuf-c jansson yajl 2>/dev/null)
LDLIBS += $(shell pkg-config --libs libprotobuf-c jansson yajl 2>/dev/null || echo -lprotobuf-c -ljansson -lyajl)
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

# The self-profiler links every sink, pprof's generated code included.
SELFPROF_PROTO_OBJ := $(BUILD)/pic/gen/profile.pb-c.o
$(SELFPROF_PROTO_OBJ): $(PROTO_C)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -I$(GEN) -c -o $@ $<
$(SELFPROF_LIB): $(SELFPROF_PROTO_OBJ)
$(SELFPROF_OBJ): | $(GEN)/profile.pb-c.h
SELFPROF_LIBS += $(shell pkg-config --libs libprotobuf-c 2>/dev/null || echo -lprotobuf-c)

# The scorch binary takes libdw, ncursesw, protobuf-c, jansson, yajl (and libdw's lzma and bz2)
# from their static archives when all are installed: every shared library costs each command
# its mapping and relocation at start-up, about 2 ms for these 8 here (7% of a 31 MB collapse,
# all of `scorch --version`'s difference from /bin/true but 2 ms). libelf and zlib stay
# shared, as libbpf.so loads them anyway; libbpf's archive would clash with scorch's own
# hashmap__* names. Without the archives everything is linked shared, as before.
STATIC_ARCHIVES := libdw.a libncursesw.a libtinfo.a libprotobuf-c.a libjansson.a libyajl_s.a \
		   liblzma.a libbz2.a
HAVE_STATIC := $(shell for a in $(STATIC_ARCHIVES); do \
	[ -f "$$($(CC) -print-file-name=$$a)" ] || { echo no; exit 0; }; done; echo yes)
ifeq ($(HAVE_STATIC),yes)
SCORCH_LDLIBS = -Wl,-Bstatic -ldw -lncursesw -ltinfo -lprotobuf-c -ljansson -lyajl_s -llzma -lbz2 \
		-Wl,-Bdynamic -lelf -lz $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf) \
		-liberty -lpthread -lm
else
SCORCH_LDLIBS = $(LDLIBS)
endif

# Benchmark programs live in bench/, never in the scorch binary (after the sections above:
# they link what the binary links, pprof's generated code included).
$(BUILD)/bench/tui_bench: bench/tui_bench.c $(LIB_OBJ) $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/bench/cputime: bench/cputime.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<
$(BUILD)/bench/bpf_dwarf_bench: bench/bpf_dwarf_bench.c $(LIB_OBJ) $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)
