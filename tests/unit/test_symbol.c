// SPDX-License-Identifier: MIT
/* Unit tests for src/symbol: real programs compiled at test time, kallsyms, JIT maps. */
#define _GNU_SOURCE /* dladdr */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symbol/internal.h"
#include "symbol/symbolizer.h"

/* A pid above pid_max: never a live process, so only what the test adds is known. */
#define FAKE_PID 0x7ff00000u

static char tmpdir[64];
static char prog_path[PATH_MAX]; /* C, PIE, with two levels of forced inlining */
static char cxx_path[PATH_MAX];  /* C++: template member, anonymous namespace */

/* Line numbers below are asserted by the inline tests. */
static const char prog_src[] =
	"#include <stdio.h>\n"						/* 1 */
	"#include <unistd.h>\n"						/* 2 */
	"static inline __attribute__((always_inline)) int leaf_fn(int a)\n" /* 3 */
	"{\n"								/* 4 */
	"	__asm__ volatile(\".globl scorch_mark\\nscorch_mark:\\n\\tnop\");\n" /* 5 */
	"	return a * 3;\n"					/* 6 */
	"}\n"								/* 7 */
	"static inline __attribute__((always_inline)) int mid_fn(int a)\n" /* 8 */
	"{\n"								/* 9 */
	"	return leaf_fn(a + 1) + 2;\n"				/* 10 */
	"}\n"								/* 11 */
	"__attribute__((noinline)) int outer_fn(int a)\n"		/* 12 */
	"{\n"								/* 13 */
	"	return mid_fn(a) * 5;\n"				/* 14 */
	"}\n"								/* 15 */
	"int main(int argc, char **argv)\n"				/* 16 */
	"{\n"								/* 17 */
	"	char c;\n"						/* 18 */
	"	printf(\"%p\\n\", (void *)main);\n"			/* 19 */
	"	fflush(stdout);\n"					/* 20 */
	"	(void)!read(0, &c, 1);\n"				/* 21 */
	"	return outer_fn(argc) & 1;\n"				/* 22 */
	"}\n";

static const char cxx_src[] =
	"#include <cstdio>\n"
	"#include <unistd.h>\n"
	"namespace geo {\n"
	"template <typename T> struct Vec {\n"
	"	T x;\n"
	"	__attribute__((noinline)) T dot(const Vec &o) const { return x * o.x + 1; }\n"
	"};\n"
	"}\n"
	"namespace {\n"
	"__attribute__((noinline)) int hidden(int v) { return v * 7 + 1; }\n"
	"}\n"
	"int main(int argc, char **)\n"
	"{\n"
	"	volatile double d = argc;\n"
	"	geo::Vec<double> a{ d };\n"
	"	char c;\n"
	"	printf(\"%p\\n\", (void *)main);\n"
	"	fflush(stdout);\n"
	"	(void)!read(0, &c, 1);\n"
	"	return (int)a.dot(a) + hidden(argc);\n"
	"}\n";

/* ---- helpers ---- */

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Address of an exact symbol name in `nm` output (mangled), or 0. */
static uint64_t nm_addr(const char *bin, const char *sym)
{
	char cmd[PATH_MAX + 32], line[1024];
	snprintf(cmd, sizeof(cmd), "nm '%s'", bin);
	FILE *p = popen(cmd, "r");
	uint64_t addr = 0;
	while (p && fgets(line, sizeof(line), p)) {
		char name[900], type;
		uint64_t a;
		if (sscanf(line, "%" SCNx64 " %c %899s", &a, &type, name) == 3 &&
		    strcmp(name, sym) == 0)
			addr = a;
	}
	if (p)
		pclose(p);
	return addr;
}

/* The build-id as `readelf -n` prints it (hex), "" when it has none. */
static void readelf_build_id(const char *bin, char *out, size_t size)
{
	char cmd[PATH_MAX + 32], line[1024];
	snprintf(cmd, sizeof(cmd), "readelf -n '%s'", bin);
	FILE *p = popen(cmd, "r");
	out[0] = '\0';
	while (p && fgets(line, sizeof(line), p)) {
		char *b = strstr(line, "Build ID: ");
		if (b && sscanf(b + 10, "%127s", out) == 1)
			break;
	}
	if (p)
		pclose(p);
	(void)size;
}

/* The hex of a frame's build-id. */
static void hex_of(const uint8_t *id, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
	out[2 * n] = '\0';
}

/* The `r-xp` line of bin in /proc/PID/maps: its start, end and offset. */
static int maps_exec_line(pid_t pid, const char *bin, uint64_t *start, uint64_t *end,
			  uint64_t *off)
{
	char path[64], line[PATH_MAX + 128];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "r");
	int rc = -1;
	while (f && fgets(line, sizeof(line), f)) {
		char perms[8];
		int pos = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %n", start, end,
			   perms, off, &pos) >= 4 &&
		    perms[2] == 'x' && strncmp(line + pos, bin, strlen(bin)) == 0) {
			rc = 0;
			break;
		}
	}
	if (f)
		fclose(f);
	return rc;
}

struct child {
	pid_t pid;
	int in;          /* write end of its stdin: closing it lets it exit */
	uint64_t main_rt; /* runtime address of main, as it printed */
};

static int child_start(const char *bin, struct child *c)
{
	int to[2], from[2];
	if (pipe(to) || pipe(from))
		return -1;
	c->pid = fork();
	if (c->pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[1]);
		close(from[0]);
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	c->in = to[1];
	FILE *f = fdopen(from[0], "r");
	char line[64] = "";
	if (!f || !fgets(line, sizeof(line), f))
		return -1;
	fclose(f);
	c->main_rt = strtoull(line, NULL, 16);
	return c->main_rt ? 0 : -1;
}

static void child_stop(struct child *c)
{
	kill(c->pid, SIGKILL);
	close(c->in);
	waitpid(c->pid, NULL, 0);
}

static int setup_programs(void **state)
{
	char cmd[4 * PATH_MAX];
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/scorch-symtest-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	char src[PATH_MAX + 16];
	snprintf(src, sizeof(src), "%s/prog.c", tmpdir);
	snprintf(prog_path, sizeof(prog_path), "%s/prog", tmpdir);
	if (write_text(src, prog_src))
		return -1;
	snprintf(cmd, sizeof(cmd), "cc -g -O2 -fno-omit-frame-pointer -fPIE -pie -o '%s' '%s'",
		 prog_path, src);
	if (system(cmd) != 0)
		return -1;
	snprintf(src, sizeof(src), "%s/cxx.cpp", tmpdir);
	snprintf(cxx_path, sizeof(cxx_path), "%s/cxx", tmpdir);
	if (write_text(src, cxx_src))
		return -1;
	snprintf(cmd, sizeof(cmd), "g++ -g -O2 -fno-omit-frame-pointer -o '%s' '%s'", cxx_path,
		 src);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown_programs(void **state)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- demangling ---- */

static void test_demangle_table(void **state)
{
	static const struct {
		const char *mangled;
		bool params;
		const char *want; /* NULL: not mangled */
	} cases[] = {
		{ "_ZN2ns3fooIiEEvT_", false, "ns::foo<int>" },
		{ "_ZN2ns3fooIiEEvT_", true, "void ns::foo<int>(int)" },
		{ "_ZNK3geo3VecIdE3dotERKS1_", true,
		  "geo::Vec<double>::dot(geo::Vec<double> const&) const" },
		{ "_Z3bari.constprop.0", false, "bar" },
		{ "_ZN4core3ptr13drop_in_place17h0123456789abcdefE", false,
		  "core::ptr::drop_in_place" },
		{ "_RNvCs1234_7mycrate3foo", false, "mycrate::foo" },
		{ "main", false, NULL },
		{ "_Zgarbage", false, NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = demangle__name(cases[i].mangled, cases[i].params);
		if (cases[i].want)
			assert_string_equal(got, cases[i].want);
		else
			assert_null(got);
		free(got);
	}
}

/* ---- kallsyms ---- */

/* A new file from the mkstemp template path, holding text. */
static void temp_text(char *path, const char *text)
{
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(write_text(path, text), 0);
}

static void test_kallsyms_fixture(void **state)
{
	char path[] = "/tmp/scorch-kallsyms-XXXXXX";
	temp_text(path, "ffffffff81000000 T _stext\n"
			"ffffffff81000000 t __pfx_stext\n"
			"ffffffff81000100 T do_work\n"
			"ffffffff81000180 D some_data\n"
			"ffffffff81000200 t helper\n"
			"ffffffffc0001000 t nf_ct_get\t[nf_conntrack]\n"
			"ffffffffc0001040 T nf_ct_put\t[nf_conntrack]\n");
	struct kallsyms *k = NULL;
	assert_int_equal(kallsyms__load(path, &k), 0);
	static const struct {
		uint64_t addr;
		const char *name, *module;
		uint64_t start;
	} cases[] = {
		{ 0xffffffff81000010, "_stext", "[kernel.kallsyms]", 0xffffffff81000000 },
		/* data symbols do not cut a function short */
		{ 0xffffffff810001a0, "do_work", "[kernel.kallsyms]", 0xffffffff81000100 },
		{ 0xffffffff81000200, "helper", "[kernel.kallsyms]", 0xffffffff81000200 },
		{ 0xffffffffc0001003, "nf_ct_get", "[nf_conntrack]", 0xffffffffc0001000 },
		{ 0xffffffffc0001050, "nf_ct_put", "[nf_conntrack]", 0xffffffffc0001040 },
	};
	struct ksym ks;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(kallsyms__find(k, cases[i].addr, &ks), 1);
		assert_string_equal(ks.name, cases[i].name);
		assert_string_equal(ks.module, cases[i].module);
		assert_true(ks.start == cases[i].start);
	}
	assert_int_equal(kallsyms__find(k, 0xffffffff80000000, &ks), 0);
	kallsyms__free(k);

	/* What a non-root user sees: every address zero. */
	assert_int_equal(write_text(path, "0000000000000000 T _stext\n0000000000000000 T x\n"), 0);
	assert_int_equal(kallsyms__load(path, &k), -EPERM);
	unlink(path);
}

/* A file out of address order reads the same as one in order. */
static void test_kallsyms_unsorted(void **state)
{
	char path[] = "/tmp/scorch-kallsyms-XXXXXX";
	temp_text(path, "ffffffffc0001040 T nf_ct_put\t[nf_conntrack]\n"
			"ffffffff81000200 t helper\n"
			"ffffffff81000100 t do_work\n"
			"ffffffff81000100 T do_work_alias\n"
			"ffffffff81000000 T _stext\n");
	struct kallsyms *k = NULL;
	struct ksym ks;
	assert_int_equal(kallsyms__load(path, &k), 0);
	assert_int_equal(kallsyms__find(k, 0xffffffff81000150, &ks), 1);
	assert_string_equal(ks.name, "do_work_alias"); /* global before local */
	assert_true(ks.end == 0xffffffff81000200);
	assert_int_equal(kallsyms__find(k, 0xffffffff81000210, &ks), 1);
	assert_string_equal(ks.name, "helper");
	assert_true(ks.end == 0xffffffffc0001040);
	assert_int_equal(kallsyms__find(k, 0xffffffffc0001041, &ks), 1);
	assert_string_equal(ks.module, "[nf_conntrack]");
	kallsyms__free(k);
	unlink(path);
}

/*
 * The per-boot cache: written at the first read, then read instead of the file in the same
 * boot only; it answers for the core kernel's text only; a damaged or foreign cache is
 * ignored.
 */
static void test_kallsyms_cache(void **state)
{
	char dir[] = "/tmp/scorch-kcache-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[512], cdir[512], cfile[600];
	snprintf(path, sizeof(path), "%s/kallsyms.txt", dir);
	snprintf(cdir, sizeof(cdir), "%s/cache/scorch", dir); /* made by the first write */
	snprintf(cfile, sizeof(cfile), "%s/kallsyms", cdir);
	static const char v1[] = "ffffffff81000000 T _stext\n"
				 "ffffffff81000100 T do_work\n"
				 "ffffffff81000200 t helper\n"
				 "ffffffffc0001000 t nf_ct_get\t[nf_conntrack]\n";
	assert_int_equal(write_text(path, v1), 0);
	struct kallsyms *k = NULL;
	struct ksym ks;
	assert_int_equal(kallsyms__load_cached(path, cdir, "boot-A", &k), 0);
	assert_false(kallsyms__from_cache(k));
	kallsyms__free(k);
	struct stat st;
	assert_int_equal(stat(cfile, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* the same boot: the names come from the cache, not from the (changed) file */
	assert_int_equal(write_text(path, "ffffffff81000000 T renamed_stext\n"
					  "ffffffff81000100 T renamed_work\n"),
			 0);
	assert_int_equal(kallsyms__load_cached(path, cdir, "boot-A", &k), 0);
	assert_true(kallsyms__from_cache(k));
	assert_int_equal(kallsyms__find(k, 0xffffffff81000104, &ks), 1);
	assert_string_equal(ks.name, "do_work");
	assert_string_equal(ks.module, "[kernel.kallsyms]");
	assert_true(ks.start == 0xffffffff81000100 && ks.end == 0xffffffff81000200);
	assert_int_equal(kallsyms__find(k, 0xffffffff81000230, &ks), 1);
	assert_string_equal(ks.name, "helper");
	/* a page past the core kernel's last symbol, and modules: the whole file is needed */
	assert_int_equal(kallsyms__find(k, 0xffffffff81001200, &ks), -ERANGE);
	assert_int_equal(kallsyms__find(k, 0xffffffffc0001004, &ks), -ERANGE);
	assert_int_equal(kallsyms__find(k, 0xffffffff80000000, &ks), -ERANGE);
	/* the rest, read from the file without what the cache answers for: the module */
	struct kallsyms *rest = NULL;
	assert_int_equal(write_text(path, v1), 0);
	assert_int_equal(kallsyms__load_outside(path, k, &rest), 0);
	assert_int_equal(kallsyms__find(rest, 0xffffffffc0001004, &ks), 1);
	assert_string_equal(ks.name, "nf_ct_get");
	assert_string_equal(ks.module, "[nf_conntrack]");
	assert_int_equal(kallsyms__find(rest, 0xffffffff81000104, &ks), 0);
	kallsyms__free(rest);
	kallsyms__free(k);
	assert_int_equal(write_text(path, "ffffffff81000000 T renamed_stext\n"
					  "ffffffff81000100 T renamed_work\n"),
			 0);

	/* another boot: the file is read and the cache rewritten */
	assert_int_equal(kallsyms__load_cached(path, cdir, "boot-B", &k), 0);
	assert_false(kallsyms__from_cache(k));
	assert_int_equal(kallsyms__find(k, 0xffffffff81000104, &ks), 1);
	assert_string_equal(ks.name, "renamed_work");
	kallsyms__free(k);
	assert_int_equal(kallsyms__load_cached(path, cdir, "boot-B", &k), 0);
	assert_true(kallsyms__from_cache(k));
	kallsyms__free(k);

	/* damaged: cut short, or group-writable (somebody else could have written it) */
	assert_int_equal(write_text(path, v1), 0);
	assert_int_equal(stat(cfile, &st), 0);
	assert_int_equal(truncate(cfile, (off_t)st.st_size - 3), 0);
	assert_int_equal(kallsyms__load_cached(path, cdir, "boot-B", &k), 0);
	assert_false(kallsyms__from_cache(k));
	assert_int_equal(kallsyms__find(k, 0xffffffff81000104, &ks), 1);
	assert_string_equal(ks.name, "do_work");
	kallsyms__free(k);
	int fd = open(cfile, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "scksym1\nboot-B", 14), 14);
	close(fd);
	assert_int_equal(kallsyms__load_cached(path, cdir, "boot-B", &k), 0);
	assert_false(kallsyms__from_cache(k)); /* the bad file was replaced */
	kallsyms__free(k);
	assert_int_equal(chmod(cfile, 0620), 0);
	assert_int_equal(kallsyms__load_cached(path, cdir, "boot-B", &k), 0);
	assert_false(kallsyms__from_cache(k));
	assert_int_equal(kallsyms__find(k, 0xffffffff81000104, &ks), 1);
	assert_string_equal(ks.name, "do_work");
	kallsyms__free(k);

	/* entries whose name offsets and module indexes point outside the file (a cache
	 * damaged in place, sizes intact): no read outside it, no symbol */
	assert_int_equal(kallsyms__load_cached(path, cdir, "boot-D", &k), 0);
	kallsyms__free(k);
	fd = open(cfile, O_RDWR);
	assert_true(fd >= 0);
	for (off_t e = 80; e < 80 + 3 * 24; e += 24) { /* after the 80-byte header, 24 each */
		static const unsigned char bad[4] = {0xff, 0xff, 0xff, 0x7f};
		static const unsigned char mod[2] = {7, 0};
		assert_int_equal(pwrite(fd, bad, 4, e + 16), 4);
		assert_int_equal(pwrite(fd, mod, 2, e + 20), 2);
	}
	close(fd);
	assert_int_equal(kallsyms__load_cached(path, cdir, "boot-D", &k), 0);
	assert_true(kallsyms__from_cache(k));
	assert_int_equal(kallsyms__find(k, 0xffffffff81000104, &ks), 0);
	kallsyms__free(k);

	/* no cache at all: a directory that cannot be made */
	assert_int_equal(kallsyms__load_cached(path, "/proc/no/such", "boot-C", &k), 0);
	assert_false(kallsyms__from_cache(k));
	kallsyms__free(k);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_kallsyms_live(void **state)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	assert_non_null(f);
	char line[512];
	uint64_t addr = 0;
	while (fgets(line, sizeof(line), f)) {
		uint64_t a;
		char name[256], type;
		if (sscanf(line, "%" SCNx64 " %c %255s", &a, &type, name) == 3 &&
		    strcmp(name, "schedule") == 0 && (type == 'T' || type == 't'))
			addr = a;
	}
	fclose(f);
	if (addr == 0) {
		skip(); /* kptr_restrict hides addresses unless root */
		return;
	}
	struct symbolizer *s = symbolizer__new(NULL);
	struct sym_frame fr[4];
	assert_int_equal(symbolizer__resolve(s, 0, addr + 1, true, fr, 4), 1);
	assert_string_equal(fr[0].name, "schedule");
	assert_string_equal(fr[0].module, "[kernel.kallsyms]");
	assert_int_equal(fr[0].offset, 1);
	assert_int_equal(fr[0].kernel, 1);
	/* Below the kernel text nothing resolves, but the frame is still a kernel one. */
	assert_int_equal(symbolizer__resolve(s, 0, 0xffff800000000000ull, true, fr, 4), 1);
	assert_null(fr[0].name);
	assert_string_equal(fr[0].module, "[kernel.kallsyms]");
	symbolizer__free(s);
}

/* ---- user space: real programs ---- */

static const struct symbolizer_opts plain = { .demangle = true };

static void test_pie_symbols(void **state)
{
	struct child c;
	assert_int_equal(child_start(prog_path, &c), 0);
	uint64_t main_f = nm_addr(prog_path, "main"), outer_f = nm_addr(prog_path, "outer_fn");
	assert_true(main_f && outer_f);
	uint64_t bias = c.main_rt - main_f;
	assert_true(bias != 0); /* PIE: loaded away from its link address */

	struct symbolizer *s = symbolizer__new(&plain);
	assert_int_equal(symbolizer__add_pid(s, (uint32_t)c.pid), 0);
	struct sym_frame fr[4];
	assert_int_equal(symbolizer__resolve(s, (uint32_t)c.pid, bias + outer_f + 2, false, fr, 4), 1);
	assert_string_equal(fr[0].name, "outer_fn");
	assert_int_equal(fr[0].offset, 2);
	assert_string_equal(fr[0].module, prog_path);
	assert_null(fr[0].file);
	assert_int_equal(fr[0].kernel, 0);
	assert_int_equal(fr[0].jit, 0);
	assert_int_equal(fr[0].why, SYM_OK);
	assert_string_equal(fr[0].raw, "outer_fn");
	/* The mapping and build-id, as /proc/PID/maps and readelf -n give them. */
	uint64_t ms, me, mo;
	char want_id[130], got_id[130];
	assert_int_equal(maps_exec_line(c.pid, prog_path, &ms, &me, &mo), 0);
	assert_string_equal(fr[0].map_path, prog_path);
	assert_int_equal(fr[0].map_start, ms);
	assert_int_equal(fr[0].map_end, me);
	assert_int_equal(fr[0].map_pgoff, mo);
	readelf_build_id(prog_path, want_id, sizeof(want_id));
	assert_true(strlen(want_id) >= 16);
	hex_of(fr[0].build_id, fr[0].build_id_len, got_id);
	assert_string_equal(got_id, want_id);
	assert_int_equal(symbolizer__resolve(s, (uint32_t)c.pid, c.main_rt, false, fr, 4), 1);
	assert_string_equal(fr[0].name, "main");
	assert_int_equal(fr[0].offset, 0);
	/* The ELF header is mapped but not executable: perf, which keeps executable mappings
	 * only, prints "[unknown] ([unknown])". */
	assert_int_equal(symbolizer__resolve(s, (uint32_t)c.pid, bias, false, fr, 4), 1);
	assert_null(fr[0].name);
	assert_string_equal(fr[0].module, "[unknown]");
	assert_int_equal(fr[0].why, SYM_NOT_EXEC);
	/* Nothing mapped at all. */
	assert_int_equal(symbolizer__resolve(s, (uint32_t)c.pid, 0x1000, false, fr, 4), 1);
	assert_null(fr[0].name);
	assert_string_equal(fr[0].module, "[unknown]");
	assert_int_equal(fr[0].why, SYM_NO_MAPPING);
	assert_null(fr[0].map_path);

	child_stop(&c);
	/* Maps were captured: the exited process still symbolizes. */
	assert_int_equal(symbolizer__resolve(s, (uint32_t)c.pid, bias + outer_f, false, fr, 4), 1);
	assert_string_equal(fr[0].name, "outer_fn");
	assert_int_equal(symbolizer__add_pid(s, 0x7ffffff0u), -ESRCH);
	symbolizer__free(s);
}

static void test_inline_frames(void **state)
{
	struct child c;
	assert_int_equal(child_start(prog_path, &c), 0);
	uint64_t bias = c.main_rt - nm_addr(prog_path, "main");
	uint64_t mark = bias + nm_addr(prog_path, "scorch_mark");

	struct symbolizer_opts o = { .demangle = true, .inlines = true, .srcline = true };
	struct symbolizer *s = symbolizer__new(&o);
	struct sym_frame fr[8];
	/* No add_pid: the first resolve of a pid captures its maps. */
	assert_int_equal(symbolizer__resolve(s, (uint32_t)c.pid, mark, false, fr, 8), 3);
	static const struct {
		const char *name;
		uint32_t line;
		uint8_t inlined;
	} want[] = { { "outer_fn", 14, 0 }, { "mid_fn", 10, 1 }, { "leaf_fn", 5, 1 } };
	char src[PATH_MAX + 16];
	snprintf(src, sizeof(src), "%s/prog.c", tmpdir);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(fr[i].name, want[i].name);
		assert_int_equal(fr[i].line, want[i].line);
		assert_int_equal(fr[i].inlined, want[i].inlined);
		assert_string_equal(fr[i].file, src);
		assert_string_equal(fr[i].module, prog_path);
	}
	/* max limits the chain; the outermost frame always comes first. */
	assert_int_equal(symbolizer__resolve(s, (uint32_t)c.pid, mark, false, fr, 2), 2);
	assert_string_equal(fr[0].name, "outer_fn");
	assert_string_equal(fr[1].name, "mid_fn");
	symbolizer__free(s);

	/* srcline without inlines: one frame carrying the innermost line. */
	struct symbolizer_opts o2 = { .demangle = true, .srcline = true };
	s = symbolizer__new(&o2);
	assert_int_equal(symbolizer__resolve(s, (uint32_t)c.pid, mark, false, fr, 8), 1);
	assert_string_equal(fr[0].name, "outer_fn");
	assert_int_equal(fr[0].line, 5);
	symbolizer__free(s);
	child_stop(&c);
}

static void test_inline_chain(void **state)
{
	uint64_t mark = nm_addr(prog_path, "scorch_mark");
	uint64_t outer = nm_addr(prog_path, "outer_fn");
	assert_true(mark && outer);
	struct symbolizer *s = symbolizer__new(&plain);
	struct strbuf sb = { 0 };
	assert_int_equal(symbolizer__inline_chain(s, prog_path, mark, NULL, false, &sb), 0);
	assert_string_equal(sb.buf, "outer_fn;mid_fn;leaf_fn");
	sb.len = 0;
	assert_int_equal(symbolizer__inline_chain(s, prog_path, mark, NULL, true, &sb), 0);
	assert_string_equal(sb.buf, "outer_fn:prog.c:14;mid_fn:prog.c:10;leaf_fn:prog.c:5");

	/* A runtime pc (PIE) means nothing in the file: fall back to func+0xOFF. */
	char raw[64];
	snprintf(raw, sizeof(raw), "outer_fn+0x%" PRIx64, mark - outer);
	sb.len = 0;
	assert_int_equal(symbolizer__inline_chain(s, prog_path, 0x55550000dead, raw, false, &sb), 0);
	assert_string_equal(sb.buf, "outer_fn;mid_fn;leaf_fn");

	/* Nothing known: negative errno and out untouched. */
	strbuf__free(&sb);
	assert_true(symbolizer__inline_chain(s, prog_path, 0x55550000dead, NULL, false, &sb) < 0);
	assert_true(symbolizer__inline_chain(s, prog_path, 0x55550000dead, "nosuch+0x4", false,
					     &sb) < 0);
	assert_int_equal(symbolizer__inline_chain(s, "/nonexistent/bin", 0x1000, NULL, false, &sb),
			 -ENOENT);
	assert_null(sb.buf);

	/* addr2line -C: full C++ signature. */
	uint64_t dot = nm_addr(cxx_path, "_ZNK3geo3VecIdE3dotERKS1_.isra.0");
	if (!dot)
		dot = nm_addr(cxx_path, "_ZNK3geo3VecIdE3dotERKS1_");
	assert_true(dot != 0);
	assert_int_equal(symbolizer__inline_chain(s, cxx_path, dot, NULL, true, &sb), 0);
	assert_string_equal(sb.buf, "geo::Vec<double>::dot(geo::Vec<double> const&) const:cxx.cpp:6");
	strbuf__free(&sb);
	symbolizer__free(s);
}

static void test_cxx_names(void **state)
{
	struct child c;
	assert_int_equal(child_start(cxx_path, &c), 0);
	uint64_t bias = c.main_rt - nm_addr(cxx_path, "main");
	uint64_t dot = nm_addr(cxx_path, "_ZNK3geo3VecIdE3dotERKS1_.isra.0");
	if (!dot)
		dot = nm_addr(cxx_path, "_ZNK3geo3VecIdE3dotERKS1_");
	uint64_t hidden = nm_addr(cxx_path, "_ZN12_GLOBAL__N_16hiddenEi");
	assert_true(dot && hidden);

	struct symbolizer *s = symbolizer__new(&plain);
	struct sym_frame fr[2];
	/* perf script prints demangled names without parameters or clone suffixes. */
	assert_int_equal(symbolizer__resolve(s, (uint32_t)c.pid, bias + dot + 1, false, fr, 2), 1);
	assert_string_equal(fr[0].name, "geo::Vec<double>::dot");
	assert_int_equal(symbolizer__resolve(s, (uint32_t)c.pid, bias + hidden, false, fr, 2), 1);
	assert_string_equal(fr[0].name, "(anonymous namespace)::hidden");
	/* The raw symbol is the one nm lists. */
	assert_string_equal(fr[0].raw, "_ZN12_GLOBAL__N_16hiddenEi");
	symbolizer__free(s);

	struct symbolizer_opts raw = { .demangle = false };
	s = symbolizer__new(&raw);
	assert_int_equal(symbolizer__resolve(s, (uint32_t)c.pid, bias + hidden, false, fr, 2), 1);
	assert_string_equal(fr[0].name, "_ZN12_GLOBAL__N_16hiddenEi");
	symbolizer__free(s);
	child_stop(&c);
}

/* The path /proc/self/maps gives for the mapping that holds addr. */
static int self_map_path(uint64_t addr, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128];
	int found = -1;
	while (f && fgets(line, sizeof(line), f)) {
		uint64_t lo, hi;
		int pos = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %*s %*s %*s %n", &lo, &hi, &pos) >= 2 &&
		    addr >= lo && addr < hi) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, size, "%s", line + pos);
			found = 0;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static void test_shared_library(void **state)
{
	void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(h);
	/* getpid, __getpid and __GI_getpid share an address: like perf, prefer the global
	 * non-weak alias. */
	static const struct {
		const char *sym, *want;
	} cases[] = { { "a64l", "a64l" }, { "qsort", "qsort" }, { "getpid", "__getpid" } };
	struct symbolizer *s = symbolizer__new(&plain);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		void *p = dlsym(h, cases[i].sym);
		assert_non_null(p);
		Dl_info info;
		assert_true(dladdr(p, &info) != 0);
		assert_ptr_equal(info.dli_saddr, p);
		char mod[PATH_MAX];
		assert_int_equal(self_map_path((uintptr_t)p, mod, sizeof(mod)), 0);
		struct sym_frame fr[2];
		assert_int_equal(symbolizer__resolve(s, (uint32_t)getpid(), (uintptr_t)p + 1, false,
						     fr, 2),
				 1);
		assert_string_equal(fr[0].name, cases[i].want);
		assert_int_equal(fr[0].offset, 1);
		assert_string_equal(fr[0].module, mod);
		if (i < 2)
			assert_string_equal(fr[0].name, info.dli_sname);
	}
	symbolizer__free(s);
	dlclose(h);
}

static void test_vdso(void **state)
{
	void *h = dlopen("linux-vdso.so.1", RTLD_NOW | RTLD_NOLOAD);
	if (!h) {
		skip();
		return;
	}
	void *p = dlsym(h, "__vdso_clock_gettime");
	assert_non_null(p);
	struct symbolizer *s = symbolizer__new(&plain);
	struct sym_frame fr[2];
	assert_int_equal(symbolizer__resolve(s, (uint32_t)getpid(), (uintptr_t)p + 3, false, fr, 2),
			 1);
	/* clock_gettime is the weak alias; perf names the global one. */
	assert_string_equal(fr[0].name, "__vdso_clock_gettime");
	assert_string_equal(fr[0].module, "[vdso]");
	assert_int_equal(fr[0].offset, 3);
	symbolizer__free(s);
	dlclose(h);
}

/* ---- synthetic maps: JIT, fork, exec, overlapping mmaps ---- */

static void test_jitmap(void **state)
{
	char path[64], jit_module[64];
	snprintf(path, sizeof(path), "/tmp/perf-%u.map", FAKE_PID);
	snprintf(jit_module, sizeof(jit_module), "/tmp/perf-%u.map", FAKE_PID);
	assert_int_equal(write_text(path, "7f0000001000 40 LazyCompile:~add script.js:3\n"
					  "7f0000001040 20 Stub\n"
					  "7f0000001040 18 Stub2\n"),
			 0);
	struct symbolizer *s = symbolizer__new(&plain);
	symbolizer__add_mapping(s, FAKE_PID, 0x7f0000000000, 0x10000, 0, "//anon");
	struct sym_frame fr[2];
	assert_int_equal(symbolizer__resolve(s, FAKE_PID, 0x7f0000001010, false, fr, 2), 1);
	assert_string_equal(fr[0].name, "LazyCompile:~add script.js:3");
	assert_string_equal(fr[0].module, jit_module);
	assert_int_equal(fr[0].offset, 0x10);
	assert_int_equal(fr[0].jit, 1);
	/* A later line for the same start wins (the code was re-JITed). */
	assert_int_equal(symbolizer__resolve(s, FAKE_PID, 0x7f0000001041, false, fr, 2), 1);
	assert_string_equal(fr[0].name, "Stub2");
	/* Anonymous code without an entry: perf prints "[unknown] (/tmp/perf-PID.map)". */
	assert_int_equal(symbolizer__resolve(s, FAKE_PID, 0x7f0000002000, false, fr, 2), 1);
	assert_null(fr[0].name);
	assert_string_equal(fr[0].module, jit_module);
	assert_int_equal(fr[0].jit, 0);
	/* The runtime appends: the file is re-read. */
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs("7f0000003000 100 NewFn\n", f);
	fclose(f);
	assert_int_equal(symbolizer__resolve(s, FAKE_PID, 0x7f0000003004, false, fr, 2), 1);
	assert_string_equal(fr[0].name, "NewFn");
	/* Not mapped at all. */
	assert_int_equal(symbolizer__resolve(s, FAKE_PID, 0x1000, false, fr, 2), 1);
	assert_null(fr[0].name);
	assert_string_equal(fr[0].module, "[unknown]");
	symbolizer__free(s);
	unlink(path);
}

static void test_maps_fork_forget(void **state)
{
	uint64_t outer = nm_addr(prog_path, "outer_fn");
	assert_true(outer != 0);
	const uint64_t base = 0x560000000000;
	const uint32_t parent = FAKE_PID + 1, child = FAKE_PID + 2;
	struct symbolizer *s = symbolizer__new(&plain);
	/* Text segment the way ld.so maps it: file page 0x1000 at base + 0x1000. */
	symbolizer__add_mapping(s, parent, base, 0x1000, 0, prog_path);
	symbolizer__add_mapping(s, parent, base + 0x1000, 0x1000, 0x1000, prog_path);
	struct sym_frame fr[2];
	assert_int_equal(symbolizer__resolve(s, parent, base + outer, false, fr, 2), 1);
	assert_string_equal(fr[0].name, "outer_fn");

	symbolizer__fork(s, parent, child);
	assert_int_equal(symbolizer__resolve(s, child, base + outer + 1, false, fr, 2), 1);
	assert_string_equal(fr[0].name, "outer_fn");
	assert_int_equal(fr[0].offset, 1);

	/* exec: the child's old maps go away; the parent keeps its own. */
	symbolizer__forget_pid(s, child);
	assert_int_equal(symbolizer__resolve(s, child, base + outer, false, fr, 2), 1);
	assert_null(fr[0].name);
	assert_string_equal(fr[0].module, "[unknown]");
	assert_int_equal(symbolizer__resolve(s, parent, base + outer, false, fr, 2), 1);
	assert_string_equal(fr[0].name, "outer_fn");

	/* A new mmap over part of an old one replaces that part only. */
	symbolizer__add_mapping(s, parent, base + 0x100, 0x100, 0, "//anon");
	assert_int_equal(symbolizer__resolve(s, parent, base + 0x180, false, fr, 2), 1);
	char jit[64];
	snprintf(jit, sizeof(jit), "/tmp/perf-%u.map", parent);
	assert_string_equal(fr[0].module, jit);
	assert_int_equal(symbolizer__resolve(s, parent, base + 0x280, false, fr, 2), 1);
	assert_string_equal(fr[0].module, prog_path);
	assert_int_equal(symbolizer__resolve(s, parent, base + outer, false, fr, 2), 1);
	assert_string_equal(fr[0].name, "outer_fn");
	symbolizer__free(s);
}

/*
 * The ELF sweep (every 1024 forgotten pids): a file a live process maps survives it; a copy
 * that only exited processes mapped is freed after two sweeps and read again for a new
 * process (ASan reports a use after free if a mapping kept a freed file).
 */
static void test_elf_sweep(void **state)
{
	char copy[PATH_MAX + 16], cmd[2 * PATH_MAX + 64];
	snprintf(copy, sizeof(copy), "%s/prog-copy", tmpdir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", prog_path, copy);
	assert_int_equal(system(cmd), 0);
	uint64_t outer = nm_addr(prog_path, "outer_fn");
	assert_true(outer != 0);
	const uint64_t base = 0x560000000000;
	const uint32_t keeper = FAKE_PID + 10;
	struct symbolizer *s = symbolizer__new(&plain);
	struct sym_frame fr[2];
	symbolizer__add_mapping(s, keeper, base, 0x1000, 0, prog_path);
	symbolizer__add_mapping(s, keeper, base + 0x1000, 0x1000, 0x1000, prog_path);
	assert_int_equal(symbolizer__resolve(s, keeper, base + outer, false, fr, 2), 1);
	for (uint32_t i = 0; i < 3 * 1024 + 1; i++) {
		uint32_t pid = FAKE_PID + 100 + i;
		symbolizer__add_mapping(s, pid, base, 0x1000, 0, copy);
		symbolizer__add_mapping(s, pid, base + 0x1000, 0x1000, 0x1000, copy);
		if (i == 0 || i == 3 * 1024) { /* the copy is read, swept twice, then read again */
			assert_int_equal(symbolizer__resolve(s, pid, base + outer, false, fr, 2), 1);
			assert_string_equal(fr[0].name, "outer_fn");
		}
		symbolizer__forget_pid(s, pid);
	}
	assert_int_equal(symbolizer__resolve(s, keeper, base + outer + 1, false, fr, 2), 1);
	assert_string_equal(fr[0].name, "outer_fn");
	assert_int_equal(fr[0].offset, 1);
	symbolizer__free(s);
	unlink(copy);
}

/* pidmaps__find: half-open ranges, gaps, the edges, and mappings split by an overlap. */
static void test_pidmaps_find_table(void **state)
{
	(void)state;
	struct pidmaps *pm = pidmaps__new(FAKE_PID);
	assert_null(pidmaps__find(pm, 0x1000)); /* empty */
	static const struct {
		uint64_t start, end, pgoff;
		const char *path;
	} maps[] = {
		{0x1000, 0x3000, 0, "/a"},
		{0x3000, 0x4000, 0x2000, "/b"},  /* adjacent */
		{0x8000, 0x9000, 0, "/c"},       /* after a gap */
		{0x2000, 0x2800, 0, "/over"},    /* splits /a in two */
	};
	for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
		struct mapping m = {.start = maps[i].start, .end = maps[i].end,
				    .pgoff = maps[i].pgoff, .path = maps[i].path, .kind = MAP_FILE};
		pidmaps__insert(pm, &m);
	}
	static const struct {
		uint64_t addr;
		const char *path; /* NULL: no mapping */
		uint64_t pgoff;
	} cases[] = {
		{0, NULL, 0},          {0xfff, NULL, 0},        {0x1000, "/a", 0},
		{0x1fff, "/a", 0},     {0x2000, "/over", 0},    {0x27ff, "/over", 0},
		{0x2800, "/a", 0x1800}, /* right part of /a keeps its file offset */
		{0x2fff, "/a", 0x1800}, {0x3000, "/b", 0x2000}, {0x3fff, "/b", 0x2000},
		{0x4000, NULL, 0},     {0x7fff, NULL, 0},       {0x8000, "/c", 0},
		{0x8fff, "/c", 0},     {0x9000, NULL, 0},       {UINT64_MAX, NULL, 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct mapping *m = pidmaps__find(pm, cases[i].addr);
		if (!cases[i].path) {
			assert_null(m);
			continue;
		}
		assert_non_null(m);
		assert_string_equal(m->path, cases[i].path);
		assert_int_equal(m->pgoff, cases[i].pgoff);
	}
	pidmaps__free(pm);
}

/* symmap: interned strings are stable across growth; values of other keys stay put. */
static void test_symmap_intern(void **state)
{
	(void)state;
	struct symmap *m = symmap__new();
	const char *first = symmap__intern(m, "libc.so.6");
	assert_string_equal(first, "libc.so.6");
	static int values[3];
	symmap__put(m, "b:0011", &values[0]);
	symmap__put(m, "", &values[1]); /* the empty key is a key */
	char key[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "p:/lib/%d", i);
		assert_string_equal(symmap__intern(m, key), key);
	}
	assert_ptr_equal(symmap__intern(m, "libc.so.6"), first);
	assert_ptr_equal(symmap__get(m, "libc.so.6"), first);
	assert_ptr_equal(symmap__get(m, "b:0011"), &values[0]);
	assert_ptr_equal(symmap__get(m, ""), &values[1]);
	assert_null(symmap__get(m, "b:001"));
	symmap__put(m, "b:0011", &values[2]); /* replace */
	assert_ptr_equal(symmap__get(m, "b:0011"), &values[2]);
	symmap__put(m, "b:0011", NULL); /* forget: NULL reads back as absent */
	assert_null(symmap__get(m, "b:0011"));
	symmap__free(m, NULL);
}

/* Every "<name@plt>" stub objdump -d labels in bin is the symbol scorch finds at its address. */
static void check_plt_against_objdump(const char *bin)
{
	struct symelf *ef;
	if (access(bin, R_OK) != 0 || symelf__open(bin, &ef) != 0)
		return;
	char cmd[PATH_MAX + 64], line[1024];
	snprintf(cmd, sizeof(cmd), "objdump -d -j .plt -j .plt.sec '%s' 2>/dev/null", bin);
	FILE *p = popen(cmd, "r");
	int n = 0;
	while (p && fgets(line, sizeof(line), p)) {
		uint64_t a;
		char name[512];
		if (sscanf(line, "%" SCNx64 " <%511[^>]>:", &a, name) != 2 || strlen(name) < 5 ||
		    strcmp(name + strlen(name) - 4, "@plt") != 0 || name[0] == '*')
			continue;
		struct symelf_sym *sym = symelf__find(ef, a);
		if (!sym || strcmp(sym->name, name) != 0)
			fail_msg("%s: %#" PRIx64 " is %s for objdump, %s for scorch", bin, a, name,
				 sym ? sym->name : "nothing");
		n++;
	}
	if (p)
		pclose(p);
	symelf__free(ef);
	assert_true(n > 10);
}

static void test_plt_symbols(void **state)
{
	(void)state;
	check_plt_against_objdump("/usr/lib/x86_64-linux-gnu/libc.so.6"); /* IRELATIVE apart */
	check_plt_against_objdump("/usr/bin/sqlite3");
	check_plt_against_objdump("/usr/bin/python3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demangle_table),
		cmocka_unit_test(test_kallsyms_fixture),
		cmocka_unit_test(test_kallsyms_unsorted),
		cmocka_unit_test(test_kallsyms_cache),
		cmocka_unit_test(test_kallsyms_live),
		cmocka_unit_test(test_pie_symbols),
		cmocka_unit_test(test_inline_frames),
		cmocka_unit_test(test_inline_chain),
		cmocka_unit_test(test_cxx_names),
		cmocka_unit_test(test_shared_library),
		cmocka_unit_test(test_vdso),
		cmocka_unit_test(test_jitmap),
		cmocka_unit_test(test_maps_fork_forget),
		cmocka_unit_test(test_elf_sweep),
		cmocka_unit_test(test_pidmaps_find_table),
		cmocka_unit_test(test_symmap_intern),
		cmocka_unit_test(test_plt_symbols),
	};
	return cmocka_run_group_tests(tests, setup_programs, teardown_programs);
}
