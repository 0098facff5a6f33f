// SPDX-License-Identifier: MIT
/* --call-graph auto's rule: does an ELF file's code keep frame pointers? (prologue census) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "dwarf.h"
#include "../util/hashmap.h"

#define MAX_PROBES 4096

/* The file bytes at virtual address vaddr, or NULL when no PT_LOAD holds len of them. */
static const uint8_t *at_vaddr(Elf *elf, const char *raw, size_t size, uint64_t vaddr, size_t len)
{
	size_t phnum;
	if (elf_getphdrnum(elf, &phnum) != 0)
		return NULL;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr < ph.p_vaddr || vaddr + len > ph.p_vaddr + ph.p_filesz)
			continue;
		uint64_t off = ph.p_offset + (vaddr - ph.p_vaddr);
		return off + len <= size ? (const uint8_t *)raw + off : NULL;
	}
	return NULL;
}

/* push %rbp; mov %rsp,%rbp (either encoding of the mov), after an optional endbr64. */
static bool fp_prologue(const uint8_t *p)
{
	static const uint8_t endbr64[4] = {0xf3, 0x0f, 0x1e, 0xfa};
	if (!memcmp(p, endbr64, 4))
		p += 4;
	return p[0] == 0x55 && p[1] == 0x48 && ((p[2] == 0x89 && p[3] == 0xe5) ||
						(p[2] == 0x8b && p[3] == 0xec));
}

static int census(Elf *elf)
{
	size_t shstrndx, size;
	const char *raw = elf_rawfile(elf, &size);
	if (!raw || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return -ENOEXEC;
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64)
		return -ENOEXEC;
	GElf_Shdr sh;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".eh_frame_hdr"))
			break;
		sh.sh_size = 0;
	}
	/* version 1, eh_frame_ptr encoding, fde_count encoding (udata4), table encoding
	 * (datarel sdata4), then eh_frame_ptr (4), fde_count (4), the table. */
	if (sh.sh_size < 12 || sh.sh_offset + sh.sh_size > size)
		return -ENOENT;
	const uint8_t *h = (const uint8_t *)raw + sh.sh_offset;
	if (h[0] != 1 || h[2] != 0x03 || h[3] != 0x3b || (h[1] & 0x0f) != 0x0b)
		return -ENOTSUP;
	uint32_t count;
	memcpy(&count, h + 8, 4);
	if (count == 0 || 12 + (uint64_t)count * 8 > sh.sh_size)
		return -ENOENT;
	uint32_t step = count > MAX_PROBES ? count / MAX_PROBES : 1;
	uint32_t probed = 0, framed = 0, pushed = 0;
	for (uint32_t i = 0; i < count; i += step) {
		int32_t rel;
		memcpy(&rel, h + 12 + (size_t)i * 8, 4);
		const uint8_t *code = at_vaddr(elf, raw, size, sh.sh_addr + (int64_t)rel, 8);
		if (!code)
			continue;
		probed++;
		framed += fp_prologue(code);
		pushed += code[0] == 0x55 || (code[0] == 0xf3 && code[4] == 0x55);
	}
	if (!probed)
		return -ENOENT;
	/* With frame pointers, every function that pushes %rbp first makes it the frame
	 * pointer (leaf functions may skip both); without, %rbp is one more callee-saved
	 * register and the mov appears only where the stack is realigned or alloca'd. */
	return framed > 0 && framed * 3 >= pushed;
}

int unwind__binary_has_fp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	int ret = elf && elf_kind(elf) == ELF_K_ELF ? census(elf) : -ENOEXEC;
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

/* The first word of a "#!" line, or "" (a script's interpreter). */
static void interpreter(const char *path, char *out, size_t len)
{
	char buf[256];
	out[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 3 || buf[0] != '#' || buf[1] != '!')
		return;
	buf[n] = '\0';
	char *p = buf + 2 + strspn(buf + 2, " \t");
	size_t w = strcspn(p, " \t\n");
	if (w == 0 || w >= len)
		return;
	memcpy(out, p, w);
	out[w] = '\0';
	/* #!/usr/bin/env NAME: the NAME it runs */
	if (!strcmp(out, "/usr/bin/env") || !strcmp(out, "/bin/env")) {
		p += w + strspn(p + w, " \t");
		w = strcspn(p, " \t\n");
		if (w == 0 || w >= len) {
			out[0] = '\0';
			return;
		}
		memcpy(out, p, w);
		out[w] = '\0';
	}
}

static int search_path(const char *name, char *out, size_t len)
{
	if (strchr(name, '/')) {
		if (access(name, X_OK) != 0)
			return -errno;
		snprintf(out, len, "%s", name);
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t w = strcspn(p, ":");
		if (snprintf(out, len, "%.*s/%s", (int)w, w ? p : ".", name) < (int)len &&
		    access(out, X_OK) == 0)
			return 0;
		p += w + (p[w] == ':');
	}
	return -ENOENT;
}

int unwind__command_binary(const char *argv0, char *out, size_t len)
{
	int ret = search_path(argv0, out, len);
	if (ret < 0)
		return ret;
	char interp[256];
	interpreter(out, interp, sizeof(interp));
	return interp[0] ? search_path(interp, out, len) : 0;
}

/* The cached verdict on path (link: another name to try for it, or NULL). */
static bool path_lacks_fp(struct hashmap *verdicts, const char *path, const char *link)
{
	bool fresh;
	struct hashmap_entry *e = hashmap__put_bytes(verdicts, path, strlen(path), &fresh);
	if (fresh) {
		int has = unwind__binary_has_fp(path);
		if (has < 0 && link)
			has = unwind__binary_has_fp(link); /* deleted or in another namespace */
		e->value = has < 0 ? 3 : (uint64_t)has + 1;
	}
	return e->value == 1;
}

bool unwind__pid_lacks_fp(struct hashmap *verdicts, uint32_t pid, const char *fallback)
{
	char link[64], exe[4096];
	snprintf(link, sizeof(link), "/proc/%u/exe", pid);
	ssize_t n = readlink(link, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		return path_lacks_fp(verdicts, exe, link);
	}
	return fallback && path_lacks_fp(verdicts, fallback, NULL);
}

bool unwind__binary_lacks_fp(struct hashmap *verdicts, const char *path)
{
	return path_lacks_fp(verdicts, path, NULL);
}
