# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The redaction options of the modules that return what the audit logs hold."""

    DOCUMENTATION = r"""
options:
  redact:
    description:
      - Regular expressions (Python syntax) whose matches are replaced by C([REDACTED]) before
        anything leaves the host. When a pattern has a group named C(secret), only that group is
        replaced.
    type: list
    elements: str
    default: []
  redact_defaults:
    description:
      - Also apply the built-in patterns for the usual secrets of command lines and free text,
        that is password-like options and words with their value (C(--password=X), C(--token X),
        C(secret=X)); C(Bearer X); credentials in URLs; environment-style assignments whose
        name holds C(SECRET) or ends in C(PASSWORD), C(PASSWD), C(PASSPHRASE), C(TOKEN), C(_PWD),
        C(API_KEY), C(ACCESS_KEY) or C(PRIVATE_KEY) (C(AWS_SECRET_ACCESS_KEY=X), C(PGPASSWORD=X),
        C(MYSQL_PWD=X)); the password glued to C(-p) after C(mysql), C(mysqldump) or another
        MySQL or MariaDB client (C(-pX)); C(sshpass -p X); the body of a private key
        (C(-----BEGIN ... PRIVATE KEY-----)).
      - Ordinary arguments are left alone, such as C(ps -p 1), C(ssh -p 22), C(mysql -P 3306),
        C(mysql -p DB) (which asks for the password), C(OLDPWD=DIR), C(DB_PASSWORD_FILE=PATH) or
        C(--passwd-file PATH).
    type: bool
    default: true
"""
