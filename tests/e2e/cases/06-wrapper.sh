# Cases skipped when enlight runs under ENLIGHT_WRAPPER (make valgrind): they measure time,
# which the tool's slowdown of every exit distorts, or they cannot run under it.
wrapper_skip 'pm-timer' 'measures the PM timer rate against the TSC'
wrapper_skip 'split-pm-timer' 'measures the PM timer rate against the TSC'
wrapper_skip 'tsc-tool' 'measures the TSC frequency'
wrapper_skip 'tsc-measure' 'measures the TSC frequency'
wrapper_skip 'tsc-within-tolerance' 'measures the TSC frequency'
wrapper_skip 'watchdog' 'times the --timeout watchdog'
wrapper_skip 'cpuid-verify' 'runs enlight again through /proc/self/exe, which is the tool under a wrapper'
