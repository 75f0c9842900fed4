#!/usr/bin/env bash
# `make check`'s last step (no root): build/fstrace is the binary users copy to nodes of any x86-64
# distribution, so it must be fully static. No PT_INTERP (no loader to find), no dynamic section
# (no NEEDED library, no glibc version to match), and ldd agrees. Then it must still run: --version.
#
#   tests/check_static.sh BINARY
set -euo pipefail

die() {
	echo "check_static: $*" >&2
	exit 1
}

[[ $# -eq 1 ]] || die "usage: check_static.sh BINARY"
bin=$1
[[ -x $bin ]] || die "no binary at $bin (run make)"
command -v readelf >/dev/null || die "readelf is missing (binutils; run make deps)"

hdr=$(LC_ALL=C readelf -h "$bin" 2>&1) || die "$bin: not an ELF file: $(head -n 1 <<<"$hdr")"
grep -qE 'Machine: +Advanced Micro Devices X86-64' <<<"$hdr" || die "$bin: not an x86-64 binary"
interp=$(LC_ALL=C readelf -lW "$bin" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p')
[[ -z $interp ]] || die "$bin is not static: it asks for the loader $interp"
needed=$(LC_ALL=C readelf -dW "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd ' ' -)
[[ -z $needed ]] || die "$bin is not static: it needs $needed"
LC_ALL=C readelf -dW "$bin" | grep -q 'There is no dynamic section' ||
	die "$bin is not static: it has a dynamic section (a static PIE, or a loader of its own)"
if command -v ldd >/dev/null; then
	out=$(LC_ALL=C ldd "$bin" 2>&1 || true)
	[[ $out == *"not a dynamic executable"* ]] || die "ldd $bin says: $(head -n 1 <<<"$out")"
fi
ver=$(env -i "$bin" --version 2>&1) || die "$bin --version failed in an empty environment: $ver"
size=$(stat -c %s "$bin")
printf '  %-8s %s\n' STATIC "$bin: no loader, no NEEDED, runs with env -i ($((size / 1024)) KiB, ${ver})"
