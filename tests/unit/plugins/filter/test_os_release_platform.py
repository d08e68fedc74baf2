import pytest

from ansible_collections.fleetaudit.auditd.plugins.filter.os_release_platform import os_release_platform

# `uname -m; cat /etc/os-release` on Debian 12 (the lines naming web addresses left out).
DEBIAN_12 = """x86_64
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
"""


def test_debian_as_the_setup_module_names_it():
    assert os_release_platform(DEBIAN_12) == {"os_family": "Debian", "distribution": "Debian",
                                              "distribution_major_version": "12", "architecture": "x86_64"}


def test_raw_over_ssh_ends_its_lines_with_cr_lf():
    assert os_release_platform(DEBIAN_12.replace("\n", "\r\n")) == os_release_platform(DEBIAN_12)


def test_a_32_bit_x86_machine_is_i386_as_for_the_setup_module():
    assert os_release_platform(DEBIAN_12.replace("x86_64", "i686", 1))["architecture"] == "i386"


@pytest.mark.parametrize("text", [
    DEBIAN_12.replace("ID=debian", "ID=ubuntu"),  # not read here: the role gathers the facts
    DEBIAN_12.replace('VERSION_ID="12"\n', ""),  # Debian testing and unstable have none
    DEBIAN_12.replace('VERSION_ID="12"', 'VERSION_ID="12'),  # unbalanced quote
    "x86_64\n",  # no os-release
    "sh: 1: uname: not found\n" + DEBIAN_12.split("\n", 1)[1],  # uname failed, its error in stdout
    "",
])
def test_anything_else_gives_nothing_and_the_role_gathers_facts(text):
    assert os_release_platform(text) == {}
