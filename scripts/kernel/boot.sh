#!/usr/bin/env bash
# `make test-kernel`, step 3: boot the fetched kernel with the initramfs under qemu's TCG, the
# emulator (never KVM: the point is a second kernel on any machine, nested virtualisation or not),
# with a hard time limit, and show the guest's verdict lines as they arrive.
#
#   scripts/kernel/boot.sh KERNEL-DIR INITRD OUTDIR
#   FSTK_TIMEOUT   seconds before qemu is stopped (default 600)
#
# OUTDIR gets console.log (ttyS0: the kernel and the guest's console), verdicts.log (ttyS1: the
# guest's verdict lines, see guest-init.sh), qemu.log (qemu's own messages) and times (boot=S, the
# host's seconds from qemu's start to the guest's BOOT line, and qemu=S, its whole run).
# Exit: 0 when the guest powered off by itself, 124 when it was stopped at the time limit, else
# qemu's status. No qemu is left running, whatever ends this script: a trap stops it, and if this
# script is killed outright timeout(1) still ends it at the limit.
set -euo pipefail

FST_PROG=boot
die() {
	printf '%s: %s\n' "$FST_PROG" "$*" >&2
	exit 1
}

[[ $# -eq 3 ]] || die "usage: boot.sh KERNEL-DIR INITRD OUTDIR"
kdir=$1 initrd=$2 out=$3
limit=${FSTK_TIMEOUT:-600}
[[ $limit =~ ^[0-9]+$ ]] || die "FSTK_TIMEOUT must be a number of seconds"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (run make deps)"
mkdir -p "$out"
console=$out/console.log verdicts=$out/verdicts.log pidfile=$out/qemu.pid
: >"$console"
: >"$verdicts"
rm -f "$pidfile" "$out/times"

# Microseconds since the epoch, from bash itself (no fork per sample).
now_us() {
	local t=$EPOCHREALTIME
	echo $((10#${t/[.,]/}))
}
secs() {
	printf '%d.%d' "$(($1 / 1000000))" "$(($1 % 1000000 / 100000))"
}

runner=
# qemu's own pid (its -pidfile), checked to still be a qemu before it is signalled.
qemu_pid() {
	local pid
	[[ -s $pidfile ]] || return 1
	pid=$(<"$pidfile")
	[[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == qemu-system-* ]] || return 1
	echo "$pid"
}
stop() {
	local pid
	[[ -n $runner ]] || return 0
	kill -TERM "$runner" 2>/dev/null || true # timeout(1) passes TERM on to qemu
	for _ in $(seq 50); do
		kill -0 "$runner" 2>/dev/null || break
		sleep 0.1
	done
	if pid=$(qemu_pid); then kill -KILL "$pid" 2>/dev/null || true; fi
	kill -KILL "$runner" 2>/dev/null || true
	wait "$runner" 2>/dev/null || true
	runner=
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# qemu's chardev options take a comma doubled.
q() { echo "${1//,/,,}"; }

# loglevel=4: the console shows KERN_ERR and worse, which overlayfs' and ext4's messages are;
# fstrace's kmsg hook sees only what reaches the console log level (README, Known limits).
append="console=ttyS0 panic=-1 loglevel=4"
start=$(now_us)
# timeout(1) runs qemu in a process group of its own: a terminal's ^C reaches this script, whose
# trap stops qemu, and never the guest.
timeout -k 5 "$((limit + 15))" qemu-system-x86_64 -accel tcg -m 2G -smp 2 -nographic -no-reboot \
	-nic none -monitor none -serial "file:$(q "$console")" -serial "file:$(q "$verdicts")" \
	-pidfile "$(q "$pidfile")" -kernel "$kdir/vmlinuz" -initrd "$initrd" -append "$append" \
	</dev/null >"$out/qemu.log" 2>&1 &
runner=$!

shown=0 boot='' rc=0
show_new() {
	local n
	n=$(wc -l <"$verdicts") # complete lines only: the UART hands qemu a line byte by byte
	[[ $n -gt $shown ]] || return 0
	sed -n "$((shown + 1)),${n}p" "$verdicts" | tr -d '\r' | sed 's/^/  guest  /'
	if [[ -z $boot ]] && sed -n "1,${n}p" "$verdicts" | grep -q '^BOOT '; then
		boot=$(($(now_us) - start))
	fi
	shown=$n
}
while kill -0 "$runner" 2>/dev/null; do
	show_new
	if [[ $(($(now_us) - start)) -ge $((limit * 1000000)) ]]; then
		echo "$FST_PROG: the guest did not power off within ${limit}s; stopping qemu" >&2
		stop
		rc=124
		break
	fi
	sleep 0.2
done
if [[ -n $runner ]]; then
	wait "$runner" || rc=$?
	runner=
fi
show_new
total=$(($(now_us) - start))
{
	[[ -z $boot ]] || echo "boot=$(secs "$boot")"
	echo "qemu=$(secs "$total")"
} >"$out/times"
if [[ $rc -ne 0 && $rc -ne 124 ]]; then
	echo "$FST_PROG: qemu exited $rc: $(tail -n 3 "$out/qemu.log" | tr '\n' ' ')" >&2
fi
exit "$rc"
