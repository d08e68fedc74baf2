"""Stand-in for the pip bootstrap script that ansible-test downloads into ~/.ansible/test/cache.

ansible-test creates its sanity-test virtual environments without pip and fetches a `get-pip`
script from a host this machine cannot reach. This script does the same job with what is here:
the interpreter's own ensurepip, then the pinned pip ansible-test asks for, from pip's configured
index. It takes get-pip's arguments (pip install arguments plus --no-setuptools / --no-wheel).
"""

import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")

# In a child process: ensurepip points PIP_CONFIG_FILE at /dev/null in its own environment, which
# would hide the machine's pip configuration (index, certificates) from the install below.
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
install_args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--quiet"] + install_args))
