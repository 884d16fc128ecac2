# swtpm harness (sourced): a software TPM 2.0 on a free loopback port with fresh
# state, stopped by its process id whatever happens. Needs tpm2-tools for the
# readiness check. Sets SWTPM_PID and exports TPM2TOOLS_TCTI; its own variables
# start with swtpm_. There is no resource manager: callers flush transient
# objects (tpm2_flushcontext -t) after each command that loads one.
#   swtpm_start STATEDIR [FLAGS]  start (state in STATEDIR, created fresh by
#                          swtpm); FLAGS are swtpm's --flags (default: started,
#                          TPM2_Startup(CLEAR) sent)
#   swtpm_start_noinit STATEDIR   start without TPM2_Startup
#   swtpm_stop             stop (also run from the caller's EXIT trap)
SWTPM_PID=

# The port must be owned by our process: another swtpm (a parallel test) may hold it.
swtpm_owns_port() {
	ss -Htlnp "sport = :$1" 2>/dev/null | grep -q "pid=$SWTPM_PID,"
}

swtpm_start() {
	swtpm_dir=$1
	swtpm_flags=${2:-not-need-init,startup-clear}
	mkdir -p "$swtpm_dir"
	for swtpm_try in 1 2 3 4 5 6 7 8 9 10; do
		swtpm_port=$(( ($(od -An -N2 -tu2 /dev/urandom) % 25000) + 20000 ))
		swtpm socket --tpm2 --tpmstate dir="$swtpm_dir" \
			--server type=tcp,port="$swtpm_port",bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((swtpm_port + 1)),bindaddr=127.0.0.1 \
			--flags "$swtpm_flags" >>"$swtpm_dir/swtpm.log" 2>&1 &
		SWTPM_PID=$!
		TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$swtpm_port"
		export TPM2TOOLS_TCTI
		for swtpm_i in $(seq 50); do
			kill -0 "$SWTPM_PID" 2>/dev/null || break
			# A started TPM answers a command; an unstarted one has its
			# control port up.
			case $swtpm_flags in
			*startup-clear*) tpm2_getrandom 1 >/dev/null 2>&1 ;;
			*) swtpm_owns_port "$((swtpm_port + 1))" ;;
			esac && swtpm_owns_port "$swtpm_port" && return 0
			sleep 0.1
		done
		swtpm_stop
	done
	echo "swtpm did not start after $swtpm_try tries (last try: $swtpm_i checks)" >&2
	return 1
}

swtpm_stop() {
	if [ -n "$SWTPM_PID" ]; then
		kill "$SWTPM_PID" 2>/dev/null
		wait "$SWTPM_PID" 2>/dev/null
		SWTPM_PID=
	fi
}

# swtpm_start_noinit STATEDIR: as swtpm_start, but the TPM is left without
# TPM2_Startup (for callers that send it themselves, e.g. at a locality).
swtpm_start_noinit() { swtpm_start "$1" not-need-init; }
