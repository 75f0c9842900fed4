#!/bin/bash
# `make test-kernel`, inside the guest: the initramfs's /init. It brings up the little a scenario
# needs (proc, sys, devtmpfs, a tmpfs /tmp, cgroup2 for fstrace's container lookup, the overlay
# and loop modules), checks the kernel has BTF, runs each scenario of /etc/fstrace-kernel/scenarios
# under fstrace (guest-scenario.sh) and powers off.
#
# Verdicts go to the second serial port, /dev/ttyS1, one line each (BOOT, KERNEL, MODULE, BTF,
# START, ATTACH, ATTACHED, VERIFIED, PASS, FAIL, SKIP, TAINT, END): the kernel's console is ttyS0, so its messages
# can never land in the middle of a verdict line. The host parses that port only (verdict.sh);
# whatever goes wrong here (a missing tool, a crash of this script, a hang) shows there as a
# missing END or a missing PASS, never as a pass.
set -uo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# What udev would add: bash's process substitution (<(...)) opens /dev/fd/N.
ln -s /proc/self/fd /dev/fd
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
hostname fstrace-guest

export FSTK_OUT=/dev/ttyS1
say() {
	printf '%s\n' "$*" >>"$FSTK_OUT"
	printf 'fstrace-guest: %s\n' "$*"
}

# Nothing below may end this script: a crashed /init panics the kernel, and the host would only
# see the verdicts stop. Every failure becomes a FAIL line instead, and the guest still powers off.
finish() {
	# fstrace must leave the kernel as it found it: a WARN (a tracing program's map allocating at
	# run time on 5.7-6.0 prints one) taints it, and panics it under panic_on_warn.
	local taint
	taint=$(cat /proc/sys/kernel/tainted 2>/dev/null || echo '?')
	say "TAINT $taint"
	[[ $taint == 0 ]] || dmesg | grep -A 20 -m 3 -E 'WARNING|BUG|taint' | sed 's/^/fstrace-guest: dmesg: /'
	say "END"
	sync
	# A tty's close waits for its output to drain; the sleep covers the UART's own FIFO.
	sleep 1
	poweroff -f
	sleep 5
}

read -r uptime _ </proc/uptime
say "BOOT $uptime"
say "KERNEL $(uname -r)"

while read -r mod; do
	[[ -n $mod ]] || continue
	if insmod "$mod" 2>/tmp/insmod.err; then
		say "MODULE ${mod##*/}"
	else
		say "FAIL module ${mod##*/}: $(head -n 1 /tmp/insmod.err)"
	fi
done </etc/fstrace-kernel/modules

if [[ -r /sys/kernel/btf/vmlinux ]]; then
	say "BTF $(stat -c %s /sys/kernel/btf/vmlinux)"
else
	say "FAIL btf: no /sys/kernel/btf/vmlinux: fstrace's CO-RE programs cannot load"
	finish
fi

while read -r name; do
	[[ -n $name ]] || continue
	timeout -k 5 "${FSTK_SCENARIO_TIMEOUT:-240}" bash /opt/fstrace/scripts/kernel/guest-scenario.sh "$name" </dev/null
	rc=$?
	# guest-scenario.sh says PASS (exit 0) or FAIL (exit 3) itself; a timeout or a crash says neither.
	if [[ $rc -eq 124 || $rc -eq 137 ]]; then
		say "FAIL $name timed out after ${FSTK_SCENARIO_TIMEOUT:-240}s"
	elif [[ $rc -ne 0 && $rc -ne 3 ]]; then
		say "FAIL $name the scenario runner stopped (exit $rc) without a verdict"
	fi
done </etc/fstrace-kernel/scenarios

finish
