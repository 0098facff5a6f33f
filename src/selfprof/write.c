// SPDX-License-Identifier: MIT
/* Self-profiler output: raw stacks -> the shared symbolizer -> a profile -> folded or SVG. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../model/profile.h"
#include "../sink/sink.h"
#include "../source/frame_name.h"
#include "../symbol/symbolizer.h"
#include "../util/util.h"
#include "internal.h"

#define SKIP_FRAME UINT64_MAX /* address cache value: the frame is left out */

struct namer {
	struct symbolizer *sym;
	uint32_t pid;
	struct profile *p;
	struct hashmap addrs;	/* (address, 0) -> frame id + 1, or SKIP_FRAME */
	struct hashmap names;	/* (name string id, 0) -> frame id + 1 */
	const char *own_module; /* this library's path in the maps: its frames are left out */
	struct strbuf sb;
};

/*
 * One frame per distinct printed name, as identical folded lines are one line: the same
 * static function name in two modules, or a name with and without a symbol, share it.
 */
static uint32_t frame_for_name(struct namer *nm, bool symbol)
{
	uint32_t name = profile__intern(nm->p, nm->sb.buf, nm->sb.len);
	bool fresh;
	struct hashmap_entry *e = hashmap__put_u64(&nm->names, name, 0, &fresh);
	if (fresh) {
		enum frame_kind kind = symbol ? FRAME_USER : FRAME_SYNTHETIC;
		e->value = profile__frame(nm->p, name, PROFILE_NONE, PROFILE_NONE, 0, kind) + 1ull;
	}
	return (uint32_t)(e->value - 1);
}

/* The frame id of addr (a call site or the interrupted pc); false to leave the frame out. */
static bool frame_of(struct namer *nm, uint64_t addr, uint32_t *frame)
{
	bool fresh;
	struct hashmap_entry *e = hashmap__put_u64(&nm->addrs, addr, 0, &fresh);
	if (fresh) {
		struct sym_frame f;
		symbolizer__resolve(nm->sym, nm->pid, addr, false, &f, 1);
		if (nm->own_module && f.module && !strcmp(f.module, nm->own_module)) {
			e->value = SKIP_FRAME;
		} else {
			/* The name stackcollapse-perf.pl prints for what perf script shows. */
			if (f.name) {
				nm->sb.len = 0;
				strbuf__adds(&nm->sb, f.name);
			} else {
				frame_name__module(&nm->sb, f.module);
			}
			frame_name__tidy(&nm->sb);
			uint32_t id = frame_for_name(nm, f.name != NULL);
			/* frame_for_name may have grown nm->names, never nm->addrs: e is valid. */
			e->value = (uint64_t)id + 1;
		}
	}
	if (e->value == SKIP_FRAME)
		return false;
	*frame = (uint32_t)(e->value - 1);
	return true;
}

/* Every stack into nm->p, root first, under one root frame named comm. */
static void build_profile(struct namer *nm, const struct hashmap *stacks, const char *comm)
{
	uint32_t *frames = NULL;
	size_t cap = 0;
	uint32_t root = profile__frame_named(nm->p, comm, strlen(comm), FRAME_SYNTHETIC);
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(stacks, e));) {
		const uintptr_t *pc = (const uintptr_t *)(const void *)hashmap_entry__key(e);
		size_t n = e->b / sizeof(*pc);
		if (n + 1 > cap) {
			cap = n + 64;
			frames = xrealloc(frames, cap * sizeof(*frames));
		}
		size_t k = 0;
		frames[k++] = root;
		for (size_t i = n; i-- > 0;) {
			/* Return addresses point after the call: look up the call itself. */
			if (frame_of(nm, i ? pc[i] - 1 : pc[i], &frames[k]))
				k++;
		}
		profile__add_stack(nm->p, frames, k, 0, e->value);
	}
	free(frames);
}

int selfprof__write(const struct hashmap *stacks, const char *comm, const char *path)
{
	struct symbolizer_opts so = {.demangle = true};
	struct namer nm = {
	    .sym = symbolizer__new(&so), .pid = (uint32_t)getpid(), .p = profile__new()};
	/* Snapshot our maps now: every library that is still loaded resolves. */
	int err = symbolizer__add_pid(nm.sym, nm.pid);
	if (err == 0) {
		struct sym_frame self;
		symbolizer__resolve(nm.sym, nm.pid, (uintptr_t)selfprof__write, false, &self, 1);
		if (self.module && strcmp(self.module, "[unknown]") != 0)
			nm.own_module = self.module;
		build_profile(&nm, stacks, comm);
		/* An .svg name gets a flame graph; any other name folded stacks, as always. */
		const struct sink *sk = sink__for_path(path);
		if (!sk || strcmp(sk->name, "svg") != 0)
			sk = sink__by_name("folded");
		err = sink__write(nm.p, path, sk, NULL);
	}
	hashmap__destroy(&nm.addrs);
	hashmap__destroy(&nm.names);
	strbuf__free(&nm.sb);
	profile__free(nm.p);
	symbolizer__free(nm.sym);
	return err;
}
