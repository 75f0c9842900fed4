#!/usr/bin/env bash
# `make test-kernel`: fstrace's real fault scenarios on a second kernel, Debian 12's Linux 6.1
# (linux-image-cloud-amd64), booted under qemu's TCG emulator with an initramfs built here.
# Fails unless every scenario passes there, the guest got to the end and none was skipped.
#
#   FSTRACE=build/fstrace scripts/kernel/test-kernel.sh [SCENARIO...]
#   FSTK_TIMEOUT   seconds the guest may run (default 600)
#
# Steps, one script each: verdict-selftest.sh (the judge fails a broken run), fetch.sh (the kernel,
# cached in build/kernel/), initramfs.sh, boot.sh (qemu), verdict.sh (the summary). Logs, the
# initramfs and the guest's serial output: build/kernel-test/.
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

if [[ $# -gt 0 ]]; then scenarios=("$@"); else scenarios=(nested_overlay racing_deleter ext4_corruption); fi
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
kdir=$(bash "$here/fetch.sh" "$repo/build/kernel")
lap fetch
echo "$FST_PROG: kernel $(<"$kdir/release") from $kdir"
bash "$here/initramfs.sh" "$kdir" "$FSTRACE" "$out/initrd.gz" "${scenarios[@]}"
lap initramfs

echo "$FST_PROG: booting under qemu TCG (-accel tcg, limit ${FSTK_TIMEOUT:-600}s); verdicts as they come:"
# boot.sh stops qemu on TERM; it is sent one whatever ends this script, so that a ^C or a CI
# timeout that reaches only this process still leaves no qemu behind.
boot_rc=0 boot_pid=''
trap '[[ -z $boot_pid ]] || kill -TERM "$boot_pid" 2>/dev/null; wait 2>/dev/null' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bash "$here/boot.sh" "$kdir" "$out/initrd.gz" "$out" &
boot_pid=$!
wait "$boot_pid" || boot_rc=$?
boot_pid=''
lap qemu

rc=0
echo
bash "$here/verdict.sh" "$out/verdicts.log" "${scenarios[@]}" || rc=1
[[ $boot_rc -eq 0 ]] || { echo "  problem: qemu did not end by itself (boot.sh exited $boot_rc)"; rc=1; }
if [[ $rc -ne 0 ]]; then
	echo "--- the guest's console (ttyS0), last 60 lines; all of it in $out/console.log"
	# Without the firmware's terminal escapes (SeaBIOS clears the screen).
	tail -n 60 "$out/console.log" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/^/  | /'
fi

boot=$(sed -n 's/^boot=//p' "$out/times" 2>/dev/null || true)
total=$(($(now_us) - t0))
echo "$FST_PROG: times: ${timings[*]}; the guest reached /init ${boot:-never} ${boot:+s after qemu started}; total $((total / 1000000))s"
exit "$rc"
