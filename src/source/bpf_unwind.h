/* SPDX-License-Identifier: MIT */
/* Private to src/source/bpf*.c: CFI tables and process mappings for the BPF DWARF unwinder. */
#ifndef SCORCH_SOURCE_BPF_UNWIND_H
#define SCORCH_SOURCE_BPF_UNWIND_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_unwind;

/* What the unwinder's user side did so far. */
struct bpf_unwind_stats {
	uint64_t files;          /* ELF files compiled into tables */
	uint64_t files_cached;   /* of those, read compiled from the cache directory */
	uint64_t files_failed;   /* unreadable or not x86-64: their frames use frame pointers */
	uint64_t rows;           /* rows loaded, all tables */
	uint32_t shards;         /* row shards created (UNWIND_SHARD_ROWS rows each) */
	uint64_t build_ns;       /* time spent compiling tables */
	uint64_t procs;          /* processes whose mappings were loaded */
	uint64_t mappings_full;  /* mappings dropped: a process had UNWIND_MAX_MAPPINGS already */
	uint64_t procs_full;     /* processes dropped: the procs map was full */
	uint64_t procs_fp;       /* auto: mappings skipped, their process keeps frame pointers */
	uint64_t files_over_budget; /* auto: files left without a table, the row budget spent */
};

/*
 * A user side over the loaded program's maps: shards_fd (array of row arrays), procs_fd
 * (tgid -> struct unwind_proc) and tgids_fd (the tracked set, or -1 to follow every process).
 * only_without_fp (--call-graph auto): only processes whose main binary lacks frame pointers
 * get tables; the others are walked by frame pointers. Returns 0 and *out, or -errno and a
 * reason in err.
 */
int bpf_unwind__new(struct bpf_unwind **out, int shards_fd, int procs_fd, int tgids_fd,
		    bool only_without_fp, char *err, size_t errlen);

/*
 * A new, empty row shard (a BPF array): its fd, or -errno. Given to libbpf as the shards
 * map's inner map before the load, it spares the template libbpf would otherwise create and
 * drop (2 MiB preallocated), and then becomes the first shard (bpf_unwind__adopt_shard).
 */
int bpf_unwind__create_shard(void);

/* fd, a shard from bpf_unwind__create_shard, is u's to use (and close) as its next shard. */
void bpf_unwind__adopt_shard(struct bpf_unwind *u, int fd);

/*
 * One side-band record (MMAP2, COMM with exec, FORK, EXIT), as it arrives: an executable
 * mapping's file gets its table (built once per file, shared by every process mapping it) and
 * the process's mapping table in the kernel is rewritten before this returns.
 */
void bpf_unwind__record(struct bpf_unwind *u, const struct perf_event_header *h);

/* Compiles the tables of the libraries nearly every process maps (libc, ld.so, libm). */
void bpf_unwind__prewarm(struct bpf_unwind *u);
/*
 * `-- CMD`: compiles the tables of the command's binary (argv0, looked up in PATH) and of the
 * libraries it needs (DT_NEEDED, in the standard directories) before it runs, so that its
 * first samples unwind too. Files not found are skipped.
 */
void bpf_unwind__prewarm_command(struct bpf_unwind *u, const char *argv0);

/* Loads pid's current executable mappings from /proc/PID/maps. Returns 0 or -errno. */
int bpf_unwind__add_pid(struct bpf_unwind *u, uint32_t pid);

/* bpf_unwind__add_pid for every process but this one (-a, -C). */
void bpf_unwind__add_all(struct bpf_unwind *u);

struct sampler_opts;
/*
 * The start of a recording with o's targets: prewarm, then the command's own tables (`--
 * CMD`), the mappings of -p's processes or (-a, -C) of every process. Call it with the side
 * band locked if its reader runs already.
 */
void bpf_unwind__start(struct bpf_unwind *u, const struct sampler_opts *o);

void bpf_unwind__stats(const struct bpf_unwind *u, struct bpf_unwind_stats *st);

/* Closes the shards (the kernel frees them with the program's maps); accepts NULL. */
void bpf_unwind__free(struct bpf_unwind *u);

#endif
