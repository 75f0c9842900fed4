#!/usr/bin/env bash
# The user/ module graph, and a check that it has no circle. A module is a header and the .c
# files that implement it: X.h with X.c, and X_part.c when it defines what X.h declares
# (analysis_evict.c is part of analysis). An edge A -> B when a file of A includes B's header,
# or when A's header declares a function a file of B defines (whoever includes A.h calls into
# B: findings.h declaring find_race() made findings.c and find_race.c a circle). A header with
# no .c of its own is an interface (cli/commands.h, diagnose/finders.h): its includers depend
# on it, and it on nothing, which is what dispatch through a table is for. When the objects are
# built, the calls between them are edges too (nm), so a helper defined away from its header
# cannot hide a circle.
#
#   bash scripts/include-graph.sh          the graph, one "module: what it uses" line each
#   bash scripts/include-graph.sh --check  only the verdict; non-zero on a circle
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v ctags >/dev/null || { echo "include-graph.sh: ctags (universal-ctags) not found" >&2; exit 2; }
check=0
[[ ${1:-} == --check ]] && check=1

declare -A module # file stem (relative to user/, no extension) -> its module
declare -A declared_in # function -> the module whose header declares it
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

mapfile -t files < <(cd user && find . -name '*.[ch]' | sed 's|^\./||' | sort)
for f in "${files[@]}"; do
	module[${f%.*}]=${f%.*}
done
for f in "${files[@]}"; do
	[[ $f == *.h ]] || continue
	while read -r name _; do
		declared_in[$name]=${f%.h}
	done < <(ctags -x --c-kinds=p --language-force=C "user/$f")
done
# A part file joins the module whose header declares what it defines, when named after it.
for f in "${files[@]}"; do
	[[ $f == *.c && ! -e user/${f%.c}.h ]] || continue
	while read -r name _ _ _ text; do
		[[ $text == static* ]] && continue
		m=${declared_in[$name]:-}
		[[ -n $m && ${f%.c} == "${m}"_* ]] && module[${f%.c}]=$m
	done < <(ctags -x --c-kinds=f --language-force=C "user/$f")
done

declare -A implemented # modules with a .c file
for f in "${files[@]}"; do
	[[ $f == *.c ]] && implemented[${module[${f%.c}]}]=1
done

for f in "${files[@]}"; do
	from=${module[${f%.*}]}
	while read -r inc; do
		[[ -e user/$inc ]] || continue # a system, bpf/ or build/ header
		to=${module[${inc%.h}]}
		[[ $to != "$from" ]] && echo "$from $to"
	done < <(sed -nE 's/^#include "([^"]+)".*/\1/p' "user/$f")
	[[ $f == *.c ]] || continue
	while read -r name _ _ _ text; do
		[[ $text == static* ]] && continue
		m=${declared_in[$name]:-}
		[[ -n $m && $m != "$from" && -n ${implemented[$m]:-} ]] && echo "$m $from"
	done < <(ctags -x --c-kinds=f --language-force=C "user/$f")
done | sort -u >"$edges"

# The calls themselves, from the objects when they are built (OUT, default build/): A -> B when a
# file of A uses a symbol a file of B defines, whatever header declares it (render.h declared
# helpers that report.c defined, which made report.c and report_text.c a circle).
out=${OUT:-build}
if [[ -e $out/main.o ]]; then
	declare -A defined_by
	for f in "${files[@]}"; do
		[[ $f == *.c ]] || continue
		obj=$out/${f%.c}.o
		[[ -e $obj ]] || { echo "include-graph.sh: $obj missing: run make first" >&2; exit 2; }
		while read -r sym; do
			defined_by[$sym]=${module[${f%.c}]}
		done < <(nm --defined-only -g "$obj" | awk '$2 ~ /[TDRB]/ { print $3 }')
	done
	for f in "${files[@]}"; do
		[[ $f == *.c ]] || continue
		from=${module[${f%.c}]}
		while read -r sym; do
			to=${defined_by[$sym]:-}
			[[ -n $to && $to != "$from" ]] && echo "$from $to"
		done < <(nm -u "$out/${f%.c}.o" | awk '{ print $2 }')
	done >>"$edges"
	sort -u -o "$edges" "$edges"
else
	echo "include-graph.sh: no $out/main.o: calls not checked, only includes (run make first)" >&2
fi

if ((!check)); then
	awk '{ deps[$1] = deps[$1] " " $2 } END { for (m in deps) print m ":" deps[m] }' "$edges" | sort
fi
if loops=$(tsort "$edges" 2>&1 >/dev/null) && [[ -z $loops ]]; then
	echo "  GRAPH    user/: $(cut -d' ' -f1 "$edges" | sort -u | wc -l) modules, $(wc -l <"$edges") edges, no circle"
	exit 0
fi
echo "user/ module graph has circles (the modules of each loop, from tsort):" >&2
awk '/input contains a loop/ { if (l != "") print "  " l; l = ""; next }
	{ sub(/^tsort: /, ""); l = l == "" ? $0 : l " -> " $0 } END { if (l != "") print "  " l }' <<<"$loops" >&2
exit 1
