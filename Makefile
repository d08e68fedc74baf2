# The README's two commands: `make demo` (the main job on a built-in demo fleet) and `make test`
# (the whole suite). Both install what they need and are safe to run again.
SHELL := /bin/bash
FAST_LANES := lint sanity unit
ALL_LANES := $(FAST_LANES) host report containers compliance-containers kernel collect compat

.PHONY: bootstrap test test-fast demo faults-collect lane-%

bootstrap:
	scripts/bootstrap.sh venv

# The compat lane (five ansible-core minors, seven Pythons) starts first, in the background at the
# lowest CPU and I/O priority: it takes what the other lanes leave idle (their waits on VMs,
# containers and downloads), and the run waits for it at the end (its log: .cache/lane-compat.log).
test:
	scripts/bootstrap.sh venv auditd
	tests/run-lanes.sh --background compat $(ALL_LANES)

test-fast: bootstrap
	tests/run-lanes.sh $(FAST_LANES)

lane-%: bootstrap
	tests/run-lanes.sh $*

demo: bootstrap
	scripts/demo.sh

# Figures of central collection under faults (tests/faults/collector_faults.py), not a test lane.
faults-collect: bootstrap
	tests/faults/collector.sh
