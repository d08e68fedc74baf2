"""auditd_service asks systemd the way auditd_info and the compliance report do."""

import pytest

from ansible_collections.fleetaudit.auditd.plugins.modules.auditd_service import AuditdService


class RecordedModule:
    """Stands for AnsibleModule: answers `systemctl is-enabled` as recorded, keeps each call."""

    params = {"timeout": 1}

    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    def run_command(self, args, **kwargs):
        self.calls.append((args, kwargs))
        return (0 if self.answer in ("enabled", "enabled-runtime", "static", "indirect", "generated", "alias") else 1,
                self.answer + "\n", "")


@pytest.mark.parametrize("answer, enabled", [
    ("enabled", True), ("enabled-runtime", True), ("indirect", True), ("generated", True), ("static", True),
    ("disabled", False), ("masked", False),
])
def test_starts_at_boot_is_the_one_answer_in_the_c_locale(answer, enabled):
    module = RecordedModule(answer)
    service = AuditdService(module)
    service.systemctl = "/usr/bin/systemctl"
    assert service.is_enabled() is enabled
    assert module.calls == [(["/usr/bin/systemctl", "is-enabled", "auditd.service"], {"environ_update": {"LC_ALL": "C"}})]
