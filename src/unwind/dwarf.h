/* SPDX-License-Identifier: MIT */
/* Live DWARF (CFI) unwinding of copied user stacks with libdw: one Dwfl per address space. */
#ifndef SCORCH_UNWIND_DWARF_H
#define SCORCH_UNWIND_DWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The registers a sample must carry (perf_event_attr.sample_regs_user on x86-64): AX..IP and
 * R8..R15, 17 values, in perf's order (the order of the set bits). sp, bp and ip are the ones
 * most frames need; the rest are what CFI may name (callee-saved registers, r10 in the
 * stack-realigning prologue of main).
 */
#define UNWIND_PERF_REGS_MASK 0xff01ffull
#define UNWIND_NREGS 17
enum { UNWIND_REG_BP = 6, UNWIND_REG_SP = 7, UNWIND_REG_IP = 8 }; /* indexes into regs[] */

/* Why an unwind stopped before the outermost frame (the thread's start). */
enum unwind_why {
	UNWIND_OK = 0,
	UNWIND_TRUNCATED, /* the stack is deeper than the bytes copied: a [truncated] frame */
	UNWIND_NO_MODULE, /* a pc in no file mapping (JIT code, a bad return address) */
	UNWIND_NO_CFI,	  /* a pc whose file has no CFI row for it */
	UNWIND_BAD_READ,  /* CFI asked for memory outside the copied stack and the files */
	UNWIND_NO_REGS,	  /* the sample had no user registers (a kernel thread) */
	UNWIND_NO_ELF,	  /* the process's files could not be opened */
	UNWIND_OTHER,	  /* libdw gave up for another reason (an invalid register value) */
	UNWIND_WHY_COUNT
};

struct unwind_stats {
	uint64_t samples;			 /* unwinds attempted */
	uint64_t stopped[UNWIND_WHY_COUNT]; /* by cause; stopped[UNWIND_OK] is the complete ones */
	uint64_t leaf_samples;			 /* fp+leaf: samples seen */
	uint64_t leaf_repaired; /* fp+leaf: samples whose frame-pointer chain gained frames */
};

/* One sample's user state: registers in perf's order (UNWIND_PERF_REGS_MASK) and the stack
 * bytes copied from regs[UNWIND_REG_SP] up; full says the copy stopped at the size asked, not
 * at the end of the stack. */
struct unwind_input {
	uint32_t pid, tid;
	const uint64_t *regs; /* NULL: none (kernel thread) */
	const uint8_t *stack;
	size_t stack_len;
	bool full;
};

/* The word at addr from the stack copy (regs[UNWIND_REG_SP] is its first byte): false when
 * any of its 8 bytes lies outside the copy, including addresses that wrap around 2^64. */
bool unwind_input__read(const struct unwind_input *in, uint64_t addr, uint64_t *out);

struct unwinder;

/* Creates an unwinder (no process known yet). Returns NULL when libdw cannot be used. */
struct unwinder *unwinder__new(void);
/* Accepts NULL. */
void unwinder__free(struct unwinder *u);

/*
 * Process events, in time order with the samples (the perf decoder forwards them). mmap: an
 * executable file mapping of pid at [start, start+len) from pgoff. exec: pid's image changed
 * (the new maps follow as mmap events). fork: pid was created by ppid (copy its maps);
 * exit: the process ended (after its last sample).
 * A pid first seen otherwise has its maps read from /proc/PID/maps.
 */
void unwinder__mmap(struct unwinder *u, uint32_t pid, uint64_t start, uint64_t len,
		    uint64_t pgoff, const char *path);
void unwinder__exec(struct unwinder *u, uint32_t pid);
void unwinder__fork(struct unwinder *u, uint32_t ppid, uint32_t pid);
/* The process pid exited: its address space (and Dwfl) is freed. */
void unwinder__exit(struct unwinder *u, uint32_t pid);

/*
 * Unwinds one sample: writes at most max user pcs into ips, leaf first (ips[0] the exact pc,
 * the others return addresses, as struct raw_sample wants them), and returns how many
 * (0 when not even the leaf is known). *why says why it stopped (UNWIND_OK: at the thread's
 * start); the count is also added to the statistics.
 */
uint32_t unwinder__unwind(struct unwinder *u, const struct unwind_input *in, uint64_t *ips,
			  uint32_t max, enum unwind_why *why);

/*
 * fp+leaf: repairs a frame-pointer chain (fp[0] the pc, then return addresses, nfp of them)
 * with the first frames unwound from CFI over a small stack copy. Writes the joined chain
 * into out (at most max) and returns its length; counts a repair when frames were gained.
 */
uint32_t unwinder__repair_leaf(struct unwinder *u, const struct unwind_input *in,
			       const uint64_t *fp, uint32_t nfp, uint64_t *out, uint32_t max);

/*
 * --call-graph auto: whether pid's main binary lacks frame pointers (decided once per binary
 * file, see unwind__binary_has_fp). Unknown binaries count as having them.
 */
bool unwinder__pid_wants_dwarf(struct unwinder *u, uint32_t pid);

/*
 * The rule for auto: over the functions an x86-64 ELF file's .eh_frame_hdr lists (up to 4096
 * of them, evenly spread), the file keeps frame pointers when some begin with
 * `push %rbp; mov %rsp,%rbp` (after an optional endbr64) and those are at least a third of
 * the functions that begin with `push %rbp`. With frame pointers every function that saves
 * %rbp first makes it the frame pointer (leaves may do neither); without, %rbp is one more
 * callee-saved register. Returns 1 (has them), 0 (lacks them) or a negative errno
 * (unreadable, not x86-64 ELF, no .eh_frame_hdr in the usual encoding).
 */
int unwind__binary_has_fp(const char *path);

struct hashmap;
/*
 * --call-graph auto for one process: whether pid's main binary (/proc/PID/exe, else fallback,
 * e.g. the first file it mapped, since exec maps the binary first) lacks frame pointers.
 * verdicts caches unwind__binary_has_fp per path (keys by bytes; the caller destroys it).
 * Unknown or unreadable binaries count as having them (false).
 */
bool unwind__pid_lacks_fp(struct hashmap *verdicts, uint32_t pid, const char *fallback);

/* The same for a binary known by its path (no /proc lookup): cached in verdicts. */
bool unwind__binary_lacks_fp(struct hashmap *verdicts, const char *path);

/*
 * The binary `-- ARGV0 ...` will run: argv0 searched in PATH as execvp does, and for a
 * "#!" script its interpreter (through /usr/bin/env too). Writes the path into out; returns
 * 0 or -ENOENT.
 */
int unwind__command_binary(const char *argv0, char *out, size_t len);

void unwinder__stats(const struct unwinder *u, struct unwind_stats *st);
/* Called after each drain: once a second at most, frees the address spaces of
 * processes that are gone (their exit record was lost). Accepts NULL. */
void unwinder__drained(struct unwinder *u);
/* The address spaces known and those with a live Dwfl (at most UNWIND_MAX_DWFL). */
void unwinder__tables(const struct unwinder *u, size_t *spaces, size_t *dwfls);
/* Writes "12 truncated, 3 no CFI" (the causes in st that stopped unwinds early) into buf;
 * returns how many causes it named. */
int unwind__stats_text(const struct unwind_stats *st, char *buf, size_t size);

#endif
