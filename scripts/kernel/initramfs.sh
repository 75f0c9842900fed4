#!/usr/bin/env bash
# `make test-kernel`, step 2: the guest's initramfs (gzip'd newc cpio), built from the host's own
# files, as dracut builds one: the host's binaries that the scenarios and their checks run (bash,
# coreutils, util-linux, e2fsprogs, tar, jq, ...), each with the shared libraries the loader names
# (what ldd reports) and the loader itself; busybox-static for every other command a minimal system
# needs (insmod, poweroff); fstrace, the scenario table and the report schema at /opt/fstrace in the
# repository's layout; the modules the scenarios need from the fetched kernel, with their
# dependencies in load order; and guest-init.sh as /init.
#
#   scripts/kernel/initramfs.sh KERNEL-DIR FSTRACE OUTPUT SCENARIO...
#   FSTK_INITRAMFS_BASE   where the part common to every kernel (all but the modules) is kept:
#                         built there when missing, reused when present (test-kernel.sh builds it
#                         once per run); the image is that archive followed by one of the modules,
#                         as the kernel unpacks concatenated cpio archives one after the other.
#
# The host's tools rather than busybox's where both exist, because the scenarios are written for
# them (rm --one-file-system, losetup -O, findmnt, mkfs.ext4 -d) and a fault should be caused the
# same way on both kernels.
set -euo pipefail

FST_PROG=initramfs
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

die() {
	printf '%s: %s\n' "$FST_PROG" "$*" >&2
	exit 1
}

[[ $# -ge 4 ]] || die "usage: initramfs.sh KERNEL-DIR FSTRACE OUTPUT SCENARIO..."
kdir=$(cd "$1" && pwd) fstrace=$2 out=$3
shift 3
release=$(<"$kdir/release")

# Debian packages whose programs go in whole, and single commands found on PATH (awk is an
# alternative, not a file of mawk's package list).
PACKAGES=(bash coreutils util-linux mount e2fsprogs tar gzip grep sed findutils jq)
COMMANDS=(awk)
# What the scenarios load; ext4 is built into Debian's kernel, which modprobe reports as builtin.
MODULES=(overlay loop ext4)

root=$(mktemp -d "${TMPDIR:-/tmp}/fstrace-kernel-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
base=${FSTK_INITRAMFS_BASE:-$root.base.gz}
[[ -n ${FSTK_INITRAMFS_BASE:-} ]] || trap 'rm -rf "$root" "$base"' EXIT

# pack DIR OUT: DIR as a gzip'd newc cpio, owned by root.
pack() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$2.part"
	mv "$2.part" "$2"
}

if [[ ! -s $base ]]; then

# Merged /usr, as on Debian 12, so that a path copied from the host lands where it is looked up.
# /var/cache too: fstrace keeps per-kernel files there when it can.
mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{proc,sys,dev,tmp,run,root,etc,opt} "$root"/var/{cache,lib,log,tmp}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done

# copy PATH: the file (symlinks followed) to the same path in the image, once.
copy() {
	local src=$1 dst=$root$1
	[[ -e $dst || -L $dst ]] && return 0
	mkdir -p "${dst%/*}"
	cp -L --preserve=mode "$src" "$dst"
}

# The programs, then in one go every library and the loader they need. The loader's --list is what
# ldd runs for each file, without ldd's shell wrapper (6 s less for ~250 programs).
rtld=/lib64/ld-linux-x86-64.so.2
progs=()
for pkg in "${PACKAGES[@]}"; do
	dpkg-query -W "$pkg" >/dev/null 2>&1 || die "package $pkg is not installed (run make deps)"
	while read -r f; do
		[[ -f $f && -x $f ]] && progs+=("$f")
	done < <(dpkg -L "$pkg" | grep -E '^(/usr)?/s?bin/[^/]+$')
done
for c in "${COMMANDS[@]}"; do
	p=$(command -v "$c") || die "$c is not on PATH"
	progs+=("$p")
done
progs+=("$fstrace")
for f in "${progs[@]}"; do
	[[ $f == "$fstrace" ]] || copy "$f"
done
# A script or a static binary has nothing to add (the loader refuses it).
while read -r lib; do
	copy "$lib"
done < <(for f in "${progs[@]}"; do "$rtld" --list "$f" 2>/dev/null || true; done |
	sed -n 's/^.*=> \(\/[^ ]*\) (.*$/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*$/\1/p' | sort -u)

# The configuration files every Debian system has and the scenarios' programs read (mke2fs's
# defaults, bash's user lookup, ls -l's time zone): a missing one would be a failing openat in every
# recording, and a missing path in every report.
for f in /etc/mke2fs.conf /etc/nsswitch.conf /etc/localtime; do
	[[ ! -e $f ]] || copy "$f"
done

# busybox fills the gaps; never over a file copied above (and never through an existing link).
busybox=$(command -v busybox) || die "busybox is missing (run make deps)"
# Only busybox-static's runs without libraries of its own (ldd fails on a static binary).
! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is not busybox-static's (run make deps)"
cp "$busybox" "$root/usr/bin/busybox"
while read -r applet; do
	[[ -e $root/$applet || -L $root/$applet ]] || ln -s /usr/bin/busybox "$root/$applet"
done < <("$busybox" --list-full)

# fstrace in the repository's layout, so that scenario.sh finds its table and FST_REPO holds.
mkdir -p "$root/opt/fstrace/build" "$root/opt/fstrace/scripts/scenarios" "$root/opt/fstrace/scripts/kernel" \
	"$root/opt/fstrace/tests"
cp "$fstrace" "$root/opt/fstrace/build/fstrace"
cp -p "$repo/scripts/scenario.sh" "$root/opt/fstrace/scripts/"
cp -p "$repo/scripts/scenarios/"*.sh "$root/opt/fstrace/scripts/scenarios/"
cp -p "$repo/tests/report_schema.jq" "$root/opt/fstrace/tests/"
cp -p "$here/guest-scenario.sh" "$root/opt/fstrace/scripts/kernel/"
install -m 0755 "$here/guest-init.sh" "$root/init"

mkdir -p "$root/etc/fstrace-kernel"
printf '%s\n' "$@" >"$root/etc/fstrace-kernel/scenarios"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
# Every Debian system has a loader cache; without one each program's first openat fails ENOENT,
# and fstrace rightly reports /etc/ld.so.cache as a missing path in every scenario.
printf '/usr/lib/x86_64-linux-gnu\n' >"$root/etc/ld.so.conf"
ldconfig -r "$root"

# Checked inside the image, as the guest's loader will see it: a library left out would otherwise
# show only as a scenario failing in the guest, minutes later.
guest_progs=()
for f in "${progs[@]}"; do
	[[ $f == "$fstrace" ]] && f=/opt/fstrace/build/fstrace
	guest_progs+=("$f")
done
# (The loader names the program and the library it could not open; no redirection to a file in
# there: the image has no /dev/null yet.)
missing=$(chroot "$root" /usr/bin/bash -c 'for f; do '"$rtld"' --list "$f" 2>&1; done' _ "${guest_progs[@]}" |
	grep 'cannot open shared object file' || true)
[[ -z $missing ]] || die "libraries missing from the image: $(head -n 5 <<<"$missing" | tr '\n' ' ')"

pack "$root" "$base"
echo "$FST_PROG: $base: $(du -k "$base" | cut -f1) KiB, $(find "$root" -mindepth 1 | wc -l) files (every kernel's part)" >&2
rm -rf "$root"
fi

# The same merged-/usr links as the common part, so that this part's /lib lands where they point.
mkdir -p "$root"/usr/{bin,sbin,lib,lib64}
for d in bin sbin lib lib64; do ln -sfn "usr/$d" "$root/$d"; done

# This kernel's part: its modules in load order (modprobe --show-depends walks the fetched kernel's
# modules.dep), as plain .ko (busybox insmod does not decompress), and their list for /init.
mkdir -p "$root/etc/fstrace-kernel"
: >"$root/etc/fstrace-kernel/modules"
for m in "${MODULES[@]}"; do
	deps=$(modprobe -d "$kdir" -S "$release" --show-depends "$m") || die "module $m not found in $kdir"
	while read -r word path _; do
		[[ $word == insmod ]] || continue # "builtin NAME": nothing to load
		rel=${path#"$kdir"}
		dst=$root${rel%.xz}
		dst=${dst%.zst}
		[[ -e $dst ]] && continue
		mkdir -p "$(dirname "$dst")"
		case $path in
		*.xz) xz -dc "$path" >"$dst" ;;
		*.zst) zstd -qdc "$path" >"$dst" ;;
		*) cp "$path" "$dst" ;;
		esac
		echo "${dst#"$root"}" >>"$root/etc/fstrace-kernel/modules"
	done <<<"$deps"
done
mkdir -p "$(dirname "$out")"
pack "$root" "$out.modules"
cat "$base" "$out.modules" >"$out.part"
rm -f "$out.modules"
mv "$out.part" "$out"
echo "$FST_PROG: $out: $(du -k "$out" | cut -f1) KiB ($release's modules added)" >&2
