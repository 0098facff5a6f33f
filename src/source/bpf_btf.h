/* SPDX-License-Identifier: MIT */
/* Private to src/source: the build kernel's types for libbpf's CO-RE, when this is that kernel. */
#ifndef SCORCH_SOURCE_BPF_BTF_H
#define SCORCH_SOURCE_BPF_BTF_H

#include <stddef.h>

/*
 * When the running kernel is the one scorch was built on (same build-id), writes the minimal
 * BTF cut at build time into a memfd, puts its /proc/self/fd path into path and returns the fd
 * (close it after the object is loaded); libbpf then relocates against those few types instead
 * of parsing the whole kernel BTF. Returns -1, path empty, otherwise: libbpf reads the kernel's.
 */
int bpf_btf__open(char *path, size_t len);

#endif
