#!/usr/bin/env bash
# `make test-kernel`, step 1: one Debian cloud kernel unpacked into a cache, never installed on the
# host. Each series has its own private apt state (sources list, package lists, archive cache)
# under CACHE/apt-<series>/, so the machine's own sources and lists are left alone; the package is
# fetched with apt-get download and unpacked with dpkg-deb -x, and depmod writes the modules.dep
# that a package install would have written.
#
#   scripts/kernel/fetch.sh SERIES [CACHE]     prints the kernel's directory: CACHE/<release>/
#
# SERIES is one of:
#   5.10   Debian 11 (bullseye): the kernel linux-image-cloud-amd64 depends on there
#   6.1    Debian 12 (bookworm): the kernel linux-image-cloud-amd64 depends on there
#   6.12   Debian 12's backports: pinned to 6.12.43+deb12 (below)
# The directory holds vmlinuz, lib/modules/<release>/ (with modules.dep) and `release`; it is
# complete once `release` exists, and reused as is by the next run. Without a network the newest
# complete cached kernel of the series is used.
set -euo pipefail

FST_PROG=fetch-kernel
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
series=${1:-6.1}
cache=${2:-$here/../../build/kernel}
mirror=http://deb.debian.org/debian

die() {
	printf '%s: %s\n' "$FST_PROG" "$*" >&2
	exit 1
}

case $series in
5.10) suites=(bullseye) meta=linux-image-cloud-amd64 pin='' ;;
6.1) suites=(bookworm) meta=linux-image-cloud-amd64 pin='' ;;
# Pinned: the newest 6.12 backports (6.12.95 and later) double-fault early in boot under qemu's
# TCG emulator, before the console is up, so they cannot be tested here; 6.12.43 boots and is the
# kernel the seed's devpod ran (Debian 13's first 6.12).
6.12) suites=(bookworm-backports) meta='' pin=linux-image-6.12.43+deb12-cloud-amd64 ;;
*) die "unknown kernel series '$series' (5.10, 6.1 or 6.12)" ;;
esac

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
apt_dir=$cache/apt-$series
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
: >"$apt_dir/sources.list"
for s in "${suites[@]}"; do echo "deb $mirror $s main" >>"$apt_dir/sources.list"; done
apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/nonexistent
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o "Dir::Cache::archives=$apt_dir/archives")

# The versioned package: the pin, or what the metapackage points at (linux-image-X-cloud-amd64).
resolve() {
	if [[ -n $pin ]]; then
		apt-cache "${apt_opts[@]}" show "$pin" >/dev/null 2>&1 && echo "$pin"
		return 0
	fi
	apt-cache "${apt_opts[@]}" depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1 || true
}

newest_cached() {
	local d
	for d in "$cache"/"$series"[.-]*/release; do [[ -f $d ]] && dirname "$d"; done | sort -V | tail -n 1
}

pkg=''
if [[ -n $pin && -f $cache/${pin#linux-image-}/release ]]; then
	pkg=$pin # cached already: no package lists needed
else
	pkg=$(resolve)
	if [[ -z $pkg ]]; then
		apt-get "${apt_opts[@]}" update -q >/dev/null 2>&1 || true
		pkg=$(resolve)
	fi
fi
if [[ -z $pkg ]]; then
	dir=$(newest_cached)
	[[ -n $dir ]] || die "cannot resolve the $series kernel from ${suites[*]} (no package lists, no network?) and nothing is cached in $cache"
	echo "$FST_PROG: cannot resolve the $series kernel now; using the cached $(<"$dir/release")" >&2
	echo "$dir"
	exit 0
fi

release=${pkg#linux-image-}
dir=$cache/$release
if [[ -f $dir/release ]]; then
	echo "$dir"
	exit 0
fi

echo "$FST_PROG: fetching $pkg (not installed: unpacked into $dir)" >&2
rm -rf "$dir" "$dir.part"
mkdir -p "$dir.part/deb"
log=$dir.part/log
# apt-get download writes into the current directory; as root it warns that the _apt user cannot
# write there, which is harmless.
(cd "$dir.part/deb" && apt-get "${apt_opts[@]}" download -q "$pkg") >"$log" 2>&1 || {
	tail -n 5 "$log" >&2
	die "apt-get download $pkg failed"
}
dpkg-deb -x "$dir.part/deb/"*.deb "$dir.part/root"
[[ -f $dir.part/root/boot/vmlinuz-$release && -d $dir.part/root/lib/modules/$release ]] ||
	die "$pkg holds no boot/vmlinuz-$release or lib/modules/$release"
mv "$dir.part/root/boot/vmlinuz-$release" "$dir.part/vmlinuz"
mv "$dir.part/root/boot/config-$release" "$dir.part/config"
mkdir -p "$dir.part/lib/modules"
mv "$dir.part/root/lib/modules/$release" "$dir.part/lib/modules/"
rm -rf "$dir.part/root" "$dir.part/deb" "$log"
# The package leaves modules.dep to its postinst; -b makes depmod work on the unpacked tree.
depmod -b "$dir.part" "$release"
echo "$release" >"$dir.part/release"
mv "$dir.part" "$dir"
echo "$dir"
