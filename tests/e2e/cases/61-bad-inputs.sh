# Issue 8: every row of tests/e2e/bad_inputs.sh gets exit status 1 and exactly one line that
# holds the row's message: nothing started (no guest output, no QMP socket). The README table
# of these rows is generated from the same file; bad-inputs-table-current checks it is.
# shellcheck source=../bad_inputs.sh
. tests/e2e/bad_inputs.sh
BAD_KERNEL=$FW/hello.elf
bad() {
	local name=bad-input-$1 args=$2 want=$3 msg=$4 log=$OUT/bad-input-$1.log st why=""
	# shellcheck disable=SC2086
	timeout 60 ${ENLIGHT_WRAPPER:-} "$ENLIGHT" ${ENLIGHT_EXTRA_ARGS:-} -nographic $args \
		</dev/null >"$log" 2>&1
	st=$?
	[ "$st" = "$want" ] || why="exit status $st, want $want"
	[ "$(wc -l <"$log")" = 1 ] || why="$why; $(wc -l <"$log") lines, want 1"
	grep -qF -- "enlight: " "$log" && grep -qF -- "$msg" "$log" || why="$why; missing '$msg'"
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		echo "ok - $name"
	else
		fail=$((fail + 1))
		echo "not ok - $name # ${why#; }"
		sed 's/^/    | /' "$log" | tail -10
	fi
}
bad_input_rows
# The README section is the table of these rows.
if bash tests/e2e/bad_inputs.sh --check README.md >"$OUT/bad-inputs-table.log" 2>&1; then
	pass=$((pass + 1))
	echo "ok - bad-inputs-table-current"
else
	fail=$((fail + 1))
	echo "not ok - bad-inputs-table-current # run make bad-inputs-table"
	sed 's/^/    | /' "$OUT/bad-inputs-table.log" | tail -10
fi
