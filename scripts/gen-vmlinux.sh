#!/usr/bin/env bash
# `make vmlinux`: regenerate the vendored vmlinux/<arch>/vmlinux.h from a kernel's BTF.
# The file is committed: the build never needs this. Run it to pick up types of a newer kernel.
#
#   BTF=/sys/kernel/btf/vmlinux ARCH=x86 scripts/gen-vmlinux.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BTF=${BTF:-/sys/kernel/btf/vmlinux}
BPFTOOL=${BPFTOOL:-bpftool}
if [[ -z ${ARCH:-} ]]; then
	case $(uname -m) in
	x86_64) ARCH=x86 ;;
	aarch64) ARCH=arm64 ;;
	*) ARCH=$(uname -m) ;;
	esac
fi
out=vmlinux/$ARCH/vmlinux.h

[[ -r $BTF ]] || { echo "gen-vmlinux: no BTF at $BTF (a kernel built with CONFIG_DEBUG_INFO_BTF=y has it)" >&2; exit 1; }
command -v "$BPFTOOL" >/dev/null || { echo "gen-vmlinux: $BPFTOOL is missing (run make deps)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
"$BPFTOOL" btf dump file "$BTF" format c >"$tmp"
# Never replace a good header with a truncated one.
grep -q '^#endif /\* __VMLINUX_H__ \*/' "$tmp" || { echo "gen-vmlinux: bpftool output looks incomplete" >&2; exit 1; }
chmod 0644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "gen-vmlinux: $out from $BTF ($(wc -l <"$out") lines)"
