# The front door on the loopback address (sourced): a test CA and server
# certificate, fcgiwrap running deploy/dha-cgi, and nginx over HTTPS with the
# shipped deploy/*.conf, each started on a free port and stopped by its
# process id. As root, fcgiwrap runs as a service uid of its own (owning the
# state) and nginx as another uid in the socket's group only, so nginx cannot
# read the service key; otherwise both run as the caller.
#   frontdoor_have         print the missing program and fail, if any
#   frontdoor_start DIR SRC BINDIR STATE POLICIES [BACKENDS]
#                          start both; sets FRONTDOOR_URL, FRONTDOOR_CA.
#                          STATE may list several state directories
#                          (STATE1:STATE2...): one fcgiwrap pool of BACKENDS
#                          processes each, behind one nginx upstream, each
#                          pool's dha-cgi given its own DHA_STATE (as on a
#                          host of its own) and counting the requests it
#                          serves in DIR/run/served-N (N from 1)
#   frontdoor_stop         stop both (also from the caller's EXIT trap)
#   frontdoor_as_web CMD.. run CMD as nginx's user
# FRONTDOOR_CGI, when set, is the script fcgiwrap runs instead of
# SRC/deploy/dha-cgi (bench/fleet: a wrapper that records its CPU time).
FRONTDOOR_SVC_ID=64101
FRONTDOOR_WEB_ID=64102
frontdoor_nginx_pid=
frontdoor_fcgi_pid=

frontdoor_have() {
	for t in nginx fcgiwrap openssl curl ss; do
		command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || { echo "$t"; return 1; }
	done
}

# frontdoor_run_as svc|web CMD...: exec CMD as that user; call it with & or
# in a subshell, so that $! is the command's own process id.
frontdoor_run_as() {
	who=$1
	shift
	if [ "$(id -u)" -ne 0 ]; then
		exec "$@"
	elif [ "$who" = svc ]; then
		exec setpriv --reuid=$FRONTDOOR_SVC_ID --regid=$FRONTDOOR_SVC_ID --clear-groups "$@"
	else
		exec setpriv --reuid=$FRONTDOOR_WEB_ID --regid=$FRONTDOOR_WEB_ID \
			--groups=$FRONTDOOR_SVC_ID "$@"
	fi
}
frontdoor_as_web() ( frontdoor_run_as web "$@" )

# frontdoor_certs DIR: a CA and a certificate for 127.0.0.1 signed by it.
frontdoor_certs() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj '/CN=tcglog test CA' -keyout "$1/ca.key" -out "$1/ca.pem" 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj '/CN=127.0.0.1' -keyout "$1/server.key" -out "$1/server.csr" 2>/dev/null &&
		printf 'subjectAltName=IP:127.0.0.1\n' >"$1/ext" &&
		openssl x509 -req -in "$1/server.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" \
			-CAcreateserial -days 2 -extfile "$1/ext" -out "$1/server.pem" 2>/dev/null
}

frontdoor_start() {
	fd_dir=$1 fd_src=$2 fd_bin=$3 fd_state=$4 fd_policies=$5 fd_n=${6:-2}
	fd_nginx=$(command -v nginx || echo /usr/sbin/nginx)
	fd_fcgiwrap=$(command -v fcgiwrap || echo /usr/sbin/fcgiwrap)
	fd_cgi=${FRONTDOOR_CGI:-$fd_src/deploy/dha-cgi}
	mkdir -p "$fd_dir/www" "$fd_dir/run" "$fd_dir/tls" || return 1
	frontdoor_certs "$fd_dir/tls" || return 1
	cp "$fd_src/deploy/tcglog-dha.conf" "$fd_src/deploy/tcglog-dha-fastcgi.conf" "$fd_dir/www/"
	# Only the service user reaches the state and the socket's directory.
	if [ "$(id -u)" -eq 0 ]; then
		chmod 711 "$fd_dir"
		(IFS=: && chown -R $FRONTDOOR_SVC_ID:$FRONTDOOR_SVC_ID $fd_state "$fd_dir/run")
		chmod 750 "$fd_dir/run"
		chown -R $FRONTDOOR_WEB_ID:$FRONTDOOR_WEB_ID "$fd_dir/www" "$fd_dir/tls"
	fi
	fd_pools=0 fd_upstream=
	frontdoor_fcgi_pid=
	# Several pools: fcgiwrap runs only the script nginx names (-p), so one
	# wrapper serves them all, told its pool by fcgiwrap's environment
	# (inherited by the CGI; nginx sends no such parameter).
	if [ "${fd_state#*:}" != "$fd_state" ]; then
		printf '#!/bin/sh\necho >>%s/run/served-$FRONTDOOR_POOL\nDHA_STATE=$FRONTDOOR_POOL_STATE exec /bin/sh %s\n' \
			"$fd_dir" "$fd_cgi" >"$fd_dir/pools"
		chmod 755 "$fd_dir/pools"
		fd_cgi=$fd_dir/pools
	fi
	fd_old_ifs=$IFS
	IFS=:
	for fd_pool_state in $fd_state; do
		IFS=$fd_old_ifs
		fd_pools=$((fd_pools + 1))
		fd_sock=$fd_dir/run/fcgi-$fd_pools.sock
		(
			export FRONTDOOR_POOL=$fd_pools FRONTDOOR_POOL_STATE=$fd_pool_state
			frontdoor_run_as svc sh -c 'umask 007; exec "$0" -c "$1" -p "$2" -s "unix:$3"' \
				"$fd_fcgiwrap" "$fd_n" "$fd_cgi" "$fd_sock"
		) 2>>"$fd_dir/fcgiwrap.log" &
		frontdoor_fcgi_pid="$frontdoor_fcgi_pid $!"
		fd_upstream="$fd_upstream server unix:$fd_sock;"
	done
	IFS=$fd_old_ifs
	for fd_try in 1 2 3 4 5 6 7 8 9 10; do
		fd_port=$(( ($(od -An -N2 -tu2 /dev/urandom) % 20000) + 30000 ))
		cat >"$fd_dir/www/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $fd_dir/www/nginx.pid;
error_log $fd_dir/www/error.log info;
events { worker_connections 256; }
http {
	access_log $fd_dir/www/access.log;
	client_body_temp_path $fd_dir/www/body;
	fastcgi_temp_path $fd_dir/www/fastcgi;
	proxy_temp_path $fd_dir/www/proxy;
	scgi_temp_path $fd_dir/www/scgi;
	uwsgi_temp_path $fd_dir/www/uwsgi;
	upstream tcglog_dha {$fd_upstream }
	server {
		listen 127.0.0.1:$fd_port ssl;
		ssl_certificate $fd_dir/tls/server.pem;
		ssl_certificate_key $fd_dir/tls/server.key;
		set \$dha_cgi $fd_cgi;
		set \$dha_state ${fd_state%%:*};
		set \$dha_bindir $fd_bin;
		set \$dha_policies $fd_policies;
		include tcglog-dha.conf;
		location / { return 404; }
	}
}
CONF
		[ "$(id -u)" -ne 0 ] || chown $FRONTDOOR_WEB_ID "$fd_dir/www/nginx.conf"
		frontdoor_run_as web "$fd_nginx" -e "$fd_dir/www/error.log" -p "$fd_dir/www" \
			-c "$fd_dir/www/nginx.conf" 2>>"$fd_dir/nginx.log" &
		frontdoor_nginx_pid=$!
		FRONTDOOR_URL=https://127.0.0.1:$fd_port/dha
		FRONTDOOR_CA=$fd_dir/tls/ca.pem
		for fd_i in $(seq 50); do
			kill -0 "$frontdoor_nginx_pid" 2>/dev/null || break
			ss -Htlnp "sport = :$fd_port" 2>/dev/null | grep -q "pid=$frontdoor_nginx_pid," &&
				frontdoor_sockets_up && return 0
			sleep 0.1
		done
		frontdoor_stop_nginx
	done
	return 1
}

frontdoor_sockets_up() {
	for fd_i in $(seq "$fd_pools"); do
		[ -S "$fd_dir/run/fcgi-$fd_i.sock" ] || return 1
	done
}

frontdoor_stop_nginx() {
	[ -z "$frontdoor_nginx_pid" ] && return 0
	kill "$frontdoor_nginx_pid" 2>/dev/null || :
	wait "$frontdoor_nginx_pid" 2>/dev/null || :
	frontdoor_nginx_pid=
}

frontdoor_stop() {
	frontdoor_stop_nginx
	for fd_pid in $frontdoor_fcgi_pid; do
		# fcgiwrap's preforked children are ours too (by their parent's
		# id), stopped after it: it would start new ones, not stop them.
		fd_kids=$(ps -o pid= --ppid "$fd_pid" 2>/dev/null)
		kill "$fd_pid" 2>/dev/null || :
		wait "$fd_pid" 2>/dev/null || :
		kill $fd_kids 2>/dev/null || :
	done
	frontdoor_fcgi_pid=
}
