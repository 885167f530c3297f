#!/bin/sh
# Fails when source files of libmatch or the services use each other in a
# circle (a.c calls b.c, b.c calls a.c, or a longer ring): each object
# file's undefined symbols are matched to the file that defines them, and
# tsort (coreutils) refuses the graph when it holds a loop, naming it.
# Objects whose source file is gone (left by an older layout) are skipped.
# Usage: no_circles.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
find "$build/libmatch" "$build/services" -name '*.o' ! -name '*.pb-c.c.o' | while read -r object; do
    # BUILD/DIR/CMakeFiles/TARGET.dir/FILE.o was compiled from SOURCE/DIR/FILE
    relative=${object#"$build"/}
    dir=${relative%%/CMakeFiles/*}
    file=${relative#*/CMakeFiles/*.dir/}
    [ -f "$source/$dir/${file%.o}" ] && echo "$object"
done > "$work/objects"
[ -s "$work/objects" ] || { echo "no object files under $build"; exit 1; }
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
