#!/usr/bin/env bash
# `make image`'s script on the binary under test: an OCI archive that skopeo reads (name, entrypoint,
# platform, version), whose one layer holds the very binary and nothing else but its directories,
# which runs chrooted into that layer alone (a scratch image has no libc); the DaemonSet's image and
# command agree with it; a binary that is not static is refused in one line.
source "$(dirname "$0")/lib.sh"

command -v skopeo >/dev/null || fail "skopeo is missing (make deps installs it)"
version=$(sed -n 's/^VERSION := //p' "$FST_REPO/Makefile")
archive=$T/fstrace.oci.tar

# Bad input: a dynamically linked binary would not start in a scratch image.
rc=0
bash "$FST_REPO/scripts/image.sh" /bin/true "$T/bad.oci.tar" >"$T/bad.out" 2>&1 || rc=$?
if [[ $rc -eq 0 || $(wc -l <"$T/bad.out") -ne 1 ]] || ! grep -q 'is not statically linked' "$T/bad.out"; then
	fail "a dynamic binary: exit $rc, said '$(head -c 300 "$T/bad.out")'"
fi
[[ ! -e $T/bad.oci.tar ]] || fail "a refused binary still left an archive"

# make check holds the default build to being static; a build asked to be dynamic (make SANITIZE=1
# test, in CI) cannot go in a scratch image, as the check above shows.
if LC_ALL=C readelf -lW "$FSTRACE" | grep -q 'program interpreter'; then
	note "a dynamic build (make SANITIZE=1 or STATIC=0): no image of it"
	echo "ok"
	exit 0
fi

note "scripts/image.sh $FSTRACE $archive"
bash "$FST_REPO/scripts/image.sh" "$FSTRACE" "$archive" >"$T/image.out" 2>&1 ||
	fail "scripts/image.sh failed: $(tail -n 3 "$T/image.out")"

skopeo inspect "oci-archive:$archive" >"$T/inspect.json" 2>"$T/inspect.err" ||
	fail "skopeo inspect cannot read the archive: $(head -n 2 "$T/inspect.err")"
skopeo inspect --config "oci-archive:$archive" >"$T/config.json" 2>"$T/inspect.err" ||
	fail "skopeo inspect --config failed: $(head -n 2 "$T/inspect.err")"
jq -e '.Os == "linux" and .Architecture == "amd64" and (.Layers | length) == 1' "$T/inspect.json" >/dev/null ||
	fail "the image is $(jq -c '{Os, Architecture, layers: (.Layers | length)}' "$T/inspect.json"), expected one linux/amd64 layer"
jq -e --arg v "$version" '.Labels["org.opencontainers.image.version"] == $v' "$T/inspect.json" >/dev/null ||
	fail "the version label is $(jq -c .Labels "$T/inspect.json"), expected $version"
jq -e '.config.Entrypoint == ["/usr/local/sbin/fstrace"]' "$T/config.json" >/dev/null ||
	fail "the entrypoint is $(jq -c .config.Entrypoint "$T/config.json")"

# The archive's own name for the image, and its one layer, read from the OCI layout itself.
mkdir -p "$T/layout" "$T/rootfs"
tar -xf "$archive" -C "$T/layout" || fail "the archive is not a tar"
jq -e '.imageLayoutVersion == "1.0.0"' "$T/layout/oci-layout" >/dev/null || fail "no OCI layout in the archive"
ref=$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$T/layout/index.json")
[[ $ref == "fstrace:$version" ]] || fail "the image is named '$ref', expected fstrace:$version"
layer=$(jq -r '.Layers[0]' "$T/inspect.json")
tar -xf "$T/layout/blobs/sha256/${layer#sha256:}" -C "$T/rootfs" || fail "the layer $layer is not a tar"
files=$(cd "$T/rootfs" && find . -not -type d | sort | tr '\n' ' ')
[[ $files == "./usr/local/sbin/fstrace " ]] || fail "the layer holds '$files', expected only ./usr/local/sbin/fstrace"
cmp -s "$FSTRACE" "$T/rootfs/usr/local/sbin/fstrace" || fail "the binary in the image is not $FSTRACE"
[[ $(stat -c %a "$T/rootfs/usr/local/sbin/fstrace") == 755 ]] ||
	fail "the binary in the image is mode $(stat -c %a "$T/rootfs/usr/local/sbin/fstrace")"
# What a container runtime would start: the entrypoint, with the layer as its whole filesystem.
out=$(chroot "$T/rootfs" /usr/local/sbin/fstrace --version 2>&1) || fail "fstrace does not run in the image alone: $out"
[[ $out == "fstrace $version" ]] || fail "fstrace --version in the image printed '$out'"

# The DaemonSet runs this image, by this name, and its command is the entrypoint's binary.
/usr/bin/python3 - "$FST_REPO/scripts/deploy/fstrace-daemonset.yaml" >"$T/manifest.json" <<'PY' ||
import json, sys, yaml
print(json.dumps(yaml.safe_load(open(sys.argv[1]))))
PY
	fail "the DaemonSet manifest does not parse"
image=$(jq -r '.spec.template.spec.containers[0].image' "$T/manifest.json")
[[ ${image##*/} == "$ref" ]] || fail "the DaemonSet runs image '$image', the archive is '$ref'"
jq -e '.spec.template.spec.containers[0].command[0] == "/usr/local/sbin/fstrace"' "$T/manifest.json" >/dev/null ||
	fail "the DaemonSet's command is not the image's /usr/local/sbin/fstrace"

echo "ok"
