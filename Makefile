# Front door: installs what is missing (Debian), builds with meson, runs.
#   make demo   a device and a server attest end to end on a software TPM: DHA-Report
#   make test   every test, in a normal and a sanitizer build, then one summary line
#   make fixtures  regenerate fixtures/ (logs, PCRs from swtpm, claims, reports)
#   make corpus download the public event logs the tests read into CORPUS, hashes checked

BUILD ?= build
BUILD_SAN ?= build-san
FUZZ_SECONDS ?= 30
CORPUS ?= $(abspath ../shared/corpus)

DEBIAN_PACKAGES = meson ninja-build pkg-config gcc clang libclang-rt-14-dev \
	libssl-dev openssl libyaml-dev libjson-c-dev libcriterion-dev libtss2-dev scdoc \
	tpm2-tools libtss2-tcti-swtpm0 swtpm swtpm-tools iproute2 \
	libxml2-dev libxml2-utils libsqlite3-dev sqlite3 libpq-dev postgresql \
	jq python3 python3-yaml xxd build-essential dpkg-dev debhelper fakeroot lintian \
	nginx-light fcgiwrap curl

.PHONY: all deps build build-san test demo fixtures clean corpus

all: build

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" -ne 0 ]; then echo "run as root to install:$$missing" >&2; exit 3; fi; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD) --werror -Dcorpus=$(CORPUS)

$(BUILD_SAN)/build.ninja:
	CC=clang meson setup $(BUILD_SAN) --werror -Dman=false -Dfuzz=true \
		-Dfuzz_seconds=$(FUZZ_SECONDS) -Dcorpus=$(CORPUS) \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all

# meson reads -Dcorpus only at setup: point an existing build at CORPUS when it moved.
corpus_of = meson introspect --buildoptions $(1) | jq -r '.[] | select(.name == "corpus") | .value'
set_corpus = [ "$$($(call corpus_of,$(1)))" = "$(CORPUS)" ] || meson configure $(1) -Dcorpus=$(CORPUS)

build: deps $(BUILD)/build.ninja
	@$(call set_corpus,$(BUILD))
	ninja -C $(BUILD)

build-san: deps $(BUILD_SAN)/build.ninja
	@$(call set_corpus,$(BUILD_SAN))
	ninja -C $(BUILD_SAN)

test: build build-san
	-meson test -C $(BUILD) --no-rebuild --print-errorlogs
	-ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		meson test -C $(BUILD_SAN) --no-rebuild --print-errorlogs --timeout-multiplier=3
	@tests/summarize $(BUILD) $(BUILD_SAN)

# The boots in fixtures/boots/*.boot, written again with everything derived from
# them; commit the result when a description, the claims or the report changed.
fixtures: build
	sh tests/fixtures/regenerate.sh $(BUILD) $(CURDIR) $(CURDIR)/fixtures

demo: build
	@sh demo/dha-demo.sh $(BUILD) $(CURDIR) $(CORPUS)

# CORPUS_SOURCE / CORPUS_MIRROR: see tests/corpus-fetch.sh -h (-s / -M).
corpus:
	sh tests/corpus-fetch.sh -o $(CORPUS) $(if $(CORPUS_SOURCE),-s $(CORPUS_SOURCE)) $(if $(CORPUS_MIRROR),-M $(CORPUS_MIRROR))

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
