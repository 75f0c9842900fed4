#!/usr/bin/env bash
# `make test-kernel`: fstrace's real fault scenarios on the kernels of the CI nodes it must run on,
# each booted under qemu's TCG emulator with an initramfs built here: Debian 11's 5.10 (the
# compatible programs, chosen by probes), Debian 12's 6.1 and Debian 12's backported 6.12 (the
# default ones). Every scenario runs twice on each kernel: as fstrace chooses, and with --compat
# forced, so both paths are tested everywhere. Fails unless every run passes, the guest got to the
# end, none was skipped and the kernel is untainted at the end.
#
#   FSTRACE=build/fstrace scripts/kernel/test-kernel.sh [SCENARIO...]
#   KERNELS        the kernels, a subset of "5.10 6.1 6.12" (the default: all three)
#   FSTK_TIMEOUT   seconds each guest may run (default 600)
#
# Steps, one script each: verdict-selftest.sh (the judge fails a broken run), then per kernel
# fetch.sh (the kernel, cached in build/kernel/), initramfs.sh, boot.sh (qemu), verdict.sh (the
# summary, whose last line is the kernel's: "test-kernel: <release>: N/N scenarios passed (...)").
# Logs, the initramfs and the guest's serial output: build/kernel-test/<series>/.
set -euo pipefail

FST_PROG=test-kernel
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
FSTRACE=${FSTRACE:-$repo/build/fstrace}
out=$repo/build/kernel-test

die() {
	printf '%s: %s\n' "$FST_PROG" "$*" >&2
	exit 1
}

# The faults a guest can make with a loop device and the modules below (not npm's, not the
# write-loss one's dm device).
if [[ $# -gt 0 ]]; then
	scenarios=("$@")
else
	# Not ext4_remount_ro yet: on 6.1 its EROFS is diagnosed read_only/unknown (the mount state
	# is not found), and 6.12.43 fails the lookup before any write, on both paths.
	scenarios=(nested_overlay racing_deleter ext4_corruption no_space_inodes)
fi
runs=("${scenarios[@]}")
for s in "${scenarios[@]}"; do runs+=("$s:compat"); done
read -r -a kernels <<<"${KERNELS:-5.10 6.1 6.12}"
[[ ${#kernels[@]} -gt 0 ]] || die "KERNELS is empty (5.10, 6.1, 6.12)"
for k in "${kernels[@]}"; do
	[[ $k == 5.10 || $k == 6.1 || $k == 6.12 ]] || die "KERNELS: unknown kernel '$k' (5.10, 6.1 or 6.12)"
done
# ldconfig -r (the guest's loader cache) chroots: root only, like the rest of the tests.
[[ $(id -u) -eq 0 ]] || die "must run as root (sudo make test-kernel)"
[[ -x $FSTRACE ]] || die "no fstrace binary at $FSTRACE (run make)"
for tool in qemu-system-x86_64 busybox cpio dpkg-deb apt-get depmod modprobe ldconfig ldd timeout; do
	command -v "$tool" >/dev/null || die "$tool is missing (run make deps)"
done

now_us() {
	local t=$EPOCHREALTIME
	echo $((10#${t/[.,]/}))
}
t0=$(now_us)
lap_start=$t0
timings=()
lap() {
	local t
	t=$(now_us)
	timings+=("$1 $(printf '%d.%d' "$(((t - lap_start) / 1000000))" "$(((t - lap_start) % 1000000 / 100000))")s")
	lap_start=$t
}

rm -rf "$out"
mkdir -p "$out"
bash "$here/verdict-selftest.sh"
# The initramfs's part common to every kernel is built once (initramfs.sh).
export FSTK_INITRAMFS_BASE=$out/initrd-common.gz

# boot.sh stops qemu on TERM; it is sent one whatever ends this script, so that a ^C or a CI
# timeout that reaches only this process still leaves no qemu behind.
boot_pid=''
trap '[[ -z $boot_pid ]] || kill -TERM "$boot_pid" 2>/dev/null; wait 2>/dev/null' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rc=0
summaries=()
for k in "${kernels[@]}"; do
	kout=$out/$k
	mkdir -p "$kout"
	lap_start=$(now_us)
	kdir=$(bash "$here/fetch.sh" "$k" "$repo/build/kernel") || {
		summaries+=("test-kernel: $k: not fetched (see above)")
		rc=1
		continue
	}
	lap "$k:fetch"
	echo "$FST_PROG: kernel $(<"$kdir/release") from $kdir"
	bash "$here/initramfs.sh" "$kdir" "$FSTRACE" "$kout/initrd.gz" "${runs[@]}"
	lap "$k:initramfs"

	echo "$FST_PROG: booting $(<"$kdir/release") under qemu TCG (-accel tcg, limit ${FSTK_TIMEOUT:-600}s); verdicts as they come:"
	boot_rc=0
	bash "$here/boot.sh" "$kdir" "$kout/initrd.gz" "$kout" &
	boot_pid=$!
	wait "$boot_pid" || boot_rc=$?
	boot_pid=''
	lap "$k:qemu"

	krc=0
	echo
	bash "$here/verdict.sh" "$kout/verdicts.log" "${runs[@]}" | tee "$kout/verdict.txt" || krc=1
	[[ $boot_rc -eq 0 ]] || { echo "  problem: qemu did not end by itself (boot.sh exited $boot_rc)"; krc=1; }
	if [[ $krc -ne 0 ]]; then
		echo "--- the guest's console (ttyS0), last 60 lines; all of it in $kout/console.log"
		# Without the firmware's terminal escapes (SeaBIOS clears the screen).
		tail -n 60 "$kout/console.log" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/^/  | /'
		rc=1
	fi
	# A failing kernel's summary names what failed, so the last lines of a CI log are enough.
	why=''
	[[ $krc -eq 0 ]] || why=" FAILED: $(grep -E '^  (FAIL  |problem: )' "$kout/verdict.txt" |
		sed -E 's/^  (FAIL  |problem: )//; s/  +/ /g' | paste -sd ';' -)"
	summaries+=("$(tail -n 1 "$kout/verdict.txt")$why")
	boot=$(sed -n 's/^boot=//p' "$kout/times" 2>/dev/null || true)
	echo "$FST_PROG: $k: the guest reached /init ${boot:-never} ${boot:+s after qemu started}"
done

echo
total=$(($(now_us) - t0))
echo "$FST_PROG: times: ${timings[*]}; total $((total / 1000000))s"
printf '%s\n' "${summaries[@]}"
exit "$rc"
