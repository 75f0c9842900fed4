# shellcheck shell=bash
# Issue 13: a failure that is not a filesystem one. `npm ci --offline` of the npm_ci_real
# lockfile (scripts/scenarios/data/npm_ci_real/) with an empty cache: npm may not fetch, finds
# nothing cached and fails ENOTCACHED. Its cache misses are how npm learns a package is not cached,
# not the cause; the report must say that no filesystem failure explains the failure. No network.
#
# Layout under DIR:
#   app/                  package.json and package-lock.json
#   npm-cache/            empty; npmrc: an empty user config

scenario_describe() {
	echo "npm offline cold: npm ci --offline with an empty cache fails ENOTCACHED; no filesystem failure explains it"
}

scenario_setup() {
	local dir=$1
	fst_npm_prepare "$dir"
	mkdir -p "$dir/app" "$dir/npm-cache"
	cp "$FST_SCENARIO_DIR/data/npm_ci_real/package.json" "$FST_SCENARIO_DIR/data/npm_ci_real/package-lock.json" "$dir/app/"
}

scenario_trigger() {
	local dir=$1
	cd "$dir/app" || return 1
	fst_npm "$dir" ci --offline --cache "$dir/npm-cache"
}

scenario_cleanup() {
	fst_sweep "$1"
}

scenario_caught() {
	zcat "$1" | jq -e -s 'any(.[]; .type == "output" and (.msg // "" | contains("ENOTCACHED")))' >/dev/null
}

scenario_verify() {
	local dir=$1 out rc=0
	out=$(scenario_trigger "$dir" 2>&1) || rc=$?
	[[ $rc -ne 0 ]] || { echo "npm ci --offline did not fail: $out"; return 1; }
	grep -F ENOTCACHED <<<"$out" || { echo "no ENOTCACHED: $out"; return 1; }
}

scenario_finding() {
	echo none
}
