# The README's two commands: `make demo` (the main job on a built-in demo fleet) and `make test`
# (the whole suite). Both install what they need and are safe to run again.
SHELL := /bin/bash
FAST_LANES := lint sanity unit
ALL_LANES := $(FAST_LANES) host report containers compliance-containers kernel collect compat

.PHONY: bootstrap test test-fast demo faults-collect lane-%

bootstrap:
	scripts/bootstrap.sh venv

# The compat lane's venvs (mostly downloads and unpacking) build beside the first lanes, under that
# lane's lock, instead of adding their minutes at the end; their log: .cache/compat-venvs.log.
test:
	scripts/bootstrap.sh venv auditd
	tests/lanes/compat.sh venvs >"$${FLEETAUDIT_CACHE:-.cache}/compat-venvs.log" 2>&1 & \
	tests/run-lanes.sh $(ALL_LANES); status=$$?; wait $$!; exit $$status

test-fast: bootstrap
	tests/run-lanes.sh $(FAST_LANES)

lane-%: bootstrap
	tests/run-lanes.sh $*

demo: bootstrap
	scripts/demo.sh

# Figures of central collection under faults (tests/faults/collector_faults.py), not a test lane.
faults-collect: bootstrap
	tests/faults/collector.sh
