/* SPDX-License-Identifier: MIT */
/* What the BPF DWARF unwinder and its user side share: CFI rows, mappings, limits. */
#ifndef SCORCH_BPF_UNWIND_H
#define SCORCH_BPF_UNWIND_H

/*
 * Rows live in shards: equal arrays of UNWIND_SHARD_ROWS rows, held by an array of maps and
 * created by user space as tables arrive. A table's rows are contiguous in the global row
 * index (shard = index >> UNWIND_SHARD_SHIFT), and may span shards.
 */
#define UNWIND_SHARD_SHIFT 18
#define UNWIND_SHARD_ROWS (1u << UNWIND_SHARD_SHIFT)
#define UNWIND_MAX_SHARDS 256 /* 64 Mi rows */
#define UNWIND_SEARCH_STEPS 27 /* enough for any table below 2^26 rows */

/* Executable mappings kept per process (sorted by start; binary searched). */
#define UNWIND_MAX_MAPPINGS 256
#define UNWIND_MAPPING_STEPS 9

/* How the CFA (the caller's stack pointer) is found at a PC: the row's low 4 bits. */
enum unwind_cfa {
	UNWIND_CFA_NONE = 0,     /* no CFI here (a gap between FDEs): frame pointers instead */
	UNWIND_CFA_RSP = 1,      /* cfa = rsp + cfa_off */
	UNWIND_CFA_RBP = 2,      /* cfa = rbp + cfa_off */
	UNWIND_CFA_PLT = 3,      /* cfa = rsp + cfa_off + ((pc & 15) >= rbp_off ? 8 : 0): PLT stubs */
	UNWIND_CFA_OUTERMOST = 4,/* the return address is undefined: the stack ends here */
	UNWIND_CFA_UNSUPPORTED = 5, /* another rule (an expression): frame pointers instead */
};
/* Flag in the CFA nibble: cfa_off counts 8-byte units (frames of 32 KiB and more). */
#define UNWIND_CFA_SCALED 8

/* Where the caller's rbp is: the row's high 4 bits. The return address is at cfa - 8. */
enum unwind_rbp {
	UNWIND_RBP_SAME = 0,    /* unchanged by this frame */
	UNWIND_RBP_CFA = 1,     /* saved at cfa + rbp_off * 8 */
	UNWIND_RBP_UNKNOWN = 2, /* another rule: the caller's rbp is lost */
};

/* One CFI row: the rule from pc (an ELF virtual address) up to the next row's pc. */
struct unwind_row {
	__u32 pc;
	__s16 cfa_off;
	__s8 rbp_off; /* in units of 8 bytes; for UNWIND_CFA_PLT the threshold instead */
	__u8 kind;    /* enum unwind_cfa | enum unwind_rbp << 4 */
};

/* One executable mapping of a process; row_len 0: no table (frame pointers). */
struct unwind_mapping {
	__u64 start, end;
	__u64 bias; /* ELF virtual address = address - bias */
	__u32 row_start;
	__u32 row_len;
};

struct unwind_proc {
	__u32 n;
	__u32 pad;
	struct unwind_mapping m[UNWIND_MAX_MAPPINGS];
};

#define UNWIND_STACK_SLOTS 128

/*
 * A user stack in the ustacks arrays, by hash bucket: the return addresses after the leaf
 * (the leaf pc travels in the count key). hash 0: a free slot. The BPF side claims a slot by
 * compare-and-swap on hash; user space reads the arrays through mmap and frees slots of the
 * set it drains (no CPU writes to it then).
 */
struct unwind_stack {
	__u64 hash;
	__u32 n;
	__u32 pad;
	__u64 pcs[UNWIND_STACK_SLOTS - 2];
};

#endif
