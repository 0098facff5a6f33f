// SPDX-License-Identifier: MIT
/* The build kernel's minimal BTF for CO-RE, used when the running kernel is that one. */
#define _GNU_SOURCE
#include "bpf_btf.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "min_btf.h"

#define NT_GNU_BUILD_ID 3

/* The running kernel's build-id in hex from /sys/kernel/notes, or "" when it has none. */
static void kernel_build_id(char *hex, size_t len)
{
	unsigned char buf[4096];
	hex[0] = '\0';
	int fd = open("/sys/kernel/notes", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	size_t off = 0;
	while (n > 0 && off + 12 <= (size_t)n) {
		uint32_t h[3]; /* namesz, descsz, type */
		memcpy(h, buf + off, sizeof(h));
		off += 12;
		const unsigned char *name = buf + off;
		off += (h[0] + 3) & ~3u;
		const unsigned char *desc = buf + off;
		off += (h[1] + 3) & ~3u;
		if (off > (size_t)n)
			break;
		if (h[2] == NT_GNU_BUILD_ID && h[0] == 4 && memcmp(name, "GNU", 4) == 0) {
			for (uint32_t i = 0; i < h[1] && 2 * i + 2 < len; i++)
				snprintf(hex + 2 * i, 3, "%02x", desc[i]);
			return;
		}
	}
}

int bpf_btf__open(char *path, size_t len)
{
	char id[128];
	path[0] = '\0';
	if (!min_btf_kernel[0] || getenv("SCORCH_BPF_KERNEL_BTF"))
		return -1;
	kernel_build_id(id, sizeof(id));
	if (strcmp(id, min_btf_kernel) != 0)
		return -1;
	int fd = memfd_create("scorch-btf", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, min_btf, sizeof(min_btf)) != (ssize_t)sizeof(min_btf)) {
		close(fd);
		return -1;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}
