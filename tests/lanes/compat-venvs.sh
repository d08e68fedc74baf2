#!/usr/bin/env bash
# The compat lane's venvs and ansible-test's sanity venvs (tests/lanes/compat.sh venvs), built and
# cached without running a test: `make test` runs this lane in the background from the start, so
# that the downloads and unpacking of five ansible-core minors overlap the other lanes and the
# compat lane finds them ready. Fails, with the failed builds' logs, when one cannot be built.
set -euo pipefail
exec "$(dirname "$0")/compat.sh" venvs
