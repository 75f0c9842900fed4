#!/usr/bin/env bash
# `make image`: an OCI image FROM scratch holding only the static build/fstrace, at
# /usr/local/sbin/fstrace (where the DaemonSet runs it), saved as an OCI archive; no registry and
# no daemon. Built with Debian's buildah in a storage of its own (vfs driver, in a temporary
# directory removed on exit), so it neither needs nor touches /var/lib/containers.
#
#   scripts/image.sh [BINARY [ARCHIVE [NAME]]]
#   defaults: build/fstrace, build/fstrace-image.oci.tar, fstrace:$VERSION
#   VERSION   the image's tag and version label (the Makefile passes its own)
#
# Push it anywhere with skopeo (README, docs/node-mode.md):
#   skopeo copy oci-archive:build/fstrace-image.oci.tar docker://REGISTRY/fstrace:VERSION
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$repo/build/fstrace}
archive=${2:-$repo/build/fstrace-image.oci.tar}
version=${VERSION:-$(sed -n 's/^VERSION := //p' "$repo/Makefile")}
name=${3:-fstrace:$version}

die() {
	echo "image: $*" >&2
	exit 1
}

command -v buildah >/dev/null || die "buildah is missing (make deps installs it)"
[[ -x $bin ]] || die "no fstrace binary at $bin (run make)"
# A scratch image has no loader and no libc: only a static binary runs in it.
if ! file -b "$bin" | grep -q 'statically linked'; then
	die "$bin is not statically linked ($(file -b "$bin" | cut -d, -f1-2)): build it with STATIC=1"
fi
[[ $(id -u) -eq 0 ]] || die "buildah needs root here (run: sudo make image)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fstrace-image.XXXXXX")
store=(--root "$tmp/root" --runroot "$tmp/run" --storage-driver vfs)
ctr=
cleanup() {
	[[ -z $ctr ]] || buildah "${store[@]}" rm "$ctr" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# The image's times are the commit's, not the clock's: the same tree gives the same image config.
stamp=$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)
created=$(date -u -d "@$stamp" +%Y-%m-%dT%H:%M:%SZ)

ctr=$(buildah "${store[@]}" from --quiet scratch)
buildah "${store[@]}" copy --quiet --chmod 0755 "$ctr" "$bin" /usr/local/sbin/fstrace >/dev/null
buildah "${store[@]}" config \
	--entrypoint '["/usr/local/sbin/fstrace"]' \
	--cmd '["--help"]' \
	--workingdir / \
	--os linux --arch amd64 \
	--label org.opencontainers.image.title=fstrace \
	--label org.opencontainers.image.description="eBPF filesystem fault tracer (static binary)" \
	--label org.opencontainers.image.version="$version" \
	--label org.opencontainers.image.created="$created" \
	"$ctr"
rm -f "$archive"
buildah "${store[@]}" commit --quiet --format oci --timestamp "$stamp" --rm "$ctr" \
	"oci-archive:$archive:$name" >/dev/null
ctr=
echo "  IMAGE    $archive ($name, $(($(stat -c %s "$archive") / 1024)) KiB)"
