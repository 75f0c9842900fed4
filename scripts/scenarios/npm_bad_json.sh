# shellcheck shell=bash
# Issue 13: a failure that is not a filesystem one. `npm install` on a package.json with a syntax
# error (a trailing comma) fails EJSONPARSE. The failing calls npm makes on its way (npmrc files,
# yarn.lock, system files) are routine; none of them caused the failure, and the report must say
# that no filesystem failure explains it rather than list them as missing paths.
#
# Layout under DIR:
#   app/package.json      the broken manifest
#   npm-cache/            npm's cache for this run only; npmrc: an empty user config

scenario_describe() {
	echo "npm bad json: npm install on a package.json with a syntax error (EJSONPARSE); no filesystem failure explains it"
}

scenario_setup() {
	local dir=$1
	fst_npm_prepare "$dir"
	mkdir -p "$dir/app" "$dir/npm-cache"
	printf '{\n  "name": "app",\n  "version": "1.0.0",\n  "dependencies": {\n    "left-pad": "1.3.0",\n  }\n}\n' \
		>"$dir/app/package.json"
}

# --offline: the manifest fails to parse before anything is fetched, and no run may reach out.
scenario_trigger() {
	local dir=$1
	cd "$dir/app" || return 1
	fst_npm "$dir" install --offline --cache "$dir/npm-cache"
}

scenario_cleanup() {
	fst_sweep "$1"
}

scenario_caught() {
	zcat "$1" | jq -e -s 'any(.[]; .type == "output" and (.msg // "" | contains("EJSONPARSE")))' >/dev/null
}

scenario_verify() {
	local dir=$1 out rc=0
	out=$(scenario_trigger "$dir" 2>&1) || rc=$?
	[[ $rc -ne 0 ]] || { echo "npm install did not fail: $out"; return 1; }
	grep -F EJSONPARSE <<<"$out" || { echo "no EJSONPARSE: $out"; return 1; }
}

scenario_finding() {
	echo none
}
