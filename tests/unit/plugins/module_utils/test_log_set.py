"""The log set: which files a search reads, in which order, from a path or from auditd.conf."""

import os

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.log_set import LogSetError, configured_log_set, default_log_set, log_set
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.recorded_events import recorded_lines, write


def test_missing_path_and_unreadable_file_fail_clearly(tmp_path):
    with pytest.raises(LogSetError, match="does not exist"):
        log_set(str(tmp_path / "nope"))
    with pytest.raises(LogSetError, match="directory .* does not exist"):
        default_log_set(str(tmp_path / "no-dir" / "audit.log"))
    if os.geteuid() != 0:
        unreadable = tmp_path / "audit.log"
        unreadable.write_text("x")
        unreadable.chmod(0)
        with pytest.raises(LogSetError, match="cannot read audit log"):
            log_set(str(unreadable))


@pytest.mark.parametrize("setting", ["log_file = {}", "Log_File={}", "  LOG_FILE =  {}  "])
def test_configured_log_set_reads_log_file_as_auditd_does(tmp_path, setting):
    # auditd matches setting names whatever their case; the log set once fell back to the default
    # log on `Log_File`.
    log = tmp_path / "logs" / "audit.log"
    log.parent.mkdir()
    write(str(log), recorded_lines()[:3])
    conf = tmp_path / "auditd.conf"
    conf.write_text("# log_file = /nowhere\n" + setting.format(log) + "\nnum_logs = 5\n")
    assert [f.path for f in configured_log_set(str(conf))] == [str(log)]
