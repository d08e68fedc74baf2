"""The auditd role's own lists agree with its tasks, so that its input checks stay right."""

import os

import yaml

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "auditd")


def _load(*path):
    with open(os.path.join(ROLE, *path)) as handle:
        return yaml.safe_load(handle)


def test_published_facts_are_the_facts_the_role_sets():
    published = _load("tasks", "main.yml")[-1]["ansible.builtin.set_fact"]
    assert sorted(published) == sorted(_load("vars", "main.yml")["__auditd_published_facts"])


def test_every_default_is_in_the_argument_spec_and_no_public_name_is_a_fact():
    options = _load("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert set(_load("defaults", "main.yml")) <= set(options)
    assert not set(options) & set(_load("vars", "main.yml")["__auditd_published_facts"])
