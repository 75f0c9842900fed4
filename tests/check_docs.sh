#!/usr/bin/env bash
# `make check`: the docs stay in step with the code, without root. Each reference lives in one
# place (README.md is the front door, man/fstrace.8 the options, docs/ the rest), so each place
# is checked against what the code says:
#   - every option `fstrace --help` names is in the man page;
#   - every key the recording's writer (event_json.c) knows is in docs/recording-format.md;
#   - every key of the golden JSON reports (top level and findings) is in docs/report-schema.md;
#   - README.md is at most 250 lines and opens with `sudo make demo` and `sudo make test`;
#   - every relative link in README.md, docs/ and bench/README.md leads to a file, and a heading,
#     that exist.
#
#   bash tests/check_docs.sh build/fstrace
set -euo pipefail
fstrace=$(realpath "${1:?usage: check_docs.sh FSTRACE}")
cd "$(dirname "${BASH_SOURCE[0]}")/.."

problems=()
problem() { problems+=("$1"); }

# The man page with groff's escaped hyphens and font changes made plain.
man=$(sed 's/\\-/-/g; s/\\(en/-/g; s/\\f[BIRP]//g' man/fstrace.8)
for opt in $("$fstrace" --help | grep -oE -- '(^|[][ ,(|])--?[a-zA-Z][a-zA-Z-]*' | grep -oE -- '--?[a-zA-Z-]+' | sort -u); do
	grep -qE -- "(^|[^a-zA-Z-])$opt([^a-zA-Z-]|\$)" <<<"$man" || problem "man/fstrace.8: no $opt (fstrace --help names it)"
done

writer=$(find user -name event_json.c | head -n 1)
if [[ -z $writer ]]; then
	problem "no event_json.c under user/: where does the recording's writer live now?"
else
	for key in $(grep -oE '"[a-z][a-z0-9_]*"' "$writer" | tr -d '"' | sort -u); do
		[[ $key == event ]] && continue # the word in its error messages, not a key
		grep -qE -- "[\`\"]${key}[\`\"]" docs/recording-format.md || problem "docs/recording-format.md: no \`$key\` ($writer writes it)"
	done
fi

if command -v jq >/dev/null; then
	keys=$(for f in tests/golden/*/expected.json; do
		jq -r 'keys[], (.findings[]? | keys[])' "$f"
	done | sort -u)
	for key in $keys; do
		grep -qE -- "\`$key(\[\])?\`" docs/report-schema.md || problem "docs/report-schema.md: no \`$key\` (a golden JSON report has it)"
	done
else
	echo "  DOCS     jq not found: the report schema's keys not checked"
fi

lines=$(wc -l <README.md)
((lines <= 250)) || problem "README.md: $lines lines, more than 250: move the reference to docs/"
for cmd in 'sudo make demo' 'sudo make test'; do
	head -n 20 README.md | grep -qF -- "$cmd" || problem "README.md: \`$cmd\` is not in its first 20 lines"
done

for doc in README.md docs/*.md bench/README.md; do
	dir=$(dirname "$doc")
	while IFS= read -r target; do
		[[ $target =~ ^[a-z]+: ]] && continue # a URL
		path=${target%%#*}
		file=$doc
		if [[ -n $path ]]; then
			file=$dir/$path
			[[ -e $file ]] || { problem "$doc: the link ($target) leads nowhere"; continue; }
		fi
		[[ $target == *#* && $file == *.md ]] || continue
		# A heading's anchor as GitHub makes it: lower case, punctuation but - and _ dropped.
		anchors=$(grep -E '^#+ ' "$file" | sed -E 's/^#+ //' | tr '[:upper:]' '[:lower:]' | sed -E 's/[^a-z0-9 _-]//g; s/ /-/g')
		grep -qxF -- "${target#*#}" <<<"$anchors" || problem "$doc: no heading for the link ($target)"
	done < <(grep -oE '\]\([^) ]+\)' "$doc" | sed -E 's/^\]\((.*)\)$/\1/')
done

if ((${#problems[@]})); then
	echo "docs out of step with the code (${#problems[@]}):" >&2
	printf '  %s\n' "${problems[@]}" >&2
	exit 1
fi
echo "  DOCS     man page, recording format, report schema, README and links in step"
