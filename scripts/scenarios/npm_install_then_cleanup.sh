# shellcheck shell=bash
# Issue 13: no race where there was none. `npm install` of three local package tarballs (no
# registry) succeeds; then the same script removes node_modules with `rm -rf`, as a build's clean
# step does. npm's existence checks (statx ENOENT, then npm creates the file) come before the rm
# was even forked: they are handled misses, and the rm explains nothing. Today's analysis calls it
# a HIGH enoent_race.
#
# Layout under DIR:
#   pkg-a-1.0.0.tgz ...   the packages (pkg-a, pkg-b, pkg-c of 100 files each)
#   app/                  the project npm installs into, then cleans
#   npm-cache/            npm's cache for this run only; npmrc: an empty user config

scenario_describe() {
	echo "npm install then cleanup: npm install of local tarballs succeeds, then the same script runs rm -rf node_modules; no race"
}

scenario_setup() {
	local dir=$1 p
	fst_npm_prepare "$dir"
	mkdir -p "$dir/app" "$dir/npm-cache"
	for p in pkg-a pkg-b pkg-c; do fst_npm_tarball "$dir" "$p" 100; done
	echo '{"name":"app","version":"1.0.0","private":true}' >"$dir/app/package.json"
}

scenario_trigger() {
	local dir=$1
	cd "$dir/app" || return 1
	fst_npm "$dir" install --offline --cache "$dir/npm-cache" \
		"$dir/pkg-a-1.0.0.tgz" "$dir/pkg-b-1.0.0.tgz" "$dir/pkg-c-1.0.0.tgz" || return 1
	rm -rf node_modules
}

scenario_cleanup() {
	fst_sweep "$1"
}

scenario_caught() {
	zcat "$1" | jq -e -s --arg m "$2/app/node_modules/" '
		any(.[]; .type == "syscall" and ((.path // "") | startswith($m))) and
		any(.[]; .type == "remove" and .comm == "rm" and ((.path // "") | startswith($m)))' >/dev/null
}

scenario_verify() {
	local dir=$1 out
	out=$(scenario_trigger "$dir" 2>&1) || { echo "trigger failed: $out"; return 1; }
	grep -E "^added 3 packages" <<<"$out" || { echo "npm did not add 3 packages: $out"; return 1; }
	[[ ! -e $dir/app/node_modules ]] || { echo "node_modules is still there"; return 1; }
}

scenario_expect() {
	echo succeeds
}
scenario_finding() {
	echo none
}
