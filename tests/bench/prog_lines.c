// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * prog_lines ID: where each source line of a loaded BPF program starts in
 * its JIT image, for mapping perf samples (kernel addresses) to lines.
 * Prints "ADDRESS LINE TEXT" for every line-info record (addresses in hex,
 * as perf prints them), then "func ADDRESS LENGTH" for every function of the
 * program (its main one and its subprograms). bpftool can print this only
 * when built with libbfd, which Debian's is not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

int main(int argc, char **argv)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), i, nl, njl, nk, nf;
	struct bpf_line_info *li;
	__u64 *jl, *ksyms;
	__u32 *flens;
	struct btf *btf;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: prog_lines PROG_ID\n");
		return 2;
	}
	fd = bpf_prog_get_fd_by_id(atoi(argv[1]));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		perror("prog_lines: program info");
		return 1;
	}
	nl = info.nr_line_info;
	njl = info.nr_jited_line_info;
	nk = info.nr_jited_ksyms;
	nf = info.nr_jited_func_lens;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	li = calloc(nl + 1, sizeof(*li));
	jl = calloc(njl + 1, sizeof(*jl));
	ksyms = calloc(nk + 1, sizeof(*ksyms));
	flens = calloc(nf + 1, sizeof(*flens));
	if (!btf || !li || !jl || !ksyms || !flens) {
		fprintf(stderr, "prog_lines: no BTF or line info for program %s\n", argv[1]);
		return 1;
	}
	memset(&info, 0, sizeof(info));
	info.nr_line_info = nl;
	info.line_info_rec_size = sizeof(*li);
	info.line_info = (unsigned long)li;
	info.nr_jited_line_info = njl;
	info.jited_line_info_rec_size = sizeof(*jl);
	info.jited_line_info = (unsigned long)jl;
	info.nr_jited_ksyms = nk;
	info.jited_ksyms = (unsigned long)ksyms;
	info.nr_jited_func_lens = nf;
	info.jited_func_lens = (unsigned long)flens;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		perror("prog_lines: line info");
		return 1;
	}
	/* the JIT's addresses are the kernel's, shown to root only */
	for (i = 0; i < njl && i < nl; i++) {
		const char *text = btf__name_by_offset(btf, li[i].line_off);

		printf("%llx %u %s\n", (unsigned long long)jl[i],
		       BPF_LINE_INFO_LINE_NUM(li[i].line_col), text ? text : "");
	}
	for (i = 0; i < nk && i < nf; i++)
		printf("func %llx %u\n", (unsigned long long)ksyms[i], flens[i]);
	return 0;
}
