// SPDX-License-Identifier: MIT
/* Unit tests for src/unwind/cfi_table.c: every row readelf -wF decodes, found in the table. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/time.h>

#include "unwind/cfi_cache.h"
#include "unwind/cfi_table.h"

/* The row of t in force at pc (the last whose pc <= pc), or NULL. */
static const struct unwind_row *row_at(const struct cfi_table *t, uint64_t pc)
{
	size_t lo = 0, hi = t->nrows;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->rows[mid].pc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &t->rows[lo - 1] : NULL;
}

struct tally {
	unsigned rows, checked, plt, mismatches;
};

/* One readelf LOC row: pc, then the CFA, rbp and ra columns as readelf prints them. */
static void check_loc(const struct cfi_table *t, uint64_t pc, const char *cfa, const char *rbp,
		      const char *ra, struct tally *ty)
{
	ty->rows++;
	const struct unwind_row *r = row_at(t, pc);
	char want[64], got[64];
	int off;
	if (strcmp(ra, "u") == 0)
		snprintf(want, sizeof(want), "outermost");
	else if (sscanf(cfa, "rsp+%d", &off) == 1)
		snprintf(want, sizeof(want), "rsp+%d", off);
	else if (sscanf(cfa, "rbp+%d", &off) == 1)
		snprintf(want, sizeof(want), "rbp+%d", off);
	else
		return; /* an expression: PLT stubs, checked apart */
	if (strcmp(want, "outermost") != 0 && strcmp(ra, "c-8") != 0)
		return;
	char rb[16] = "same";
	if (strncmp(rbp, "c-", 2) == 0)
		snprintf(rb, sizeof(rb), "cfa%d", -atoi(rbp + 2));
	if (strcmp(want, "outermost") != 0) {
		size_t l = strlen(want);
		snprintf(want + l, sizeof(want) - l, " %s", rb);
	}
	if (!r) {
		snprintf(got, sizeof(got), "no row");
	} else {
		int kind = r->kind & 7, rk = r->kind >> 4;
		int cfa_off = r->kind & UNWIND_CFA_SCALED ? r->cfa_off * 8 : r->cfa_off;
		char grb[16] = "same";
		if (rk == UNWIND_RBP_CFA)
			snprintf(grb, sizeof(grb), "cfa%d", r->rbp_off * 8);
		else if (rk != UNWIND_RBP_SAME)
			snprintf(grb, sizeof(grb), "unknown");
		if (kind == UNWIND_CFA_OUTERMOST)
			snprintf(got, sizeof(got), "outermost");
		else if (kind == UNWIND_CFA_RSP || kind == UNWIND_CFA_RBP)
			snprintf(got, sizeof(got), "%s+%d %s", kind == UNWIND_CFA_RSP ? "rsp" : "rbp",
				 cfa_off, grb);
		else
			snprintf(got, sizeof(got), "kind %d", kind);
	}
	ty->checked++;
	if (strcmp(want, got) != 0 && ty->mismatches++ < 5)
		print_message("# pc %#" PRIx64 ": readelf says %s, the table %s\n", pc, want, got);
}

/* Compares t with readelf -wF of path: every decoded row, and the PLT rows' kind. */
static void compare_with_readelf(const char *path, const struct cfi_table *t, struct tally *ty)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "readelf -wF '%s' 2>/dev/null", path);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char line[1024];
	int col_cfa = -1, col_rbp = -1, col_ra = -1;
	bool in_cie = false;
	while (fgets(line, sizeof(line), f)) {
		char *tok[32];
		int n = 0;
		/* "r10 (r10)" is one column: a token in parentheses belongs to the one before. */
		for (char *s = strtok(line, " \t\n"); s && n < 32; s = strtok(NULL, " \t\n"))
			if (s[0] != '(' || n == 0)
				tok[n++] = s;
		if (n == 0)
			continue;
		if (n > 3 && strcmp(tok[3], "CIE") == 0) {
			in_cie = true;
			continue;
		}
		if (n > 3 && strcmp(tok[3], "FDE") == 0) {
			in_cie = false;
			continue;
		}
		if (in_cie)
			continue;
		if (strcmp(tok[0], "LOC") == 0) {
			col_cfa = col_rbp = col_ra = -1;
			for (int i = 0; i < n; i++) {
				if (strcmp(tok[i], "CFA") == 0)
					col_cfa = i;
				else if (strcmp(tok[i], "rbp") == 0)
					col_rbp = i;
				else if (strcmp(tok[i], "ra") == 0)
					col_ra = i;
			}
			continue;
		}
		if (strchr(tok[0], '=') || col_cfa < 0 || col_ra < 0 || n <= col_ra ||
		    strlen(tok[0]) != 16)
			continue;
		uint64_t pc = strtoull(tok[0], NULL, 16);
		check_loc(t, pc, tok[col_cfa], col_rbp >= 0 ? tok[col_rbp] : "u", tok[col_ra], ty);
		if (strcmp(tok[col_cfa], "exp") == 0) {
			const struct unwind_row *r = row_at(t, pc);
			ty->plt += r && (r->kind & 15) == UNWIND_CFA_PLT;
		}
	}
	pclose(f);
}

static void check_file(const char *path, unsigned min_rows)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		print_message("# %s: absent, not checked\n", path);
		return;
	}
	struct cfi_table *t = NULL;
	char err[256] = "";
	assert_int_equal(cfi_table__build(fd, &t, err, sizeof(err)), 0);
	close(fd);
	for (size_t i = 1; i < t->nrows; i++)
		assert_true(t->rows[i - 1].pc < t->rows[i].pc);
	struct tally ty = {0};
	compare_with_readelf(path, t, &ty);
	print_message("# %s: %zu rows, readelf %u rows, %u checked, %u PLT, %u mismatches\n", path,
		      t->nrows, ty.rows, ty.checked, ty.plt, ty.mismatches);
	assert_true(ty.checked >= min_rows);
	assert_int_equal(ty.mismatches, 0);
	cfi_table__free(t);
}

static void test_libc(void **state)
{
	(void)state;
	check_file("/lib/x86_64-linux-gnu/libc.so.6", 10000);
}

static void test_sqlite(void **state)
{
	(void)state;
	check_file("/usr/lib/x86_64-linux-gnu/libsqlite3.so.0", 10000);
}

static void test_self(void **state)
{
	(void)state;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	check_file(self, 100);
}

/* A PLT stub's rule is the expression GCC and binutils emit; the table keeps it. */
static void test_plt_rows(void **state)
{
	(void)state;
	int fd = open("/usr/bin/sqlite3", O_RDONLY);
	if (fd < 0)
		skip();
	struct cfi_table *t = NULL;
	char err[256];
	assert_int_equal(cfi_table__build(fd, &t, err, sizeof(err)), 0);
	close(fd);
	size_t plt = 0;
	for (size_t i = 0; i < t->nrows; i++)
		plt += (t->rows[i].kind & 15) == UNWIND_CFA_PLT;
	assert_true(plt >= 1);
	assert_int_equal(t->unsupported, 0);
	cfi_table__free(t);
}

static void test_not_elf(void **state)
{
	(void)state;
	int fd = open("/proc/self/cmdline", O_RDONLY);
	assert_true(fd >= 0);
	struct cfi_table *t = NULL;
	char err[256] = "";
	assert_int_equal(cfi_table__build(fd, &t, err, sizeof(err)), -ENOEXEC);
	assert_null(t);
	assert_non_null(strstr(err, "not an ELF"));
	close(fd);
}

/* Copies src to dst; returns dst's fd, open for reading. */
static int copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(in >= 0 && out >= 0);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	return open(dst, O_RDONLY);
}

static void assert_same_table(const struct cfi_table *a, const struct cfi_table *b)
{
	assert_int_equal(a->nrows, b->nrows);
	assert_memory_equal(a->rows, b->rows, a->nrows * sizeof(*a->rows));
	assert_int_equal(a->nloads, b->nloads);
	assert_memory_equal(a->loads, b->loads, (size_t)a->nloads * sizeof(*a->loads));
	assert_int_equal(a->nfdes, b->nfdes);
	assert_int_equal(a->unsupported, b->unsupported);
	assert_int_equal(a->nodata, b->nodata);
}

/*
 * The cache gives back the table it stored, exactly; a file rewritten in place (new times)
 * or a damaged cache file is compiled again, never read stale or short.
 */
static void test_cache(void **state)
{
	(void)state;
	char dir[] = "/tmp/scorch-cfi-cache.XXXXXX", elf[4200], entry[4300], cmd_count[4300];
	assert_non_null(mkdtemp(dir));
	snprintf(elf, sizeof(elf), "%s/libc.so", dir);
	int fd = copy_file("/lib/x86_64-linux-gnu/libc.so.6", elf);
	struct cfi_table *want = NULL, *t = NULL;
	char err[256];
	bool cached = true;
	assert_int_equal(cfi_table__build(fd, &want, err, sizeof(err)), 0);
	assert_int_equal(cfi_cache__build(fd, dir, &t, &cached, err, sizeof(err)), 0);
	assert_false(cached);
	assert_same_table(want, t);
	cfi_table__free(t);
	assert_int_equal(cfi_cache__build(fd, dir, &t, &cached, err, sizeof(err)), 0);
	assert_true(cached);
	assert_same_table(want, t);
	cfi_table__free(t);

	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(entry, sizeof(entry), "%s/cfi/cfi-%llx-%llu", dir, (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	assert_int_equal(truncate(entry, 100), 0); /* damaged */
	assert_int_equal(cfi_cache__build(fd, dir, &t, &cached, err, sizeof(err)), 0);
	assert_false(cached);
	assert_same_table(want, t);
	cfi_table__free(t);

	/* the same inode rewritten: an empty CFI section table now, a newer time */
	close(fd);
	int w = open(elf, O_WRONLY | O_TRUNC);
	assert_true(w >= 0);
	close(w);
	fd = copy_file("/proc/self/exe", elf);
	struct cfi_table *self = NULL;
	assert_int_equal(cfi_table__build(fd, &self, err, sizeof(err)), 0);
	assert_int_equal(cfi_cache__build(fd, dir, &t, &cached, err, sizeof(err)), 0);
	assert_false(cached);
	assert_same_table(self, t);
	cfi_table__free(t);

	/* the directory stays bounded: 300 older entries, and a store keeps the newest 256 */
	char name[4400];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "%s/cfi/cfi-0-%d", dir, i);
		FILE *f = fopen(name, "w");
		assert_non_null(f);
		fputs("old", f);
		fclose(f);
		struct timeval tv[2] = {{1000000 + i, 0}, {1000000 + i, 0}};
		assert_int_equal(utimes(name, tv), 0);
	}
	assert_int_equal(unlink(entry), 0);
	assert_int_equal(cfi_cache__build(fd, dir, &t, &cached, err, sizeof(err)), 0);
	assert_false(cached);
	cfi_table__free(t);
	snprintf(cmd_count, sizeof(cmd_count), "ls '%s/cfi' | wc -l", dir);
	FILE *pc = popen(cmd_count, "r");
	int files = -1;
	assert_int_equal(fscanf(pc, "%d", &files), 1);
	pclose(pc);
	assert_int_equal(files, 256);
	assert_int_equal(access(entry, F_OK), 0); /* the new entry stays */
	snprintf(name, sizeof(name), "%s/cfi/cfi-0-0", dir);
	assert_int_not_equal(access(name, F_OK), 0); /* the oldest went */
	snprintf(name, sizeof(name), "%s/cfi/cfi-0-299", dir);
	assert_int_equal(access(name, F_OK), 0);

	/* no cache directory: compiled, nothing written */
	assert_int_equal(cfi_cache__build(fd, "", &t, &cached, err, sizeof(err)), 0);
	assert_false(cached);
	cfi_table__free(t);
	cfi_table__free(self);
	cfi_table__free(want);
	close(fd);
	char cmd[4300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libc),    cmocka_unit_test(test_sqlite),
		cmocka_unit_test(test_self),    cmocka_unit_test(test_plt_rows),
		cmocka_unit_test(test_not_elf), cmocka_unit_test(test_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
