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
	verdict "$name" "$([ -z "$why" ] && echo 1 || echo 0)" "$why" "$log"
}
bad_input_rows
# The README section is the table of these rows.
bash tests/e2e/bad_inputs.sh --check README.md >"$OUT/bad-inputs-table.log" 2>&1
verdict bad-inputs-table-current "$([ $? = 0 ] && echo 1 || echo 0)" "run make bad-inputs-table" \
	"$OUT/bad-inputs-table.log"
