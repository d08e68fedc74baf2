"""The ausearch action plugin's controller files: 0600 in 0700 directories, written only when they
change, nothing written in check mode."""

import os
import stat

from ansible_collections.fleetaudit.auditd.plugins.action.ausearch import write_if_changed


def mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def test_private_file_in_private_directories(tmp_path):
    path = tmp_path / "dest" / "web1" / "events.jsonl"
    assert write_if_changed(str(path), "{}\n")
    assert path.read_text() == "{}\n" and mode(path) == 0o600
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    assert not write_if_changed(str(path), "{}\n")


def test_check_mode_writes_nothing(tmp_path):
    path = tmp_path / "dest" / "web1" / "events.jsonl"
    assert write_if_changed(str(path), "{}\n", check_mode=True)
    assert not (tmp_path / "dest").exists()


def test_same_content_with_a_wider_mode_is_made_private(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text("{}\n")
    path.chmod(0o644)
    assert write_if_changed(str(path), "{}\n", check_mode=True) and mode(path) == 0o644
    assert write_if_changed(str(path), "{}\n") and mode(path) == 0o600
    assert not write_if_changed(str(path), "{}\n")


def test_append_adds_new_content_after_the_old(tmp_path):
    path = tmp_path / "events.jsonl"
    assert write_if_changed(str(path), "{}\n", append=True)
    assert write_if_changed(str(path), "[]\n", append=True, check_mode=True)
    assert path.read_text() == "{}\n"
    assert write_if_changed(str(path), "[]\n", append=True)
    assert path.read_text() == "{}\n[]\n" and mode(path) == 0o600
    assert not write_if_changed(str(path), "", append=True)
