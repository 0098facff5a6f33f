/* SPDX-License-Identifier: MIT */
/* The profile model: interned strings, a frame table, a stack trie with typed value columns. */
#ifndef SCORCH_PROFILE_H
#define SCORCH_PROFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every reader (perf script, folded, live recording) fills a struct profile and every
 * writer (folded, SVG, TUI, ...) reads one.  Ids are dense uint32_t indexes:
 *   string id  -> profile__str()
 *   frame id   -> profile__frame_get()   (name, module, file, line, kind)
 *   node id    -> a position in the stack trie; node 0 is the root and has no frame.
 * Values are per-node *self* values in numbered columns (samples, before/after, ...);
 * profile__totals() derives inclusive values.
 */

#define PROFILE_ROOT 0u
#define PROFILE_NONE UINT32_MAX
#define PROFILE_MAX_COLUMNS 4

enum frame_kind {
	FRAME_USER = 0,
	FRAME_KERNEL,
	FRAME_JIT,
	FRAME_INLINED,
	FRAME_OFFCPU,
	FRAME_SYNTHETIC, /* comm, [unknown], thread names */
};

/*
 * A frame keeps what every exporter needs. name is the display name as the folded format
 * prints it, *without* the writer's annotations (_[k], _[j], _[i], :file:line are added by
 * the folded and SVG writers from their options, see sink_opts). Identity (what
 * profile__frame_full() deduplicates on) is every field except addr and mapping: those two
 * are one representative location (the first seen), so a function sampled at many
 * addresses or in many processes stays one frame and one trie node.
 */
struct frame {
	uint32_t name;    /* display name, string id */
	uint32_t module;  /* string id, or PROFILE_NONE */
	uint32_t file;    /* string id, or PROFILE_NONE */
	uint32_t line;    /* 0 when unknown */
	uint32_t kind;    /* enum frame_kind */
	uint32_t raw;     /* raw symbol (mangled, with arguments) string id, or PROFILE_NONE */
	uint32_t mapping; /* mapping id (profile__mapping_get), or PROFILE_NONE */
	uint32_t unused;  /* zero */
	uint64_t addr;    /* an instruction address in this frame, 0 when unknown */
};

/* One mapped file of a process, as pprof and perf describe it. */
struct mapping {
	uint32_t path;     /* string id */
	uint32_t build_id; /* string id of the lower-case hex build-id, or PROFILE_NONE */
	uint64_t start, end; /* mapped address range [start, end) */
	uint64_t pgoff;      /* file offset of start */
};

/* What a source knows about one frame, for profile__frame_full(). NULL/0 = unknown. */
struct mapping_info {
	const char *path;
	const unsigned char *build_id;
	size_t build_id_len;
	uint64_t start, end, pgoff;
};

struct frame_info {
	const char *name; /* display name (required) */
	size_t name_len;  /* bytes of name; 0 means strlen(name) */
	const char *raw;  /* raw symbol, or NULL */
	size_t raw_len;   /* 0 means strlen(raw) */
	const char *module;
	const char *file;
	uint32_t line;
	enum frame_kind kind;
	uint64_t addr;
	const struct mapping_info *map;
};

/* What a value column measures; decides the unit writers print. */
enum column_type {
	COLUMN_SAMPLES = 0, /* "samples" */
	COLUMN_COUNT,       /* events of any other kind: "count" */
	COLUMN_NANOSECONDS, /* "ns" */
	COLUMN_MICROSECONDS, /* "us" */
	COLUMN_BYTES,       /* "bytes" */
};

struct profile_meta {
	char *event;      /* "cpu-clock", ... ; owned */
	char *cmdline;    /* owned */
	char *host;       /* owned */
	uint64_t period;  /* sample period, 0 if unknown */
	uint32_t freq;    /* sampling frequency in Hz, 0 if unknown */
	uint64_t start_ns;    /* wall-clock start, ns since the epoch */
	uint64_t duration_ns; /* 0 if unknown */
	uint64_t lost;        /* samples the source reported lost */
};

/* One sample in the optional timeline: when, where (process, thread, CPU), which stack. */
struct timeline_entry {
	uint64_t time_ns; /* since the start of sampling */
	uint32_t pid;
	uint32_t tid;
	uint32_t cpu;
	uint32_t node;    /* the leaf node of the sample's stack */
};

/* What a thread was doing over a span of time (off-CPU backend, sched_switch/sched_waking). */
enum thread_state {
	THREAD_RUNNING,  /* on a CPU */
	THREAD_RUNNABLE, /* ready, waiting for a CPU (preempted, or woken and queued) */
	THREAD_BLOCKED,  /* asleep: I/O, locks, sleeps */
	THREAD_NSTATES,
};

/* One thread-state span, [start_ns, end_ns) since the start of sampling. */
struct thread_span {
	uint64_t start_ns, end_ns;
	uint32_t pid, tid;
	uint32_t comm;  /* string id of the thread's name, or PROFILE_NONE */
	uint32_t state; /* enum thread_state */
};

/* Spans kept per profile; more are counted as dropped, not stored (24 MiB at most). */
#define PROFILE_MAX_SPANS (1u << 20)

struct profile;
struct strbuf;

/* Creates an empty profile with one column named "samples". Free with profile__free. */
struct profile *profile__new(void);
/* Frees everything; accepts NULL. */
void profile__free(struct profile *p);

/* Metadata owned by the profile; fields may be set directly (strings via xstrdup). */
struct profile_meta *profile__meta(struct profile *p);

/*
 * Columns. Column 0 exists from the start ("samples", COLUMN_SAMPLES). Returns the new
 * column index, or -ENOSPC after PROFILE_MAX_COLUMNS.
 */
int profile__add_column(struct profile *p, const char *name, enum column_type type);
int profile__ncolumns(const struct profile *p);
const char *profile__column_name(const struct profile *p, int col);
enum column_type profile__column_type(const struct profile *p, int col);
/* Renames and retypes an existing column (e.g. column 0 of an off-CPU profile). */
void profile__set_column(struct profile *p, int col, const char *name, enum column_type type);
/* The unit of a column's values: "samples", "count", "ns", "us" or "bytes". */
const char *profile__column_unit(const struct profile *p, int col);

/*
 * Fixed-point values: every value in every column (and the sequence) is the count times the
 * profile's value scale, 1 for integer counts. The folded reader keeps fractional counts
 * (flamegraph.pl draws 0.25 and 1.5) as multiples of 1/PROFILE_FRAC_SCALE; writers that
 * print counts divide by profile__value_scale().
 */
#define PROFILE_FRAC_SCALE 1000000u
void profile__set_value_scale(struct profile *p, uint64_t scale);
uint64_t profile__value_scale(const struct profile *p);

/* Interns len bytes (need not be NUL-terminated); same bytes, same id. */
uint32_t profile__intern(struct profile *p, const char *s, size_t len);
/* The NUL-terminated bytes of a string id; stable for the life of the profile. */
const char *profile__str(const struct profile *p, uint32_t id);
uint32_t profile__strlen(const struct profile *p, uint32_t id);
uint32_t profile__nstrings(const struct profile *p);

/* Finds or adds a frame (no raw symbol, address or mapping). module/file may be PROFILE_NONE. */
uint32_t profile__frame(struct profile *p, uint32_t name, uint32_t module, uint32_t file,
			uint32_t line, enum frame_kind kind);
/* Shortcut: a frame with just a name (kind as given). */
uint32_t profile__frame_named(struct profile *p, const char *name, size_t len,
			      enum frame_kind kind);
/* Finds or adds the frame fi describes (strings interned, mapping added as needed). */
uint32_t profile__frame_full(struct profile *p, const struct frame_info *fi);
const struct frame *profile__frame_get(const struct profile *p, uint32_t frame);
uint32_t profile__nframes(const struct profile *p);

/* Finds or adds a mapping; build_id may be NULL. Returns its id. */
uint32_t profile__mapping(struct profile *p, const struct mapping_info *mi);
const struct mapping *profile__mapping_get(const struct profile *p, uint32_t mapping);
uint32_t profile__nmappings(const struct profile *p);

/* Finds or creates the child of node with this frame; returns its node id. */
uint32_t profile__child(struct profile *p, uint32_t node, uint32_t frame);
/* Creates the child of node with this frame, which the caller knows node does not have yet
 * (a reader of sorted stacks knows it; no lookup); returns its node id. */
uint32_t profile__child_new(struct profile *p, uint32_t node, uint32_t frame);
/* Adds value to node's self value in column col. Returns 0, or -EOVERFLOW (value kept). */
int profile__add(struct profile *p, uint32_t node, int col, uint64_t value);
/* Sets node's value in column col (used to rescale one column). */
void profile__set(struct profile *p, uint32_t node, int col, uint64_t value);
/* Adds a whole stack, root first; returns the leaf node. */
uint32_t profile__add_stack(struct profile *p, const uint32_t *frames, size_t n, int col,
			    uint64_t value);

uint32_t profile__nnodes(const struct profile *p);
uint32_t profile__node_frame(const struct profile *p, uint32_t node);
uint32_t profile__node_parent(const struct profile *p, uint32_t node);
uint32_t profile__node_depth(const struct profile *p, uint32_t node);
uint32_t profile__first_child(const struct profile *p, uint32_t node);
uint32_t profile__next_sibling(const struct profile *p, uint32_t node);
/* Orders every node's children (profile__first_child, profile__next_sibling) by key[frame],
 * ties by node id, in place: O(nodes log children), no memory besides the nodes. */
void profile__sort_children(struct profile *p, const uint32_t *key);
/* A node's self value (of an inclusive column: its total less its children's, which costs a
 * walk of its children). */
uint64_t profile__self(const struct profile *p, uint32_t node, int col);
/* Every node's self value in column col (profile__nnodes() entries), owned by the profile:
 * valid until the profile changes. NULL for an inclusive column. */
const uint64_t *profile__column(const struct profile *p, int col);
/* Name string of the node's frame ("" for the root). */
const char *profile__node_name(const struct profile *p, uint32_t node);

/*
 * Inclusive values of every node for column col: returns an array of profile__nnodes()
 * entries that the caller frees. Saturates at UINT64_MAX instead of wrapping.
 */
uint64_t *profile__totals(const struct profile *p, int col);
/*
 * For a profile that no longer changes: column col is made to hold inclusive values in
 * place (saturating) and is returned (profile__nnodes() entries, owned by the profile), so
 * a viewer of a huge profile needs no second array of totals. Readers of the profile go on
 * as before (profile__self derives self values); its values must not be added to or set
 * afterwards (profile__clear_values makes the column a self column again).
 */
const uint64_t *profile__make_inclusive(struct profile *p, int col);
/* Sum of all self values in a column (saturating). */
uint64_t profile__column_total(const struct profile *p, int col);

/*
 * Adds every stack of src to dst: frames are matched by their strings, values of src column
 * c go to dst column colmap[c] (skipped when negative). src is not changed.
 * Returns 0, or -EOVERFLOW if a sum no longer fits (that value saturates).
 */
int profile__merge(struct profile *dst, const struct profile *src, const int *colmap);

/*
 * A view of p for writers: every frame renamed by label() (which appends to out), frames
 * split at ';' in a label, and stacks that now read the same merged, with columns,
 * metadata and the sequence carried over (not the timeline). The new frames carry only
 * names. Returns NULL when the view would equal p (every label is its frame's name, no
 * two frames share a name, no ';'): use p itself then. Free the result with profile__free.
 */
typedef void (*profile_label_fn)(const struct profile *p, uint32_t frame, struct strbuf *out,
				 void *arg);
struct profile *profile__relabel(const struct profile *p, profile_label_fn label, void *arg);

/* Clears every value (keeps strings, frames and nodes): the "reset" mode of live views. */
void profile__clear_values(struct profile *p);

/*
 * Drops the whole call tree and its timeline, spans and sequence, and gives their memory
 * back; strings, frames and mappings stay, so frame ids held elsewhere remain valid. A
 * long-running agent calls it after each push so the tree holds one interval at a time.
 */
void profile__reset_tree(struct profile *p);
/* Multiplies every value by num/den (live "decay" mode). */
void profile__scale_values(struct profile *p, uint64_t num, uint64_t den);

/* Optional timeline of samples: appends one entry (in arrival order). */
void profile__timeline_add(struct profile *p, uint64_t time_ns, uint32_t pid, uint32_t tid,
			   uint32_t cpu, uint32_t node);
const struct timeline_entry *profile__timeline(const struct profile *p, size_t *n);

/*
 * Optional thread-state spans: appends one (in arrival order). Returns 0, or -ENOSPC when
 * PROFILE_MAX_SPANS are kept already (the span is counted in *dropped of profile__spans).
 */
int profile__span_add(struct profile *p, const struct thread_span *sp);
/* The spans, their count in *n, and in *dropped (may be NULL) how many did not fit. */
const struct thread_span *profile__spans(const struct profile *p, size_t *n, uint64_t *dropped);

/*
 * Optional sequence of (leaf node, value) in input order: folded lines as they came, for
 * flame charts (time order, no merging of non-adjacent stacks).
 */
struct sequence_entry {
	uint32_t node;
	uint64_t value;
};
void profile__sequence_add(struct profile *p, uint32_t node, uint64_t value);
const struct sequence_entry *profile__sequence(const struct profile *p, size_t *n);

/*
 * Ordering used by the folded and SVG writers to reproduce the byte-wise sort of
 * "frame;frame;... count" lines without building them.  For each node the writer visits
 * items: the node's own line (if it has a self value) and the block of its descendants.
 * A sibling's self item sorts as name+self_term (self_term < 0 means end of string,
 * otherwise that byte, e.g. ' ' when a count follows), a block as name+';'.
 *
 * profile__walk_lines calls fn(node, arg) for every node with a non-zero value in any
 * of the columns in colmask, in exactly the order sorted lines would have.
 */
typedef void (*profile_line_fn)(const struct profile *p, uint32_t node, void *arg);
void profile__walk_lines(const struct profile *p, unsigned colmask, int self_term,
			 profile_line_fn fn, void *arg);
/*
 * The same walk, but before descending into the descendants of a node it asks skip(node):
 * when that returns true the block is not visited (a writer that will not draw anything
 * that small accounts for its total itself).
 */
typedef int (*profile_skip_fn)(const struct profile *p, uint32_t node, void *arg);
void profile__walk_lines_pruned(const struct profile *p, unsigned colmask, int self_term,
				profile_line_fn fn, profile_skip_fn skip, void *arg);

/*
 * Appends the path of node (root excluded) joined with ';' to buf[*len..cap) growing it
 * with xrealloc; used by writers that print stacks.
 */
void profile__path(const struct profile *p, uint32_t node, char **buf, size_t *len,
		   size_t *cap);

/*
 * Incremental path text for walks that visit nodes in trie order: each call returns node's
 * path (frames joined with ';') and rebuilds only the part below the deepest frame it
 * shares with the previous call. Zero-initialise; free with profile_path__free.
 */
struct profile_path {
	char *buf;
	size_t len, cap;
	uint32_t *nodes; /* node at depth d+1 */
	size_t *ends;    /* buf offset after that node's name */
	size_t depth, capdepth;
};
const char *profile_path__of(struct profile_path *pp, const struct profile *p, uint32_t node,
			     size_t *len);
void profile_path__free(struct profile_path *pp);

#endif
