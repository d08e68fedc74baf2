# The README's two commands: `make demo` (the main job on a built-in demo fleet) and `make test`
# (the whole suite). Both install what they need and are safe to run again.
SHELL := /bin/bash
FAST_LANES := lint sanity unit
ALL_LANES := $(FAST_LANES) host report containers compliance-containers kernel collect
# The compat lane and its venvs: in make test-compat, not yet in make test (#16: its cold run has
# not yet been timed within make test's budget on a quiet machine).
COMPAT_LANES := compat-venvs compat

.PHONY: bootstrap test test-compat test-fast demo faults-collect lane-%

bootstrap:
	scripts/bootstrap.sh venv

test:
	scripts/bootstrap.sh venv auditd
	tests/run-lanes.sh $(ALL_LANES)

# make test, then compat. compat-venvs (the compat lane's venvs for five ansible-core minors:
# downloads, unpacking) runs from the start in the background, at the lowest priority, in what the
# other lanes leave idle; the run waits for it before the compat lane (its log:
# .cache/lane-compat-venvs.log).
test-compat:
	scripts/bootstrap.sh venv auditd
	tests/run-lanes.sh --background compat-venvs $(ALL_LANES) $(COMPAT_LANES)

test-fast: bootstrap
	tests/run-lanes.sh $(FAST_LANES)

lane-%: bootstrap
	tests/run-lanes.sh $*

demo: bootstrap
	scripts/demo.sh

# Figures of central collection under faults (tests/faults/collector_faults.py), not a test lane.
faults-collect: bootstrap
	tests/faults/collector.sh
