# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make          build build/synlimit (XDP object embedded via a bpftool skeleton)
# make test     install missing packages, build, run every test
#               (TESTS="rate flood": only those, named as tests/run.sh prints them)
# make demo     install missing packages, build, run the demo in namespaces
# make bench    benchmarks, report in build/bench/report.md
# make check    clang-format and cppcheck, both must be clean
# make fuzz     fuzz the limits parser for FUZZ_SECONDS (default 600)
# make format   reformat the sources in place
# make deps     install the Debian packages the build and tests need
# make install  install under PREFIX (default /usr/local) into DESTDIR; make uninstall
# make deb      a Debian package in build/ (dpkg-deb; checked with lintian)
# make clean    remove build/
# V=1           show the commands

BUILD    := build
CLANG    ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL  ?= bpftool
# make CC=gcc (or CC in the environment) is respected; make's own default is not
ifeq ($(origin CC),default)
CC       := clang
endif
# The system include directories clang searches (asm/types.h lives in a
# multiarch one), handed to the BPF target, which searches none by itself.
BPF_SYS_INC := $(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Debian packages: building, testing, the demo.
DEPS_BUILD := clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool pkg-config libpcap-dev \
	libmicrohttpd-dev libsystemd-dev
DEPS_TEST  := iproute2 python3 nftables iptables ethtool util-linux \
	prometheus systemd bash-completion fail2ban linux-perf
DEPS_DEB   := dpkg-dev lintian
# The sanitizer and libFuzzer runtimes of the clang in use (its major version).
DEPS_CLANG_RT = libclang-rt-$$($(CLANG) -dumpversion | cut -d. -f1)-dev
DEPS_CHECK := clang-format cppcheck

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -Wall -Wextra -Werror \
	-Iinclude $(BPF_SYS_INC)
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Iinclude -I$(BUILD) -Iuser -D_GNU_SOURCE
LDLIBS  := -lbpf -lelf -lz -lpcap -lm -lmicrohttpd -lsystemd -lpthread

ABI_HDRS  := $(wildcard include/synlimit/*.h)
BPF_SRCS  := bpf/synlimit.bpf.c $(wildcard bpf/*.h)
USER_SRCS := $(wildcard user/*.c)
USER_HDRS := $(wildcard user/*.h)
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
# everything in user/ but main.c, linked into the tests
LIB_OBJS  := $(filter-out $(BUILD)/user/main.o,$(USER_OBJS))

# exp_table.h is generated data: not formatted
FORMAT_SRCS := $(wildcard bpf/*.c bpf/*.h user/*.c user/*.h tests/*/*.c tests/*/*.h) \
	include/synlimit/abi.h include/synlimit/rate.h include/synlimit/cookie.h \
	include/synlimit/source_table.h

# host unit tests: one program per tests/unit/*.c, no BPF, no root
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))
TEST_BINS := $(UNIT_TESTS) $(BUILD)/tests/test_classify $(BUILD)/tests/test_limiter \
	$(BUILD)/tests/test_replay $(BUILD)/tests/test_syncookie \
	$(BUILD)/tests/test_ports

.PHONY: all test demo bench check format fuzz deps clean install uninstall deb
.DELETE_ON_ERROR:

all: $(BUILD)/synlimit

# One clear message instead of a wall of compiler errors; run before the
# first compile (the BPF object is built first, everything depends on it).
define DEPCHECK
missing=""; \
command -v $(CLANG) >/dev/null || missing="$$missing clang"; \
command -v $(BPFTOOL) >/dev/null || missing="$$missing bpftool"; \
command -v $(LLVM_STRIP) >/dev/null || missing="$$missing llvm"; \
[ -f /usr/include/bpf/libbpf.h ] || missing="$$missing libbpf-dev"; \
[ -f /usr/include/libelf.h ] || missing="$$missing libelf-dev"; \
[ -f /usr/include/zlib.h ] || missing="$$missing zlib1g-dev"; \
[ -f /usr/include/pcap/pcap.h ] || missing="$$missing libpcap-dev"; \
[ -f /usr/include/microhttpd.h ] || missing="$$missing libmicrohttpd-dev"; \
[ -f /usr/include/systemd/sd-daemon.h ] || missing="$$missing libsystemd-dev"; \
if [ -n "$$missing" ]; then \
	echo "synlimit: missing build dependencies:$$missing"; \
	echo "  install them with: make deps (as root), or apt-get install$$missing"; \
	exit 1; \
fi
endef

deps:
	$(Q)sh tests/tools/install-deps.sh $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_DEB)
	$(Q)sh tests/tools/install-deps.sh $(DEPS_CLANG_RT)

$(BUILD) $(BUILD)/user $(BUILD)/tests:
	$(Q)mkdir -p $@

$(BUILD)/synlimit.bpf.o: $(BPF_SRCS) $(ABI_HDRS) | $(BUILD)
	$(Q)$(DEPCHECK)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c bpf/synlimit.bpf.c -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp -o $@ && rm -f $@.tmp

$(BUILD)/synlimit.skel.h: $(BUILD)/synlimit.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name synlimit_bpf > $@

# Cookie mode's TC ingress program: its own object, loaded only when wanted.
$(BUILD)/syncookie_tc.bpf.o: bpf/syncookie_tc.bpf.c $(wildcard bpf/*.h) $(ABI_HDRS) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp -o $@ && rm -f $@.tmp

$(BUILD)/syncookie_tc.skel.h: $(BUILD)/syncookie_tc.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name syncookie_tc_bpf > $@

$(BUILD)/user/%.o: user/%.c $(BUILD)/synlimit.skel.h $(BUILD)/syncookie_tc.skel.h $(ABI_HDRS) $(USER_HDRS) | $(BUILD)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/synlimit: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# synlimit under ASan and UBSan, for one pass of the command tests
# (tests/e2e/test_sanitized.sh); any finding aborts the command. Built with
# $(CLANG), whose sanitizer runtime DEPS_CLANG_RT installs.
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
SAN_OBJS  := $(patsubst user/%.c,$(BUILD)/san/user/%.o,$(USER_SRCS))

$(BUILD)/san/user:
	$(Q)mkdir -p $@

$(BUILD)/san/user/%.o: user/%.c $(BUILD)/synlimit.skel.h $(ABI_HDRS) $(USER_HDRS) | $(BUILD)/san/user
	$(call msg,CC-SAN,$@)
	$(Q)$(CLANG) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(BUILD)/san/synlimit: $(SAN_OBJS)
	$(call msg,LINK-SAN,$@)
	$(Q)$(CLANG) $(CFLAGS) $(SAN_FLAGS) $^ $(LDLIBS) -o $@

# Bare XDP_PASS / XDP_DROP programs: a foreign program for the tests, the
# baseline for the benchmarks.
$(BUILD)/xdp_bare.bpf.o: tests/tools/xdp_bare.bpf.c | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The SYN flood generator (tests and benchmarks).
$(BUILD)/synflood.bpf.o: tests/tools/synflood.bpf.c | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp -o $@ && rm -f $@.tmp

$(BUILD)/synflood.skel.h: $(BUILD)/synflood.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name synflood_bpf > $@

$(BUILD)/synflood: tests/tools/synflood.c tests/prog/pkt.c tests/prog/pkt.h $(BUILD)/synflood.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/prog $< tests/prog/pkt.c $(LDLIBS) -o $@

# Host unit tests (rate math, what reports compute): no BPF, no root.
$(UNIT_TESTS): $(BUILD)/tests/%: tests/unit/%.c tests/lib/check.h tests/lib/rng.h $(ABI_HDRS) \
		$(USER_HDRS) $(LIB_OBJS) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib $< $(LIB_OBJS) $(LDLIBS) -o $@

# BPF_PROG_TEST_RUN packet tables.
$(BUILD)/tests/test_classify: tests/prog/test_classify.c tests/prog/classify_cases.h \
		tests/prog/pkt.c tests/prog/pkt.h \
		tests/lib/check.h $(BUILD)/synlimit.skel.h $(LIB_OBJS) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -Itests/prog $< tests/prog/pkt.c $(LIB_OBJS) $(LDLIBS) -o $@

$(BUILD)/tests/test_limiter: tests/prog/test_limiter.c tests/prog/pkt.c tests/prog/pkt.h tests/prog/harness.h \
		tests/lib/check.h $(BUILD)/synlimit.skel.h $(LIB_OBJS) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -Itests/prog $< tests/prog/pkt.c $(LIB_OBJS) $(LDLIBS) \
		-lpthread -o $@

$(BUILD)/tests/test_ports: tests/prog/test_ports.c tests/prog/pkt.c tests/prog/pkt.h tests/prog/harness.h \
		tests/lib/check.h $(BUILD)/synlimit.skel.h $(LIB_OBJS) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -Itests/prog $< tests/prog/pkt.c $(LIB_OBJS) $(LDLIBS) -o $@

$(BUILD)/tests/test_syncookie: tests/prog/test_syncookie.c tests/prog/pkt.c tests/prog/pkt.h \
		tests/prog/harness.h \
		tests/lib/check.h $(BUILD)/synlimit.skel.h $(BUILD)/syncookie_tc.skel.h $(LIB_OBJS) \
		| $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -Itests/prog $< tests/prog/pkt.c $(LIB_OBJS) $(LDLIBS) -o $@

# synlimit replay on captures the test writes.
$(BUILD)/tests/test_replay: tests/prog/test_replay.c tests/prog/classify_cases.h tests/prog/pkt.c \
		tests/prog/pkt.h tests/lib/check.h $(BUILD)/synlimit $(LIB_OBJS) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -Itests/prog $< tests/prog/pkt.c $(LIB_OBJS) $(LDLIBS) -o $@

# Benchmarks: make bench (report in build/bench/report.md).
$(BUILD)/bench_parts.bpf.o: tests/bench/bench_parts.bpf.c bpf/maps.h $(ABI_HDRS) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibpf -c $< -o $@

# synlimit cut short at each stage of a new source's way and of a non-SYN
# packet's (bench_prog's "Where a new source's time goes" and "Where a
# non-SYN packet's time goes").
BENCH_CUTS := $(patsubst %,$(BUILD)/bench_cut%.bpf.o,1 2 3 4 5 6)
$(BUILD)/bench_cut%.bpf.o: $(BPF_SRCS) $(ABI_HDRS) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DSYNLIMIT_BENCH_CUT=$* -c bpf/synlimit.bpf.c -o $@

# Maps a loaded program's JIT addresses to its source lines
# (tests/bench/profile_flood.sh).
$(BUILD)/tests/prog_lines: tests/bench/prog_lines.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LDLIBS) -o $@

$(BUILD)/tests/bench_prog: tests/bench/bench_prog.c tests/prog/pkt.c tests/prog/pkt.h tests/prog/harness.h \
		$(BUILD)/synlimit.skel.h $(LIB_OBJS) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/prog $< tests/prog/pkt.c $(LIB_OBJS) $(LDLIBS) -lpthread -o $@

# The limits parser under libFuzzer with ASan and UBSan.
FUZZ_SRCS := user/limits_file.c user/addr.c user/rule.c user/clock.c
$(BUILD)/tests/fuzz_limits: tests/fuzz/fuzz_limits.c $(FUZZ_SRCS) $(USER_HDRS) $(ABI_HDRS) | $(BUILD)/tests
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) -std=gnu11 -g -O1 -D_GNU_SOURCE -Iinclude -Iuser \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$< $(FUZZ_SRCS) -o $@

test: deps
	$(Q)$(MAKE) --no-print-directory all $(TEST_BINS) $(BUILD)/tests/fuzz_limits \
		$(BUILD)/xdp_bare.bpf.o $(BUILD)/synflood $(BUILD)/tests/bench_prog \
		$(BUILD)/tests/prog_lines $(BUILD)/bench_parts.bpf.o $(BENCH_CUTS) $(BUILD)/san/synlimit
	$(Q)TESTS="$(TESTS)" sh tests/run.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/synflood $(BUILD)/xdp_bare.bpf.o \
		$(BUILD)/tests/bench_prog $(BUILD)/tests/prog_lines $(BUILD)/bench_parts.bpf.o $(BENCH_CUTS)
	$(Q)sh tests/bench/run.sh
	$(Q)cat $(BUILD)/bench/report.md

demo: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/synflood $(BUILD)/xdp_bare.bpf.o
	$(Q)sh tests/e2e/demo.sh

# A long fuzzing run (FUZZ_SECONDS, default 600) outside make test.
FUZZ_SECONDS ?= 600
fuzz: $(BUILD)/tests/fuzz_limits
	$(Q)sh tests/fuzz/run.sh $(FUZZ_SECONDS)

check:
	$(Q)$(DEPCHECK)
	$(Q)sh tests/tools/install-deps.sh $(DEPS_CHECK)
	$(call msg,FORMAT,bpf include user tests)
	$(Q)clang-format --dry-run -Werror $(FORMAT_SRCS)
	$(call msg,CPPCHECK,user tests)
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --std=c11 -Iinclude -Iuser -I$(BUILD) -D__linux__ \
		--include=/usr/include/bpf/libbpf_common.h --suppress=missingIncludeSystem \
		$(USER_SRCS) $(filter-out %.bpf.c,$(wildcard tests/*/*.c))

format:
	$(Q)clang-format -i $(FORMAT_SRCS)

# ---- install, uninstall, deb ----
PREFIX        ?= /usr/local
SBINDIR       ?= $(PREFIX)/sbin
MANDIR        ?= $(PREFIX)/share/man
SYSCONFDIR    ?= /etc
UNITDIR       ?= $(PREFIX)/lib/systemd/system
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
VERSION := $(shell sed -n 's/^\#define SYNLIMIT_VERSION[ \t]*"\(.*\)"/\1/p' user/main.c)
DIST := docs/dist
# what install puts in place, and the shipped config it never overwrites
INSTALLED := $(SBINDIR)/synlimit $(MANDIR)/man8/synlimit.8 $(MANDIR)/man5/synlimit.limits.5 \
	$(UNITDIR)/synlimit.service $(COMPLETIONDIR)/synlimit
CONFIG := $(DIST)/limits.example:$(SYSCONFDIR)/synlimit/limits \
	$(DIST)/synlimit.default:$(SYSCONFDIR)/default/synlimit

$(BUILD)/synlimit.service: $(DIST)/synlimit.service.in Makefile | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< >$@

install: $(BUILD)/synlimit
	$(Q)rm -f $(BUILD)/synlimit.service && $(MAKE) --no-print-directory $(BUILD)/synlimit.service
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(BUILD)/synlimit $(DESTDIR)$(SBINDIR)/synlimit
	$(Q)install -D -m 0644 docs/synlimit.8 $(DESTDIR)$(MANDIR)/man8/synlimit.8
	$(Q)install -D -m 0644 docs/synlimit.limits.5 $(DESTDIR)$(MANDIR)/man5/synlimit.limits.5
	$(Q)install -D -m 0644 $(BUILD)/synlimit.service $(DESTDIR)$(UNITDIR)/synlimit.service
	$(Q)install -D -m 0644 $(DIST)/synlimit.bash-completion $(DESTDIR)$(COMPLETIONDIR)/synlimit
	$(Q)for pair in $(CONFIG); do \
		src=$${pair%%:*}; dst=$(DESTDIR)$${pair#*:}; \
		if [ -e "$$dst" ]; then echo "  kept     $$dst (never overwritten)"; \
		else install -D -m 0644 "$$src" "$$dst"; fi; \
	done

# The configuration goes only if it is still as shipped: an operator's
# edits stay.
uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(Q)for pair in $(CONFIG); do \
		src=$${pair%%:*}; dst=$(DESTDIR)$${pair#*:}; \
		if cmp -s "$$src" "$$dst"; then rm -f "$$dst"; \
		elif [ -e "$$dst" ]; then echo "  kept     $$dst (changed since install)"; fi; \
	done
	$(Q)rmdir $(DESTDIR)$(SYSCONFDIR)/synlimit 2>/dev/null || true

# A binary package of what install puts in place, with PREFIX=/usr.
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB := $(BUILD)/synlimit_$(VERSION)_$(DEB_ARCH).deb
DEB_ROOT := $(BUILD)/deb/root
deb: $(BUILD)/synlimit
	$(Q)sh tests/tools/install-deps.sh $(DEPS_DEB)
	$(Q)rm -rf $(BUILD)/deb && mkdir -p $(DEB_ROOT)/DEBIAN $(BUILD)/deb/debian
	$(Q)$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(DEB_ROOT) PREFIX=/usr \
		UNITDIR=/lib/systemd/system COMPLETIONDIR=/usr/share/bash-completion/completions
	$(Q)strip --strip-unneeded --remove-section=.comment --remove-section=.note \
		$(DEB_ROOT)/usr/sbin/synlimit
	$(Q)gzip -9n $(DEB_ROOT)/usr/share/man/man8/synlimit.8 \
		$(DEB_ROOT)/usr/share/man/man5/synlimit.limits.5
	$(Q)install -D -m 0644 $(DIST)/debian/copyright $(DEB_ROOT)/usr/share/doc/synlimit/copyright
	$(Q)install -m 0644 $(DIST)/debian/README.Debian $(DEB_ROOT)/usr/share/doc/synlimit/
	$(Q)gzip -9nc $(DIST)/debian/changelog >$(DEB_ROOT)/usr/share/doc/synlimit/changelog.gz
	$(Q)install -m 0755 $(DIST)/debian/postinst $(DIST)/debian/prerm $(DIST)/debian/postrm \
		$(DEB_ROOT)/DEBIAN/
	$(Q)printf '%s\n' /etc/default/synlimit /etc/synlimit/limits >$(DEB_ROOT)/DEBIAN/conffiles
	$(Q)printf 'Source: synlimit\n\nPackage: synlimit\nArchitecture: any\n' \
		>$(BUILD)/deb/debian/control
	$(Q)cd $(BUILD)/deb && dpkg-shlibdeps -O root/usr/sbin/synlimit >shlibs
	$(Q)sed -e 's|@VERSION@|$(VERSION)|' -e 's|@ARCH@|$(DEB_ARCH)|' \
		-e "s|@SIZE@|$$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)|" \
		-e "s|@DEPENDS@|$$(sed -n 's/^shlibs:Depends=//p' $(BUILD)/deb/shlibs)|" \
		$(DIST)/debian/control.in >$(DEB_ROOT)/DEBIAN/control
	$(Q)cd $(DEB_ROOT) && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | \
		LC_ALL=C sort -z | xargs -0 md5sum >DEBIAN/md5sums
	$(call msg,DPKG-DEB,$(DEB))
	$(Q)dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) $(DEB) >/dev/null
	$(call msg,LINTIAN,$(DEB))
	$(Q)lintian --fail-on error,warning $(DEB)

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)
