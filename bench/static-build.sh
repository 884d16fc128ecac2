# shellcheck shell=bash
# Sourced by bench/eventlog and bench/quote (bash). Their per-process figures
# and targets are for tools linked statically and not PIE: an installed
# (shared, PIE) tool pays for relocating libcrypto at every start, which would
# be measured instead of the work. bench_build DIR (with $repo set) sets that build up (or
# switches an existing one to it) and builds the tools and the static library.
bench_build() {
	local dir=$1
	shift
	local opts=(-Dstatic_tools=true -Dtools_pie=false -Dman=false -Dtests=false)
	if [[ ! -f $dir/build.ninja ]]; then
		meson setup "$dir" "${repo:?}" "${opts[@]}" >/dev/null || die "meson setup $dir failed"
	elif [[ $(meson introspect --buildoptions "$dir" |
		jq -r '.[] | select(.name == "static_tools" or .name == "tools_pie") | "\(.name)=\(.value)"' |
		sort | tr '\n' ' ') != "static_tools=true tools_pie=false " ]]; then
		meson configure "$dir" -Dstatic_tools=true -Dtools_pie=false >/dev/null ||
			die "cannot set $dir to static tools"
	fi
	ninja -C "$dir" "$@" >/dev/null || die "ninja -C $dir failed"
}

# bench_linkage DIR: one line saying how DIR's tools are linked.
bench_linkage() {
	meson introspect --buildoptions "$1" 2>/dev/null |
		jq -r '[.[] | select(.name == "static_tools" or .name == "tools_pie") | "\(.name)=\(.value)"] | join(", ")'
}
