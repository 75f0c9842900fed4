#!/usr/bin/env bash
# `make deps`: install the Debian 12 packages fstrace needs to build and test, only those missing;
# `scripts/deps.sh PACKAGE...` does the same for other lists (scripts/bench/deps.sh).
# Nothing to do costs one dpkg-query. apt-get update runs only when an install fails for want of
# package lists (a fresh machine).
set -euo pipefail

PACKAGES=(
	clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make gcc # build: BPF object, skeleton, static link
	libc6-dev                                                    # build: glibc's libc.a, for a fully static fstrace
	jq e2fsprogs util-linux gzip kmod python3 python3-yaml       # tests: assertions, ext4 images, mounts, manifests
	qemu-system-x86 busybox-static cpio                          # test-kernel: a second kernel under TCG, its initramfs
	valgrind libclang-rt-14-dev                                  # tests: the report path under valgrind; make fuzz
	containerd runc                                              # test_devpod: a real container (overlayfs snapshotter, runc)
	shellcheck clang-format universal-ctags                      # make lint: scripts, C style, the include graph
	buildah skopeo file                                          # make image: an OCI archive FROM scratch; test_image reads it
	prometheus-node-exporter curl                                # test_node_live: a real node_exporter serving --metrics, scraped
)
[[ $# -eq 0 ]] || PACKAGES=("$@")

# "installed" is the only status that counts: a package removed but not purged is "config-files".
missing=()
mapfile -t installed < <(dpkg-query -W -f='${db:Status-Status} ${Package}\n' "${PACKAGES[@]}" 2>/dev/null |
	awk '$1 == "installed" { print $2 }')
for p in "${PACKAGES[@]}"; do
	[[ " ${installed[*]} " == *" $p "* ]] || missing+=("$p")
done

# The npm race test runs real npm: Debian's, unless one is already on PATH (nodesource, nvm).
if [[ $# -eq 0 ]] && ! command -v npm >/dev/null; then
	missing+=(npm)
fi

[[ ${#missing[@]} -gt 0 ]] || exit 0

if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing packages: ${missing[*]}; install them as root (sudo make deps)" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/fstrace-deps.XXXXXX)
trap 'rm -f "$log"' EXIT
install() {
	apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1
}
if ! install; then
	if grep -qE 'Unable to locate package|has no installation candidate|Failed to fetch|404 +Not Found' "$log"; then
		apt-get update -q >>"$log" 2>&1 || { tail -n 5 "$log" >&2; echo "deps: apt-get update failed" >&2; exit 1; }
		install || { tail -n 5 "$log" >&2; echo "deps: apt-get install failed" >&2; exit 1; }
	else
		tail -n 5 "$log" >&2
		echo "deps: apt-get install failed" >&2
		exit 1
	fi
fi
