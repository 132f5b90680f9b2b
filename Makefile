# SPDX-License-Identifier: GPL-2.0
# nsfd: namespace file descriptors for Linux, in Rust.
#
#   make run [CMD='...'] [FLAVOUR=release]   set up, build, boot the kernel under virtme-ng
#   make test              set up, build, boot, run every test suite (debug kernel)
#   make test ARCH=arm64   nsfd_selftest in an arm64 kernel under qemu-system-aarch64
#   make bench [BENCH_ARGS='...']   the benchmark in the release kernel
#   make stress [STRESS_ARGS='...'] races, fuzzing and leak accounting in the debug kernel
#   make oracle            record the unmodified kernel's outcomes that make test compares with
#   make check-musl        the library built, the tool checked, for x86_64 musl
#   make check-series      each patch of the series applies, passes checkpatch --strict, builds
#   make check-builds      CONFIG_WERROR, clippy, rustdoc, rustfmtcheck: x86_64, arm64, arm; KUnit on/off
#
# The kernel build never reads this file: Kbuild lands in the kernel tree as
# kernel/nsfd/Makefile (patches/layout).

NSFD_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/nsfd
export NSFD_CACHE KERNEL_SRC

# The kernel flavour of make kernel and make run: debug (KASAN, lockdep,
# kmemleak; what make test uses) or release (make bench's).
FLAVOUR ?= debug
export FLAVOUR

TARGET := x86_64-unknown-linux-gnu
export NSFD_UAPI_HEADERS := $(CURDIR)/build/usr-headers/include

.PHONY: all toolchain kernel userspace run test bench stress oracle check-musl check-series check-builds patches clean distclean help

all: kernel userspace

help:
	@sed -n '3,13p' Makefile

toolchain:
	@scripts/setup-toolchain.sh --versions

kernel: toolchain
	@scripts/build-kernel.sh

# Static binaries: they run in the VM whatever the host's libraries are.
userspace: kernel
	RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target $(TARGET)

run: export NSFD_CMD = $(CMD)
run: userspace
	@scripts/vm.sh

# ARCH=arm64: the arm64 kernel and nsfd_selftest, booted under emulation.
test:
ifeq ($(ARCH),arm64)
	@scripts/test-arm64.sh
else
	@scripts/test.sh
endif

# Every route to a namespace handle, side by side, in the release kernel;
# the table goes to results/bench.txt.
bench:
	@scripts/bench.sh

# nsfd_stress with its full counts in the debug kernel, then the kernel-log
# scan of that run; KTAP in results/stress.ktap.
stress:
	@scripts/stress.sh

# The behaviour suite in the unmodified kernel (same version and config,
# without the series): selftests/oracle/mainline.txt, make test's oracle.
oracle:
	@scripts/oracle.sh

# No musl standard library can be installed here (rustup cannot fetch
# targets; Debian ships none), so the check builds one from the rust-src
# that make toolchain installs with Debian's rustc (-Zbuild-std, allowed on
# a stable compiler by RUSTC_BOOTSTRAP). The library is built; the tool is
# checked, as linking it would need musl's C library (musl-tools).
MUSL_CARGO = CARGO_TARGET_DIR="$(NSFD_CACHE)/musl-target" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
	cargo $(1) --locked -Zbuild-std=std,panic_abort --target x86_64-unknown-linux-musl
check-musl: toolchain
	$(call MUSL_CARGO,build) -p nsfd
	$(call MUSL_CARGO,check) -p nsfd-tool

# The integration as a git am-able series against the pristine tree.
patches:
	@scripts/export-series.sh

# make patches' series on a pristine tree, patch by patch: applies,
# checkpatch.pl --strict, builds (x86_64, debug config); prints KTAP.
check-series: toolchain
	@scripts/check-series.sh

# The maintainers' builds of the series (scripts/check-builds.sh has the
# matrix); prints KTAP. CHECK_BUILDS='arm64 arm' picks configurations.
check-builds: toolchain
	@scripts/check-builds.sh $(CHECK_BUILDS)

# Only what the project writes into the checkout (results, cargo's and the
# kselftest target's outputs, make patches' out/, the ./build link); the
# kernel build cache stays.
clean:
	rm -rf results target build out selftests/nsfd_selftest selftests/cargo-target

# Also the cache: source, working tree, kernel builds, tools.
distclean: clean
	rm -rf "$(NSFD_CACHE)"
