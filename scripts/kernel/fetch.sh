#!/usr/bin/env bash
# `make test-kernel`, step 1: Debian 12's cloud kernel (Linux 6.1) unpacked into a cache, never
# installed on the host. The version is the one the linux-image-cloud-amd64 metapackage depends on
# today; the package is fetched with apt-get download and unpacked with dpkg-deb -x, and depmod
# writes the modules.dep that a package install would have written.
#
#   scripts/kernel/fetch.sh [CACHE]     prints the kernel's directory: CACHE/<release>/
#
# The directory holds vmlinuz, lib/modules/<release>/ (with modules.dep) and `release`; it is
# complete once `release` exists, and reused as is by the next run. Without package lists or a
# network the newest complete cached kernel is used.
set -euo pipefail

FST_PROG=fetch-kernel
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${1:-$here/../../build/kernel}
meta=linux-image-cloud-amd64

die() {
	printf '%s: %s\n' "$FST_PROG" "$*" >&2
	exit 1
}

# The versioned package the metapackage points at: linux-image-6.1.0-N-cloud-amd64.
resolve() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1
}

newest_cached() {
	local d
	for d in "$cache"/*/release; do [[ -f $d ]] && dirname "$d"; done | sort -V | tail -n 1
}

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
pkg=$(resolve)
if [[ -z $pkg ]]; then
	# A fresh machine has no package lists yet.
	apt-get update -q >/dev/null 2>&1 || true
	pkg=$(resolve)
fi
if [[ -z $pkg ]]; then
	dir=$(newest_cached)
	[[ -n $dir ]] || die "cannot resolve $meta (apt-cache depends found no linux-image package) and nothing is cached in $cache"
	echo "$FST_PROG: cannot resolve $meta now; using the cached $(<"$dir/release")" >&2
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
(cd "$dir.part/deb" && apt-get download -q "$pkg") >"$log" 2>&1 || {
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
