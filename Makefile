# fstrace: capture (bpf/) -> collect -> correlate -> report (user/).
# `make` builds build/fstrace, one fully static binary (glibc's libc.a, libbpf, libelf, zlib).
# V=1 shows the commands.

OUT := build
ARCH := x86
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
PREFIX ?= /usr/local
VERSION := 0.1.0

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration -Werror=int-conversion -std=gnu11 -D_GNU_SOURCE -DFSTRACE_VERSION='"$(VERSION)"'
CFLAGS += -I$(OUT) -Ibpf -Iuser
LDLIBS := -Wl,-Bstatic -lbpf -lelf -lz -Wl,-Bdynamic
# STATIC=1 (the default): build/fstrace, what users copy to nodes, is fully static (glibc's libc.a
# too), so that it runs on any x86-64 distribution whatever its glibc. fstrace calls nothing of
# glibc's that loads modules at run time (NSS, iconv, dlopen), which the link would warn about.
# The unit tests, the fuzz harnesses and build/fstrace-dynamic (for valgrind, which cannot follow
# malloc in a static binary) link glibc dynamically.
STATIC ?= 1

# SANITIZE=1: ASan + UBSan; the sanitizer runtimes cannot be linked fully statically.
ifeq ($(SANITIZE),1)
STATIC := 0
CC := clang
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
OUT := build-san
endif

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Ibpf -Wall -Wno-unused-function

ifeq ($(STATIC),1)
FSTRACE_LDLIBS := -static -lbpf -lelf -lz
else
FSTRACE_LDLIBS := $(LDLIBS)
endif

# user/main.c and one folder per concern (user/README.md); includes are written from user/.
USER_SRCS := user/main.c $(sort $(wildcard user/*/*.c))
LIB_SRCS := $(filter-out user/main.c,$(USER_SRCS))
USER_OBJS := $(patsubst user/%.c,$(OUT)/%.o,$(USER_SRCS))
LIB_OBJS := $(patsubst user/%.c,$(OUT)/%.o,$(LIB_SRCS))
BPF_HDRS := $(wildcard bpf/*.h)
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/unit/%,$(UNIT_SRCS))

.DELETE_ON_ERROR:
.PHONY: FORCE all deps demo image check lint format golden-update bench-report test test-kernel unit-test install clean vmlinux fuzz fuzz-run bench

all: $(OUT)/fstrace

$(OUT) $(OUT)/unit:
	$(Q)mkdir -p $@

$(OUT)/fstrace.debug.bpf.o: bpf/fstrace.bpf.c $(BPF_HDRS) vmlinux/$(ARCH)/vmlinux.h | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The object fstrace embeds, without DWARF (BTF and CO-RE records stay): 100 KB instead of 750,
# which every start parses and hashes.
$(OUT)/fstrace.bpf.o: $(OUT)/fstrace.debug.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUT)/fstrace.skel.h: $(OUT)/fstrace.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name fstrace_bpf > $@

# The compatible object (FST_COMPAT=1, bpf/maps.bpf.h): for kernels without bpf_loop, pointer
# arguments to global functions or tracing's ancestor cgroup helper (5.10-5.16). It is opened
# through the default skeleton (user/load/compat.c), so both must have the same programs, maps and
# globals, and the same layout of globals: the check compares the two skeletons' lines (sorted:
# libbpf finds programs and maps by name) and their global sections as they are, but for the bytes.
$(OUT)/fstrace.compat.debug.bpf.o: bpf/fstrace.bpf.c $(BPF_HDRS) vmlinux/$(ARCH)/vmlinux.h | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DFST_COMPAT=1 -c $< -o $@

$(OUT)/fstrace.compat.bpf.o: $(OUT)/fstrace.compat.debug.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUT)/fstrace_compat.skel.h: $(OUT)/fstrace.compat.bpf.o $(OUT)/fstrace.skel.h
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name fstrace_compat_bpf > $@.tmp
	$(Q)skel_shape() { sed -e 's/fstrace_compat_bpf/fstrace_bpf/g; s/FSTRACE_COMPAT_BPF/FSTRACE_BPF/g' \
		-e '/__elf_bytes(size_t \*sz)$$/,/^}$$/d' -e '/^static inline const void \*fstrace_bpf__elf_bytes/,/^}$$/d' "$$1" | \
		grep -v '^	*"\|^	*\\x\|data_sz\|s->data ='; }; \
	sections() { awk '/^	struct fstrace_bpf__(rodata|bss|data) \{/,/^	\} \*/' "$$1"; }; \
	{ skel_shape $(OUT)/fstrace.skel.h | sort; sections $(OUT)/fstrace.skel.h; } >$@.a; \
	{ skel_shape $@.tmp | sed 's/fstrace_compat_bpf/fstrace_bpf/g' | sort; \
	  sed 's/fstrace_compat_bpf/fstrace_bpf/g' $@.tmp | sections /dev/stdin; } >$@.b; \
	if ! diff $@.a $@.b >$@.diff; then \
		echo "the compatible object's skeleton differs from the default one's (programs, maps or globals): $@.diff" >&2; \
		exit 1; fi; rm -f $@.a $@.b $@.diff
	$(Q)mv $@.tmp $@

# Each object depends on the headers it includes (-MMD -MP writes them to its .d file); the
# skeleton is generated, so every object waits for it.
$(OUT)/%.o: user/%.c $(OUT)/fstrace.skel.h $(OUT)/fstrace_compat.skel.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(USER_OBJS:.o=.d)

# The link's flags in a file rewritten only when they change, so that a build/ from before the
# static link, or a STATIC=0 build, is relinked rather than left as it was.
$(OUT)/fstrace.ldflags: FORCE | $(OUT)
	$(Q)echo '$(LDFLAGS) $(FSTRACE_LDLIBS)' | cmp -s - $@ || echo '$(LDFLAGS) $(FSTRACE_LDLIBS)' >$@

$(OUT)/fstrace: $(USER_OBJS) $(OUT)/fstrace.ldflags
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $(USER_OBJS) $(FSTRACE_LDLIBS) -o $@

$(OUT)/fstrace-dynamic: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/unit/%: tests/unit/%.c $(LIB_OBJS) | $(OUT)/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -MMD -MP $(LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

-include $(UNIT_BINS:=.d)

deps:
	$(Q)bash scripts/deps.sh

vmlinux:
	$(Q)bash scripts/gen-vmlinux.sh

unit-test: $(UNIT_BINS)
	$(Q)for t in $(UNIT_BINS); do echo "  UNIT     $$t"; $$t || exit 1; done

# No root, no BPF: the unit tests, then every golden case (tests/golden/CASE: a real recording and
# its expected reports) replayed through `fstrace report` in each format and diffed. No `deps` here:
# installing packages needs root, and `make check` must run without it.
check: all unit-test
	$(Q)FSTRACE=$(CURDIR)/$(OUT)/fstrace bash tests/golden/run.sh
	$(Q)bash tests/check_docs.sh $(OUT)/fstrace
ifeq ($(STATIC),1)
	$(Q)bash tests/check_static.sh $(OUT)/fstrace
endif

# Habits, no root: shellcheck on every script (honouring .shellcheckrc), the user/ module graph
# without a circle (scripts/include-graph.sh: includes, and calls between the built objects),
# and the C against the committed .clang-format (clang-format 14). `make format` applies it.
SH_SRCS = $(shell find scripts tests -name '*.sh' | sort) scripts/devpod/runc-pod
C_SRCS = $(sort $(wildcard user/*.[ch] user/*/*.[ch] bpf/*.[ch]))
CLANG_FORMAT ?= clang-format

lint: all
	$(call msg,SHCHECK,scripts/ tests/)
	$(Q)shellcheck -x $(SH_SRCS)
	$(Q)OUT=$(OUT) bash scripts/include-graph.sh --check
	$(call msg,FORMAT,user/ bpf/)
	$(Q)$(CLANG_FORMAT) --dry-run -Werror $(C_SRCS)

format:
	$(Q)$(CLANG_FORMAT) -i $(C_SRCS)

# After an intended report change: rewrite the golden cases' expected files (CASE=name for one),
# then review the change with git diff tests/golden/.
golden-update: all
	$(Q)FSTRACE=$(CURDIR)/$(OUT)/fstrace bash tests/golden/run.sh --update $(CASE)

test: deps
	$(Q)$(MAKE) --no-print-directory all unit-test $(if $(filter 1,$(STATIC)),$(OUT)/fstrace-dynamic)
	$(Q)FSTRACE=$(CURDIR)/$(OUT)/fstrace bash tests/run.sh

# The real-fault scenarios on the kernels CI nodes run: Debian 11's 5.10, Debian 12's 6.1 and 6.12
# (fetched into build/kernel/, never installed) under qemu TCG, each as fstrace chooses and with
# --compat, with an initramfs built from this machine's tools (scripts/kernel/). KERNELS="5.10 6.1"
# picks a subset.
test-kernel: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)FSTRACE=$(CURDIR)/$(OUT)/fstrace KERNELS="$(KERNELS)" bash scripts/kernel/test-kernel.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)FSTRACE=$(CURDIR)/$(OUT)/fstrace bash scripts/demo.sh

# An OCI image FROM scratch holding the static binary, as an archive: build/fstrace-image.oci.tar,
# named fstrace:$(VERSION) (buildah, vfs storage of its own, no registry, no daemon; as root). Push:
# skopeo copy oci-archive:build/fstrace-image.oci.tar docker://REGISTRY/fstrace:$(VERSION)
image: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)VERSION=$(VERSION) bash scripts/image.sh $(OUT)/fstrace $(OUT)/fstrace-image.oci.tar fstrace:$(VERSION)

# Overhead, storm accounting, attach time, memory against strace, perf trace and bpftrace: a table,
# a dated section in bench/RESULTS.md and bench/overhead.png. BENCH_QUICK=1: a ~2 minute smoke run.
# The report alone at scale, no root: a 10M-event recording grown from a real one (1M with
# BENCH_QUICK=1), its peak RSS, events/s and the late race it must still find.
bench-report: all
	$(Q)FSTRACE=$(CURDIR)/$(OUT)/fstrace bash scripts/bench/report_scale.sh

bench: deps all
	$(Q)FSTRACE=$(CURDIR)/$(OUT)/fstrace bash scripts/bench/run.sh

# libFuzzer harnesses (clang 14, libclang-rt-14-dev), linked with every user object but main's.
# `make fuzz FUZZ_SECONDS=3600` for a long run. New inputs go to build-fuzz/corpus-NAME; the seeds
# in tests/fuzz/corpus/NAME are only read. A crash, a leak or a timeout stops the run and fails the
# target, its input in build-fuzz/ (crash-*, leak-*, timeout-*): add it to the seeds once fixed.
# -close_fd_mask=2: the harnesses' own stderr (report_load's one line per refused file) is
# dropped; libFuzzer's and the sanitizers' reports still reach the log.
FUZZ_SECONDS ?= 30
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRCS))
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -Ibpf -Iuser -Ibuild \
	-DFSTRACE_VERSION='"$(VERSION)"'

build-fuzz/%: tests/fuzz/%.c $(filter-out user/main.c,$(USER_SRCS)) $(OUT)/fstrace.skel.h $(OUT)/fstrace_compat.skel.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p build-fuzz
	$(Q)clang $(FUZZ_CFLAGS) $< $(filter-out user/main.c,$(USER_SRCS)) $(LDLIBS) -o $@

fuzz: deps
	$(Q)$(MAKE) --no-print-directory fuzz-run

fuzz-run: $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_BINS); do n=$${f#build-fuzz/fuzz_}; mkdir -p build-fuzz/corpus-$$n; \
		echo "  FUZZ     $$n ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 -close_fd_mask=2 -print_final_stats=1 \
			-artifact_prefix=build-fuzz/ build-fuzz/corpus-$$n \
			tests/fuzz/corpus/$$n 2>build-fuzz/$$n.log || { tail -n 30 build-fuzz/$$n.log; exit 1; }; \
		grep -E "stat::(number_of_executed_units|average_exec_per_sec|new_units_added)" build-fuzz/$$n.log; done

install: $(OUT)/fstrace
	install -D -m 0755 $(OUT)/fstrace $(DESTDIR)$(PREFIX)/sbin/fstrace
	install -D -m 0644 man/fstrace.8 $(DESTDIR)$(PREFIX)/share/man/man8/fstrace.8
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/doc/fstrace docs/*.md

clean:
	$(Q)rm -rf build build-san build-fuzz
