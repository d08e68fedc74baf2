"""Stand-in for the pip bootstrap script that ansible-test downloads into ~/.ansible/test/cache.

ansible-test creates its sanity-test virtual environments without pip and fetches a `get-pip`
script from a host this machine cannot reach. This script does the same job with what is here:
the pinned pip ansible-test asks for, from pip's configured index, installed by the pip wheel
that the interpreter bundles for ensurepip (or, where the interpreter has none, such as Debian's,
by ensurepip's pip). It takes get-pip's arguments (pip install arguments plus --no-setuptools /
--no-wheel).
"""

import ensurepip
import glob
import os
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def bundled_pip():
    """The command that runs the pip wheel this interpreter bundles, or None."""
    wheels = glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl"))
    # pip runs from its wheel; one install instead of ensurepip's and then the pinned one's.
    return [sys.executable, os.path.join(wheels[0], "pip")] if len(wheels) == 1 else None


pip = bundled_pip()
if pip is None:
    # In a child process: ensurepip points PIP_CONFIG_FILE at /dev/null in its own environment,
    # which would hide the machine's pip configuration (index, certificates) from the install below.
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
    pip = [sys.executable, "-m", "pip"]
install_args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
sys.exit(subprocess.call(pip + ["install", "--quiet"] + install_args))
