#!/usr/bin/env bash
# The binary users copy to nodes is fully static and needs nothing of the host's userland: it runs
# with an empty environment, and in a chroot that holds only itself, busybox-static, a fresh proc
# and a read-only sysfs (no /lib, no loader, no /etc, no /dev, no /tmp). There it runs --version and
# --help, refuses a bad option in one line, traces a command, records the failing open of a missing
# file and reports on that recording.
source "$(dirname "$0")/lib.sh"

# make check holds the default build to being static; a build asked to be dynamic has nothing here.
if LC_ALL=C readelf -lW "$FSTRACE" | grep -q 'program interpreter'; then
	note "a dynamic build (make SANITIZE=1 or STATIC=0): nothing to check here"
	echo "ok"
	exit 0
fi

echo "== static: no loader, no NEEDED"
out=$(bash "$FST_REPO/tests/check_static.sh" "$FSTRACE" 2>&1) || fail "${out#check_static: }"
note "${out#"${out%%[! ]*}"}"

echo "== an empty environment"
ver=$(env -i "$FSTRACE" --version 2>&1) || fail "env -i fstrace --version failed: $ver"
[[ $ver == "fstrace "[0-9]* ]] || fail "env -i fstrace --version printed '$ver'"
env -i "$FSTRACE" --help >"$T/help.out" 2>&1 || fail "env -i fstrace --help failed: $(head -n 2 "$T/help.out")"
grep -q '^Usage: fstrace run' "$T/help.out" || fail "env -i fstrace --help printed no usage"
env -i "$FSTRACE" run -- /bin/true 2>"$T/envi.err" || fail "env -i fstrace run -- /bin/true failed: $(head -n 3 "$T/envi.err")"

echo "== a chroot with nothing but fstrace and busybox-static"
busybox=$(command -v busybox) || fail "busybox is missing (run make deps)"
chroot=$(command -v chroot) || fail "chroot is missing (coreutils)"
! ldd "$busybox" >/dev/null 2>&1 || fail "$busybox is not busybox-static's (run make deps)"
root=$T/root
mkdir -p "$root/bin" "$root/proc" "$root/sys"
cp "$FSTRACE" "$root/fstrace"
cp "$busybox" "$root/bin/busybox"
for applet in true cat sh; do ln -s busybox "$root/bin/$applet"; done
fst_on_exit "umount '$root/proc' 2>/dev/null; umount '$root/sys' 2>/dev/null"
# Fresh instances rather than binds: nothing of the host's mounts below /sys (cgroup2, tracefs,
# debugfs, bpffs) comes along, which fstrace must do without.
mount -t proc -o ro,nosuid,nodev,noexec proc "$root/proc" || fail "cannot mount proc in the chroot"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys" || fail "cannot mount sysfs in the chroot"
[[ ! -e $root/lib && ! -e $root/lib64 && ! -e $root/usr ]] || fail "the chroot has a library directory"

# in_root NAME ARGS...: /fstrace ARGS in the chroot, env -i; stdout and stderr in $T/NAME.{out,err}.
in_root() {
	local name=$1 rc=0
	shift
	note "chroot: fstrace $*"
	env -i "$(command -v timeout)" -k 5 "$FST_RUN_TIMEOUT" "$chroot" "$root" /fstrace "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null || rc=$?
	[[ $rc -ne 124 ]] || fail "chroot: fstrace $* did not finish within ${FST_RUN_TIMEOUT}s"
	return "$rc"
}

in_root version --version || fail "chroot: fstrace --version failed: $(head -n 2 "$T/version.err")"
[[ $(<"$T/version.out") == "$ver" ]] || fail "chroot: fstrace --version printed '$(<"$T/version.out")', not '$ver'"
in_root help --help || fail "chroot: fstrace --help failed: $(head -n 2 "$T/help.err")"
rc=0
in_root bad run --no-such-option -- /bin/true || rc=$?
[[ $rc -ne 0 ]] || fail "chroot: fstrace run --no-such-option exited 0"
[[ $(wc -l <"$T/bad.err") -eq 1 ]] || fail "chroot: a bad option gave $(wc -l <"$T/bad.err") lines, not one: $(head -n 3 "$T/bad.err")"

in_root true run -- /bin/true || fail "chroot: fstrace run -- /bin/true failed: $(head -n 3 "$T/true.err")"
grep -q '`/bin/true` exited 0' "$T/true.err" || fail "chroot: fstrace run printed no summary: $(head -n 3 "$T/true.err")"

missing=/nonexistent-static-$RANDOM$RANDOM
rc=0
in_root cat run --record /rec.jsonl.gz -- /bin/cat "$missing" || rc=$?
[[ $rc -eq 1 ]] || fail "chroot: fstrace run -- cat $missing exited $rc, expected cat's 1: $(head -n 3 "$T/cat.err")"
check_recording "$root/rec.jsonl.gz"
expect_rec "$root/rec.jsonl.gz" "chroot: the recording has no failed open of $missing" --arg p "$missing" \
	'any(.[]; .type == "syscall" and .errno == "ENOENT" and .path == $p and .comm == "cat")'
in_root report report --format json /rec.jsonl.gz || fail "chroot: fstrace report failed: $(head -n 3 "$T/report.err")"
jq -e '.command == "/bin/cat \($p)" and .exit_code == 1' --arg p "$missing" "$T/report.out" >/dev/null ||
	fail "chroot: the JSON report is not about cat $missing: $(head -c 300 "$T/report.out")"
echo "ok"
