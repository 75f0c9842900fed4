# shellcheck shell=bash
# Helpers shared by the scenario files, scripts/scenario.sh, scripts/demo.sh and tests/.
# Everything a scenario creates lives under one directory (DIR), so that fst_sweep can undo it
# whatever state a half-finished setup or trigger left behind.
# The files here are sourced, never run; they are executable only because bash's `source` first
# tries access(X_OK), and without the bit every recording of a trigger shows an EACCES on them.

# Builtins only up to the trigger: every command a traced shell runs adds its own failed probes
# (PATH lookups, locale files) to the recording.
if [[ -z ${FST_SCENARIO_DIR:-} ]]; then
	FST_SCENARIO_DIR=${BASH_SOURCE[0]%/*}
	[[ $FST_SCENARIO_DIR != "${BASH_SOURCE[0]}" ]] || FST_SCENARIO_DIR=.
	FST_SCENARIO_DIR=$(cd "$FST_SCENARIO_DIR" && pwd)
fi
FST_REPO=${FST_REPO:-$(cd "$FST_SCENARIO_DIR/../.." && pwd)}
FST_TRACEFS=${FST_TRACEFS:-/sys/kernel/tracing}

die() {
	printf '%s: %s\n' "${FST_PROG:-${0##*/}}" "$*" >&2
	exit 1
}

warn() {
	printf '%s: %s\n' "${FST_PROG:-${0##*/}}" "$*" >&2
}

fst_need_root() {
	[[ $EUID -eq 0 ]] || die "must run as root (mounts, loop devices and BPF need it)"
}

# The environment a trigger runs in under fstrace: the C locale (no locale files to look for) and
# a short PATH with /usr/bin first, so that the recording shows the fault rather than what every
# new process probes on its way up. Use: env "${FST_TRIGGER_ENV[@]}" fstrace run -- ...
# shellcheck disable=SC2034 # used by demo.sh and tests/lib.sh
FST_TRIGGER_ENV=(LC_ALL=C PATH=/usr/bin:/usr/sbin:/bin:/sbin)

# A fresh directory /tmp/fstrace-NAME.XXXXXX; the /tmp/fstrace- prefix is what leak checks look for.
fst_mktemp() {
	mktemp -d "/tmp/fstrace-${1:-tmp}.XXXXXX"
}

# Run CMD on EXIT, and turn INT/TERM into an exit so the EXIT trap runs for them too.
fst_on_exit() {
	# shellcheck disable=SC2064
	trap "$*" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# "major:minor" in decimal of a block device node, as the recording's dev field writes it.
fst_majmin() {
	local major minor
	read -r major minor < <(stat -L -c '%t %T' "$1") && [[ -n $minor ]] || return 1
	printf '%d:%d\n' "0x$major" "0x$minor"
}

# fst_loop_attach IMG DIR: IMG on a free loop device, written to DIR/loopdev and its "major:minor"
# to DIR/loopdev.majmin (where the scenario's checks, and a sweep after any failure, find it).
fst_loop_attach() {
	local img=$1 dir=$2 loop
	[[ -e /dev/loop-control ]] || modprobe loop 2>/dev/null || true
	loop=$(losetup --find --show "$img") || return 1
	echo "$loop" >"$dir/loopdev"
	fst_majmin "$loop" >"$dir/loopdev.majmin"
}

# tracefs is only needed for manual checks (fstrace mounts it itself).
fst_tracefs() {
	if [[ ! -e $FST_TRACEFS/events ]]; then
		mount -t tracefs nodev "$FST_TRACEFS" 2>/dev/null ||
			die "cannot mount tracefs on $FST_TRACEFS"
	fi
}

# Kill the processes whose pids DIR/*.pid (or DIR/*/*.pid) hold: helpers started in the background.
fst_kill_helpers() {
	local dir=$1 f pid
	for f in "$dir"/*.pid "$dir"/*/*.pid; do
		[[ -f $f ]] || continue
		pid=$(<"$f")
		if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.05
			done
			kill -KILL "$pid" 2>/dev/null || true
		fi
		rm -f "$f"
	done
}

# Mount points at or below DIR, deepest first.
fst_mounts_under() {
	local dir=$1
	findmnt -rn -o TARGET | awk -v d="$dir" '$0 == d || index($0, d "/") == 1' | sort -r
}

# Loop devices whose backing file is below DIR.
fst_loops_under() {
	local dir=$1
	losetup -n -l -O NAME,BACK-FILE 2>/dev/null |
		awk -v d="$dir/" 'index($2, d) == 1 { print $1 }'
}

# The Longhorn-style block nodes a scenario under DIR made: /dev/longhorn/NAME for each NAME in
# DIR/longhorn.name or DIR/*/longhorn.name (only fstrace-test-* names and the pvc-<uuid> of
# scripts/devpod), one "node created-flag-file" a line. The flag file exists when that setup also
# created /dev/longhorn.
fst_longhorn_nodes() {
	local dir=$1 f name
	for f in "$dir"/longhorn.name "$dir"/*/longhorn.name; do
		[[ -f $f ]] || continue
		name=$(<"$f")
		[[ $name =~ ^(fstrace-test-[0-9a-f]+|pvc-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$ ]] || continue
		echo "/dev/longhorn/$name ${f%/*}/longhorn.created"
	done
}

# Remove those nodes, and /dev/longhorn when the setup created it and it is empty now.
fst_remove_longhorn_nodes() {
	local dir=$1 node created rc=0
	while read -r node created; do
		[[ -n $node ]] || continue
		if [[ -b $node ]]; then rm -f "$node" || { warn "cannot remove $node"; rc=1; }; fi
		if [[ -f $created && -d /dev/longhorn ]]; then
			rmdir /dev/longhorn 2>/dev/null || true # not empty: another volume's node is there
		fi
	done < <(fst_longhorn_nodes "$dir")
	return "$rc"
}

# fst_release_under DIR: unmounts every mount under DIR (lazily as a last resort) and detaches
# every loop device backed by a file under it; non-zero when one stays.
fst_release_under() {
	local dir=$1 m l rc=0
	while read -r m; do
		[[ -n $m ]] || continue
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || { warn "cannot unmount $m"; rc=1; }
	done < <(fst_mounts_under "$dir")
	while read -r l; do
		[[ -n $l ]] || continue
		losetup -d "$l" 2>/dev/null || { warn "cannot detach $l"; rc=1; }
	done < <(fst_loops_under "$dir")
	return $rc
}

# Undo everything below DIR: helpers, mounts (lazily if busy), loop devices, /dev/longhorn nodes,
# files. Idempotent; returns non-zero if something could not be undone.
fst_sweep() {
	local dir=$1 rc=0
	[[ -n $dir && $dir == /tmp/* ]] || die "refusing to sweep '$dir' (not under /tmp)"
	[[ -e $dir ]] || return 0
	fst_kill_helpers "$dir"
	fst_remove_longhorn_nodes "$dir" || rc=1
	fst_release_under "$dir" || rc=1
	# --one-file-system: never descend into a mount that survived the unmounts above.
	rm -rf --one-file-system "$dir" 2>/dev/null || { warn "cannot remove $dir"; rc=1; }
	return "$rc"
}

# What fst_sweep would have to undo; empty output means nothing was left behind.
fst_leftovers() {
	local dir=$1 m l f
	for f in "$dir"/*.pid "$dir"/*/*.pid; do
		[[ -f $f ]] && kill -0 "$(<"$f")" 2>/dev/null && echo "process $(<"$f") (${f##*/})"
	done
	while read -r m; do [[ -n $m ]] && echo "mount $m"; done < <(fst_mounts_under "$dir")
	while read -r l; do [[ -n $l ]] && echo "loop $l"; done < <(fst_loops_under "$dir")
	while read -r l _; do [[ -n $l && -e $l ]] && echo "device node $l"; done < <(fst_longhorn_nodes "$dir")
	if [[ -e $dir ]]; then echo "dir $dir"; fi
}

# The scenario table: one file per real fault in scripts/scenarios/, lib.sh excepted.
fst_scenarios() {
	local f
	for f in "$FST_SCENARIO_DIR"/*.sh; do
		f=${f##*/}
		[[ $f == lib.sh ]] || echo "${f%.sh}"
	done
}

# Define the scenario_* functions of scenario NAME in the current shell.
fst_load_scenario() {
	local name=$1
	[[ $name =~ ^[a-z0-9_]+$ && -f $FST_SCENARIO_DIR/$name.sh && $name != lib ]] ||
		die "unknown scenario '$name' (known: $(fst_scenarios | tr '\n' ' '))"
	unset -f scenario_setup scenario_trigger scenario_cleanup scenario_describe \
		scenario_caught scenario_verify scenario_finding scenario_expect scenario_needs_network
	# shellcheck source=/dev/null
	source "$FST_SCENARIO_DIR/$name.sh"
}

# Print the kernel log lines written after the marker line that contains TAG.
fst_kmsg_mark() {
	echo "fstrace-mark: $1" >/dev/kmsg
}
fst_kmsg_since() {
	dmesg | awk -v t="fstrace-mark: $1" 'found { print } index($0, t) { found = 1 }'
}

# Verifies a nested-overlay scenario without fstrace: its trigger fails and the kernel says why.
fst_verify_nested_overlay() {
	local name=$1 dir=$2 tag rc=0
	tag="$name $dir"
	fst_kmsg_mark "$tag"
	scenario_trigger "$dir" 2>/dev/null || rc=$?
	[[ $rc -ne 0 ]] || { echo "trigger did not fail"; return 1; }
	fst_kmsg_since "$tag" | grep -F "not supported as upperdir" ||
		{ echo "no 'not supported as upperdir' kernel message"; return 1; }
}

# The npm scenarios' npm: the machine's ~/.npmrc must not change the workload (an empty user config
# in DIR/npmrc, made by fst_npm_prepare), and nothing but the work asked for (no audit, funding or
# update check: each would be a request to the registry). Use: fst_npm DIR ARGS... in DIR's project.
fst_npm_prepare() {
	command -v npm >/dev/null || die "npm is not installed"
	mkdir -p "$1"
	: >"$1/npmrc"
}
fst_npm() {
	local dir=$1
	shift
	NPM_CONFIG_USERCONFIG=$dir/npmrc npm --no-audit --no-fund --no-update-notifier "$@"
}

# fst_npm_tarball DIR NAME NFILES: DIR/NAME-1.0.0.tgz, a local package of NFILES small modules
# under lib/, as `npm pack` would make it; no registry is needed to install it.
fst_npm_tarball() {
	local dir=$1 name=$2 n=$3 i src
	src=$dir/src-$name
	mkdir -p "$src/package/lib"
	for ((i = 1; i <= n; i++)); do echo "module.exports = $i;" >"$src/package/lib/f$i.js"; done
	printf '{"name":"%s","version":"1.0.0","license":"MIT"}\n' "$name" >"$src/package/package.json"
	tar czf "$dir/$name-1.0.0.tgz" -C "$src" package
	rm -rf "$src"
}

# Whether scenario NAME needs the network (it defines scenario_needs_network): `verify` and the
# demo leave such a scenario out unless it is named.
fst_scenario_offline() {
	! grep -q '^scenario_needs_network()' "$FST_SCENARIO_DIR/$1.sh"
}

# Whether scenario NAME races real processes and can miss its window on a busy machine (it then
# declares scenario_racy): the demo and the tests give its trigger up to three tries.
fst_scenario_racy() {
	grep -q '^scenario_racy()' "$FST_SCENARIO_DIR/$1.sh"
}
