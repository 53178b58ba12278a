#!/bin/sh
# render-graph.sh renders a depend dependency graph (DOT) to SVG with Graphviz,
# installing the Debian package graphviz first if `dot` is missing.
#
#   docs/render-graph.sh                 the demo server's graph -> docs/graph.svg
#   docs/render-graph.sh in.dot out.svg  any DOT file, e.g. one written by WriteDOT
#
# Run it from anywhere inside the repository.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v dot >/dev/null 2>&1; then
	echo "render-graph: dot not found; installing graphviz with apt-get" >&2
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq graphviz >/dev/null
fi

if [ $# -eq 2 ]; then
	dot -Tsvg "$1" -o "$2"
	echo "render-graph: wrote $2" >&2
	exit 0
elif [ $# -ne 0 ]; then
	echo "usage: $0 [in.dot out.svg]" >&2
	exit 2
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# The demo writes its graph and exits when given -graph.
(cd "$root/examples" && go run ./server -graph) >"$tmp"
dot -Tsvg "$tmp" -o "$root/docs/graph.svg"
echo "render-graph: wrote docs/graph.svg" >&2
