# shellcheck shell=bash
# Seed: `npm ci` in a dev pod warns "npm warn tar TAR_ENTRY_ERROR ENOENT: no such file or
# directory, open '.../node_modules/...'" and leaves packages half-extracted. Here with real npm
# and node-tar: a local package of a few hundred files is installed while a cleanup loop, started
# outside the traced command, keeps removing part of node_modules (a second install, a watcher,
# a CI cleanup job). No registry is needed.
#
# Layout under DIR:
#   bigpkg-1.0.0.tgz      the package (400 files under lib/)
#   app/                  the project npm installs into; app/node_modules/bigpkg/lib is the target
#   deleter.pid           the cleanup loop; each removal is an `rm -rf` child of it
#   npm-cache/            npm's cache for this run only

NPM_RACE_LIFE=${NPM_RACE_LIFE:-300} # the deleter stops by itself after this long

scenario_describe() {
	echo "npm race: npm install (node-tar) warns TAR_ENTRY_ERROR ENOENT because a cleanup loop outside the build removes node_modules under it"
}

scenario_setup() {
	local dir=$1 i
	command -v npm >/dev/null || die "npm is not installed"
	mkdir -p "$dir/src/package/lib" "$dir/app" "$dir/npm-cache"
	for i in $(seq 1 400); do echo "module.exports = $i;" >"$dir/src/package/lib/f$i.js"; done
	echo '{"name":"bigpkg","version":"1.0.0"}' >"$dir/src/package/package.json"
	tar czf "$dir/bigpkg-1.0.0.tgz" -C "$dir/src" package
	echo '{"name":"app","version":"1.0.0","private":true}' >"$dir/app/package.json"
	bash -c 'end=$((SECONDS + $2)); while ((SECONDS < end)) && [[ -d $1 ]]; do rm -rf "$1/node_modules/bigpkg/lib" 2>/dev/null; done' \
		npm-race-deleter "$dir/app" "$NPM_RACE_LIFE" </dev/null >/dev/null 2>&1 &
	echo $! >"$dir/deleter.pid"
}

# The deleter can miss npm's extraction window on a loaded machine (about 1 run in 8 under CI's
# load): npm then succeeds, and the fault was not reproduced, not missed.
scenario_racy() {
	:
}

# npm only warns (and exits 0) on TAR_ENTRY_ERROR: the trigger fails when it warned.
scenario_trigger() {
	local dir=$1 out rc=0
	cd "$dir/app" || return 1
	out=$(npm install --no-audit --no-fund --cache "$dir/npm-cache" "$dir/bigpkg-1.0.0.tgz" 2>&1) || rc=$?
	printf '%s\n' "$out" | head -n 5
	if grep -q TAR_ENTRY_ERROR <<<"$out"; then
		echo "npm_race: npm warned TAR_ENTRY_ERROR ($(grep -c TAR_ENTRY_ERROR <<<"$out") entries)" >&2
		return 1
	fi
	echo "npm_race: npm finished without TAR_ENTRY_ERROR (exit $rc)" >&2
	return 0
}

scenario_cleanup() {
	fst_sweep "$1"
}

scenario_caught() {
	zcat "$1" | jq -e -s --arg w "$2/app/node_modules/bigpkg" '
		any(.[]; .type == "syscall" and .errno == "ENOENT" and ((.path // "") | startswith($w))) and
		any(.[]; .type == "remove" and ((.path // "") | startswith($w)))' >/dev/null
}

scenario_verify() {
	local dir=$1 out rc=0
	kill -0 "$(<"$dir/deleter.pid")" 2>/dev/null || { echo "deleter is not running"; return 1; }
	out=$(scenario_trigger "$dir" 2>&1) || rc=$?
	[[ $rc -ne 0 ]] || { echo "npm did not warn TAR_ENTRY_ERROR: $out"; return 1; }
	grep -F "TAR_ENTRY_ERROR ENOENT" <<<"$out"
}

# The finding fstrace must make of it: class and cause.
scenario_finding() {
	echo enoent_race removed
}
