import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import DEFAULT_REDACT_PATTERNS, Redactor


@pytest.fixture
def redactor():
    """The module's default redaction."""
    return Redactor(DEFAULT_REDACT_PATTERNS)
