#!/usr/bin/env bash
# Packages only `make bench` needs (the comparison tracers and the plot), installed only if missing,
# the same way as scripts/deps.sh. strace and npm are checked by run.sh, which says what it skips.
set -euo pipefail

PACKAGES=(bpftrace gnuplot-nox linux-perf strace)

missing=()
mapfile -t installed < <(dpkg-query -W -f='${db:Status-Status} ${Package}\n' "${PACKAGES[@]}" 2>/dev/null |
	awk '$1 == "installed" { print $2 }')
for p in "${PACKAGES[@]}"; do
	[[ " ${installed[*]} " == *" $p "* ]] || missing+=("$p")
done
[[ ${#missing[@]} -gt 0 ]] || exit 0

if [[ $(id -u) -ne 0 ]]; then
	echo "bench deps: missing packages: ${missing[*]}; install them as root (sudo make bench)" >&2
	exit 1
fi

echo "bench deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/fstrace-bench-deps.XXXXXX)
trap 'rm -f "$log"' EXIT
install() {
	apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1
}
if ! install; then
	if grep -qE 'Unable to locate package|has no installation candidate|Failed to fetch|404 +Not Found' "$log"; then
		apt-get update -q >>"$log" 2>&1 || { tail -n 5 "$log" >&2; echo "bench deps: apt-get update failed" >&2; exit 1; }
		install || { tail -n 5 "$log" >&2; echo "bench deps: apt-get install failed" >&2; exit 1; }
	else
		tail -n 5 "$log" >&2
		echo "bench deps: apt-get install failed" >&2
		exit 1
	fi
fi
