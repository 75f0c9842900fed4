# shellcheck shell=bash
# Issue 13: a real `npm ci` is not a fault. A lockfile project of 467 packages from the npm
# registry (express, react, react-dom, webpack, jest, eslint, typescript, @babel/core), its
# package.json and package-lock.json fixed in scripts/scenarios/data/npm_ci_real/ (made once with
# `npm install --package-lock-only`), installed with `npm ci`. It succeeds; the tens of thousands of
# failing calls it makes (existence checks, module resolution, npm's cache probes) are all routine.
#
# The only scenario that needs the network: its tarballs come from the registry the first time and
# from npm's cache after, kept between runs in NPM_CI_REAL_CACHE (default
# /var/cache/fstrace-test/npm, about 100 MB; remove it to start cold). `verify` and the demo leave it
# out unless it is named. Setup fails with one line when the registry cannot be reached.
#
# Layout under DIR:
#   app/                  package.json and package-lock.json, where npm ci installs node_modules
#   npmrc                 an empty user config

NPM_CI_REAL_CACHE=${NPM_CI_REAL_CACHE:-/var/cache/fstrace-test/npm}
NPM_CI_REAL_REGISTRY=${NPM_CI_REAL_REGISTRY:-https://registry.npmjs.org/}

scenario_describe() {
	echo "npm ci real: npm ci of a 467-package lockfile project from the npm registry (cache in $NPM_CI_REAL_CACHE); succeeds, nothing above low"
}

scenario_needs_network() {
	echo "the npm registry ($NPM_CI_REAL_REGISTRY)"
}

scenario_setup() {
	local dir=$1
	fst_npm_prepare "$dir"
	mkdir -p "$dir/app" "$NPM_CI_REAL_CACHE"
	cp "$FST_SCENARIO_DIR/data/npm_ci_real/package.json" "$FST_SCENARIO_DIR/data/npm_ci_real/package-lock.json" "$dir/app/"
	# One request, bounded: an unreachable registry is one line here, not a hung npm ci later.
	timeout -k 2 20 env NPM_CONFIG_USERCONFIG="$dir/npmrc" npm ping --registry "$NPM_CI_REAL_REGISTRY" \
		--fetch-retries 0 --fetch-timeout 15000 >/dev/null 2>&1 ||
		die "npm_ci_real: the npm registry $NPM_CI_REAL_REGISTRY cannot be reached (npm ping failed); this scenario needs it"
}

scenario_trigger() {
	local dir=$1
	cd "$dir/app" || return 1
	fst_npm "$dir" ci --registry "$NPM_CI_REAL_REGISTRY" --cache "$NPM_CI_REAL_CACHE" \
		--fetch-retries 1 --fetch-timeout 30000
}

scenario_cleanup() {
	fst_sweep "$1"
}

# npm ran, and installed: its node_modules/.package-lock.json is written at the end.
scenario_caught() {
	[[ -f $2/app/node_modules/.package-lock.json ]] &&
		zcat "$1" | jq -e -s 'any(.[]; .type == "proc" and .comm == "npm ci") or any(.[]; .comm == "node")' >/dev/null
}

scenario_verify() {
	local dir=$1 out
	out=$(scenario_trigger "$dir" 2>&1) || { echo "npm ci failed: $(tail -n 5 <<<"$out")"; return 1; }
	grep -E "^added [0-9]+ packages" <<<"$out" || { echo "npm ci did not say what it added: $out"; return 1; }
}

scenario_expect() {
	echo succeeds
}
scenario_finding() {
	echo none
}
