#!/bin/sh
# demo-guest.sh — runs inside the demo VM (see tests/vm/demo): a short, readable session.
W=/tmp/demo
mkdir -p $W
show() { echo; echo "\$ $*"; "$@"; echo "[exit status $?]"; }

echo "@@DEMO-BEGIN"
echo "kernel $(uname -r), $(nproc) cpus"
show hwpinject status

mkfifo $W/in
victim --kind anon < $W/in > $W/out 2>&1 &
VJOB=$!
exec 3> $W/in
i=0
while ! grep -q '"event":"ready"' $W/out && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
line=$(grep '"event":"ready"' $W/out)
VPID=$(echo "$line" | sed 's/.*"pid":\([0-9]*\).*/\1/')
VADDR=$(echo "$line" | sed 's/.*"vaddr":"\([0-9a-fx]*\)".*/\1/')
echo
echo "# a victim process owns one anonymous page; its own view:"
echo "$line"

show hwpinject translate --pid "$VPID" --addr "$VADDR"
echo
echo "# inject; hwpinject keeps watching for 3 s while the victim touches the page after 1 s"
( sleep 1; echo touch >&3 ) &
show hwpinject inject --pid "$VPID" --addr "$VADDR" --method hwpoison --watch 3
echo
echo "# what the victim itself saw (its SIGBUS handler):"
grep -v '"event":"ready"' $W/out
PFN=$(echo "$line" | sed 's/.*"pfn":"\([0-9a-fx]*\)".*/\1/')
echo exit >&3
exec 3>&-
wait $VJOB
show hwpinject --json unpoison --pfn "$PFN"
echo "@@DEMO-END"
