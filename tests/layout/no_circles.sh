#!/bin/sh
# Fails when source files of libmatch or the services use each other in a
# circle (a.c calls b.c, b.c calls a.c, or a longer ring): each object
# file's undefined symbols are matched to the file that defines them, and
# tsort (coreutils) refuses the graph when it holds a loop, naming it.
# Usage: no_circles.sh OBJECTS... (each argument one object file, or a
# ;-separated list of them, as CMake's $<TARGET_OBJECTS:...> gives)
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for list in "$@"; do
    printf '%s\n' "$list" | tr ';' '\n'
done | grep -v '\.pb-c\.c\.o$' | grep . > "$work/objects" || true
[ -s "$work/objects" ] || { echo "no object files given"; exit 1; }
: > "$work/defs"
: > "$work/uses"
while read -r object; do
    name=$(basename "$object" .o)
    nm -g --defined-only "$object" | awk -v f="$name" 'NF == 3 { print $3, f }' >> "$work/defs"
    nm -g -u "$object" | awk -v f="$name" '{ print $NF, f }' >> "$work/uses"
done < "$work/objects"
sort -o "$work/defs" "$work/defs"
sort -o "$work/uses" "$work/uses"
# symbol user definer -> "user definer", each edge once
join "$work/uses" "$work/defs" | awk '$2 != $3 { print $2, $3 }' | sort -u > "$work/edges"
if ! tsort "$work/edges" > /dev/null 2> "$work/loops"; then
    echo "source files that use each other in a circle:"
    grep -v '^tsort: .*input contains a loop' "$work/loops" | sed 's/^tsort: /  /'
    exit 1
fi
echo "no circles among $(wc -l < "$work/objects") object files ($(wc -l < "$work/edges") uses)"
