"""Redaction: the default patterns, a user's own, command lines, and the screening that must change
no event (every secret in every place where free text occurs)."""

import json
import os
import re

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.event_json import event_json
from ansible_collections.fleetaudit.auditd.plugins.module_utils import redaction
from ansible_collections.fleetaudit.auditd.plugins.module_utils.records import parse_event, parse_record
from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import DEFAULT_REDACT_PATTERNS, REDACTED, Redactor
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.recorded_events import LOGS, build_event, lines_of, records_of


def test_default_redaction_leaves_no_secret_anywhere(redactor):
    event = build_event(records_of("audit-3.0.9-raw.log", 16775), redactor)
    text = repr(event)
    assert "secret" not in text.replace("'secret'", "") and "hunter2" not in text
    assert "arg with space" in text


@pytest.mark.parametrize("text", [
    "--PASSWORD=hunter2", "db-passwd: hunter2", "Passphrase=hunter2", "pwd=hunter2", "SECRET hunter2",
    "x-token=hunter2", "apiKey=hunter2", "access_key: hunter2", "Authorization: Bearer hunter2",
    "https://bob:hunter2@example.org/", "AWS_SECRET_ACCESS_KEY=hunter2", "PGPASSWORD=hunter2", "mysql -phunter2",
    "sshpass -phunter2", "-----BEGIN EC PRIVATE KEY-----hunter2",
    # Non-ASCII letters that (?i) matches to ASCII ones: the long s and the Kelvin sign.
    "--pa\u017f\u017fword=hunter2", "api_\u212aey=hunter2", "AWS_\u017fECRET=hunter2", "GITHUB_TO\u212aEN=hunter2",
])
def test_default_patterns_screen_every_secret_they_match(redactor, text):
    # As the kernel writes it: hex-encoded when it holds a space.
    value = text.encode().hex().upper() if " " in text else '"%s"' % text
    line = "type=PATH msg=audit(1.001:5): item=0 name=%s inode=5" % value
    event = build_event([parse_record(line)], redactor)
    assert "hunter2" not in json.dumps(event, ensure_ascii=False), text


def test_user_pattern_with_and_without_secret_group():
    redactor = Redactor([r"PGPASSWORD=(?P<secret>\S+)", r"sk-[a-z0-9]+"])
    assert redactor.text("PGPASSWORD=abc psql") == "PGPASSWORD=%s psql" % REDACTED
    assert redactor.text("key sk-abc123 end") == "key %s end" % REDACTED


def test_bad_redact_pattern_is_refused():
    with pytest.raises(ValueError, match="bad redact pattern"):
        Redactor(["("])


def test_redaction_screens_every_value_of_an_event():
    records = records_of("audit-3.0.9-enriched.log", 16773)
    event = build_event(records, Redactor([r"^/tmp/fa5/rec/w\.vRJe/a (?P<secret>file)$"]))
    assert event["summary"]["paths"] == ["/tmp/fa5/rec/w.vRJe/", "/tmp/fa5/rec/w.vRJe/a " + REDACTED]
    assert event["records"][3]["fields"]["name"] == "/tmp/fa5/rec/w.vRJe/a " + REDACTED


@pytest.mark.parametrize("pattern", [r"\Ahunter2\w*", r"\w*secret\Z", r"(?<![\n ])hunter2secret"])
def test_user_pattern_screens_each_value_on_its_own(pattern):
    # \A, \Z and look-behinds see a value's edges only when it is searched alone, not in the
    # event's free text joined by newlines: the screen missed these and nothing was redacted.
    lines = [
        'type=SYSCALL msg=audit(1.001:5): arch=c000003e syscall=59 success=yes comm="curl" exe="/usr/bin/curl" key="k"',
        'type=EXECVE msg=audit(1.001:5): argc=3 a0="curl" a1="-u" a2="hunter2secret"',
        "type=PROCTITLE msg=audit(1.001:5): proctitle=6375726C002D750068756E74657232736563726574",
    ]
    event = build_event(parse_event(lines, "1.001:5"), Redactor([pattern]))
    assert "hunter2" not in json.dumps(event)
    assert event["summary"]["argv"] == ["curl", "-u", REDACTED]


def test_argument_after_a_secret_option_is_redacted_without_any_pattern():
    event = build_event(records_of("audit-3.0.9-raw.log", 16775), Redactor([]))
    assert event["summary"]["argv"][3:] == ["--token", REDACTED]
    execve = [r for r in event["records"] if r["type"] == "EXECVE"][0]
    assert execve["fields"]["a4"] == REDACTED
    # The kernel cut the command line after "--token hu": the field shows that piece redacted too.
    proctitle = [r for r in event["records"] if r["type"] == "PROCTITLE"][0]
    assert proctitle["fields"]["proctitle"].endswith(" --token " + REDACTED)


def command_line_event(*args):
    """A program's execution as the kernel logs it: its SYSCALL, EXECVE and PROCTITLE records."""
    return parse_event([
        'type=SYSCALL msg=audit(1.001:5): arch=c000003e syscall=59 success=yes comm="prog" exe="/usr/bin/prog"',
        "type=EXECVE msg=audit(1.001:5): argc=%d %s" % (len(args), " ".join(
            "a%d=%s" % (index, arg.encode().hex().upper()) for index, arg in enumerate(args))),
        "type=PROCTITLE msg=audit(1.001:5): proctitle=" + "\0".join(args).encode().hex().upper(),
    ], "1.001:5")


@pytest.mark.parametrize("patterns,args,redacted", [
    # The default patterns find these secrets in the command line as one text, as proctitle shows it.
    (DEFAULT_REDACT_PATTERNS, ["prog", "--db-password", "hunter2", "-v"], ["prog", "--db-password", REDACTED, "-v"]),
    (DEFAULT_REDACT_PATTERNS, ["prog", "--client-secret", "hunter2"], ["prog", "--client-secret", REDACTED]),
    (DEFAULT_REDACT_PATTERNS, ["curl", "-H", "Authorization: Bearer", "hunter2"],
     ["curl", "-H", "Authorization: Bearer", REDACTED]),
    # A user's pattern written for the command line as one text.
    ([r"mysql -p (?P<secret>\S+)"], ["mysql", "-p", "hunter2", "db"], ["mysql", "-p", REDACTED, "db"]),
    ([r"-p \S+"], ["mysql", "-p", "hunter2", "db"], ["mysql", REDACTED, REDACTED, "db"]),
])
def test_patterns_apply_to_the_whole_command_line(patterns, args, redacted):
    event = build_event(command_line_event(*args), Redactor(patterns))
    assert "hunter2" not in json.dumps(event)
    assert event["summary"]["argv"] == redacted
    assert event["records"][2]["fields"]["proctitle"] == " ".join(redacted)
    # Without the PROCTITLE record, whose field shows the arguments joined.
    event = build_event(command_line_event(*args)[:2], Redactor(patterns))
    assert event["summary"]["argv"] == redacted


@pytest.mark.parametrize("args,redacted", [
    # Environment-style assignments, as `env NAME=VALUE prog` or a shell command line passes them.
    (["env", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws"],
     ["env", "AWS_SECRET_ACCESS_KEY=" + REDACTED, "aws"]),
    (["env", "AWS_SESSION_TOKEN=hunter2", "GITHUB_TOKEN=hunter2", "aws"],
     ["env", "AWS_SESSION_TOKEN=" + REDACTED, "GITHUB_TOKEN=" + REDACTED, "aws"]),
    (["env", "PGPASSWORD=hunter2", "psql"], ["env", "PGPASSWORD=" + REDACTED, "psql"]),
    (["env", "MYSQL_PWD=hunter2", "DJANGO_SECRET_KEY_BASE=hunter2", "db_password=hunter2", "OPENAI_API_KEY=hunter2"],
     ["env", "MYSQL_PWD=" + REDACTED, "DJANGO_SECRET_KEY_BASE=" + REDACTED, "db_password=" + REDACTED,
      "OPENAI_API_KEY=" + REDACTED]),
    # The MySQL and MariaDB clients: the password glued to -p, after any other options.
    (["mysql", "-h", "db", "-P", "3306", "-u", "root", "-phunter2", "shop"],
     ["mysql", "-h", "db", "-P", "3306", "-u", "root", "-p" + REDACTED, "shop"]),
    (["/usr/bin/mysqldump", "-phunter2", "shop"], ["/usr/bin/mysqldump", "-p" + REDACTED, "shop"]),
    (["mariadb-dump", "--user=root", "-phunter2"], ["mariadb-dump", "--user=root", "-p" + REDACTED]),
    (["mysql", "--password", "hunter2"], ["mysql", "--password", REDACTED]),
    (["sh", "-c", "mysql -u root -phunter2 shop < dump.sql"], ["sh", "-c", "mysql -u root -p%s shop < dump.sql" % REDACTED]),
    # sshpass, with its password apart or glued, after its own options.
    (["sshpass", "-p", "hunter2", "ssh", "-p", "22", "host"], ["sshpass", "-p", REDACTED, "ssh", "-p", "22", "host"]),
    (["sshpass", "-v", "-P", "assword", "-phunter2", "ssh", "host"],
     ["sshpass", "-v", "-P", "assword", "-p" + REDACTED, "ssh", "host"]),
    # A private key pasted as one argument, or split by the shell into several.
    (["ssh-add", "-", "-----BEGIN OPENSSH PRIVATE KEY-----\nhunter2\n-----END OPENSSH PRIVATE KEY-----\n"],
     ["ssh-add", "-", "-----BEGIN OPENSSH PRIVATE KEY-----%s-----END OPENSSH PRIVATE KEY-----\n" % REDACTED]),
    (["echo", "-----BEGIN", "RSA", "PRIVATE", "KEY-----", "MIIEhunter2", "-----END", "RSA", "PRIVATE", "KEY-----"],
     ["echo", "-----BEGIN", "RSA", "PRIVATE", "KEY-----", REDACTED, "-----END", "RSA", "PRIVATE", "KEY-----"]),
    # Cut short, as PROCTITLE keeps only the first 128 bytes: the rest of the text is the key.
    (["echo", "-----BEGIN EC PRIVATE KEY-----MHcCAQEEIhunter2"], ["echo", "-----BEGIN EC PRIVATE KEY-----" + REDACTED]),
])
def test_default_patterns_redact_the_usual_command_line_secrets(args, redacted):
    event = build_event(command_line_event(*args), Redactor(DEFAULT_REDACT_PATTERNS))
    assert "hunter2" not in json.dumps(event) and "wJalr" not in json.dumps(event)
    assert event["summary"]["argv"] == redacted


@pytest.mark.parametrize("args", [
    ["ps", "-p", "1"], ["ssh", "-p22", "host"], ["ssh", "-p", "22", "host"], ["tar", "-pxf", "a.tar"],
    ["mysql", "-P", "3306", "-h", "db", "-p", "shop"],  # -p alone asks for the password; shop is the database
    ["mysql", "--defaults-file=/etc/mysql/debian.cnf"], ["cp", "-p", "/etc/mysql/my.cnf", "/tmp"],
    ["sshpass", "-f", "/root/pw", "ssh", "-p", "22", "host"],
    ["env", "OLDPWD=/home/bob", "max_tokens=100", "DB_PASSWORD_FILE=/run/secrets/db", "KEY_ID=5", "prog"],
    ["prog", "--passwd-file", "/etc/pw", "--token-file=/etc/tok"],
    ["openssl", "genpkey", "-out", "/etc/ssl/private/key.pem"], ["grep", "BEGIN PUBLIC KEY", "/etc/ssl/x.pem"],
])
def test_default_patterns_leave_ordinary_arguments_alone(args):
    event = build_event(command_line_event(*args), Redactor(DEFAULT_REDACT_PATTERNS))
    assert event["summary"]["argv"] == args
    assert event["records"][2]["fields"]["proctitle"] == " ".join(args)


def test_a_user_pattern_sees_short_values():
    line = ("type=USER_LOGIN msg=audit(1.001:5): pid=9 uid=0 auid=0 ses=1 msg='op=login acct=\"bob\" "
            "exe=\"/usr/sbin/sshd\" hostname=? addr=? terminal=ssh res=failed'")
    event = build_event([parse_record(line)], Redactor([r"\bbob\b"]))
    assert event["records"][0]["fields"]["acct"] == REDACTED


@pytest.mark.parametrize("line,name,value", [
    # Fields that audit-userspace's interpretation tables (auparse/typetab.h) hold as escaped text.
    ('type=AVC msg=audit(1.001:5): apparmor="DENIED" operation="open" profile=2F6F70742F6D79206170702F78 '
     'name="/etc/x" pid=45 comm="cat" requested_mask="r" denied_mask="r"', "profile", "/opt/my app/x"),
    ("type=SOFTWARE_UPDATE msg=audit(1.001:5): pid=1 uid=0 auid=0 ses=1 msg='sw=6375726C20372E3631 sw_type=rpm "
     "root_dir=\"/\" comm=\"dnf\" exe=\"/usr/bin/python3\" hostname=? addr=? terminal=? res=success'", "sw", "curl 7.61"),
    ("type=VIRT_RESOURCE msg=audit(1.001:5): pid=1 uid=0 auid=0 ses=1 msg='virt=kvm resrc=cgroup reason=allow "
     "vm=\"x\" cgroup=2F6D616368696E652F7820792E736C696365 class=all exe=\"/usr/sbin/libvirtd\" hostname=? addr=? "
     "terminal=? res=success'", "cgroup", "/machine/x y.slice"),
])
def test_escaped_fields_are_decoded_and_redacted(line, name, value):
    assert parse_record(line)["fields"][name] == value
    event = build_event([parse_record(line)], Redactor([r"\A%s\Z" % re.escape(value)]))
    assert event["records"][0]["fields"][name] == REDACTED


def untrusted(text):
    """text as the kernel and libaudit write an untrusted string: hex-encoded if it holds a space, a
    quote, a control or non-ASCII character, else quoted."""
    if text.isascii() and text.isprintable() and " " not in text and '"' not in text:
        return '"%s"' % text
    return text.encode().hex().upper()


def events_holding(secret):
    """Events with `secret` in each place where free text occurs, as lists of log lines."""
    header = "type=%s msg=audit(1.001:5): "
    syscall = header % "SYSCALL" + "arch=c000003e syscall=59 success=yes exit=0 items=1 ppid=1 pid=2 auid=0 uid=0 "
    program = syscall + 'comm="prog" exe="/usr/bin/prog" key="k"'
    user = "pid=1 uid=0 auid=0 ses=1 msg='%s exe=\"/usr/bin/sudo\" hostname=%s addr=%s terminal=%s res=success'"
    bare = secret.replace(" ", "_").replace("\n", "_")
    args = ["prog", secret, "-v"]
    hex_arg = secret.encode().hex().upper()
    return [
        [syscall + "comm=%s exe=%s key=%s" % (untrusted(secret[:15]), untrusted("/opt/" + secret), untrusted(bare))],
        [program, header % "CWD" + "cwd=" + untrusted("/home/" + secret)],
        [program, header % "PATH" + "item=0 name=%s inode=5 nametype=NORMAL" % untrusted("/tmp/" + secret)],
        [program, header % "PROCTITLE" + "proctitle=" + "\0".join(args).encode().hex().upper()],
        [program, header % "EXECVE" + "argc=3 " + " ".join("a%d=%s" % item for item in enumerate(map(untrusted, args)))],
        [program, header % "EXECVE" + "argc=2 a0=\"prog\" a1_len=%d a1[0]=%s a1[1]=%s" % (
            len(hex_arg), hex_arg[:len(hex_arg) // 4 * 2], hex_arg[len(hex_arg) // 4 * 2:])],
        [header % "TTY" + 'tty_pid=1 uid=0 auid=0 ses=1 major=136 minor=0 comm="bash" data=' + untrusted(secret + "\r")],
        [header % "USER_TTY" + user.replace(" exe=", " data=%s exe=" % untrusted(secret)) % ("op=tty", "?", "?", "?")],
        [header % "USER_CMD" + user % (
            "cwd=%s cmd=%s" % (untrusted("/" + secret), untrusted("run " + secret)), "?", "?", "pts/0")],
        [header % "USER_LOGIN" + user % ("op=login acct=" + untrusted(secret), bare, bare, bare)],
        [header % "USER" + user % ("text=" + secret.replace("\n", " "), "?", "?", "?")],
        [header % "AVC" + 'avc:  denied  { read } for  pid=45 comm="cat" name=%s path=%s tclass=file' % (
            untrusted(secret), untrusted("/tmp/" + secret))],
        [header % "AVC" + 'apparmor="DENIED" operation="open" profile=%s name=%s pid=45 comm="cat"' % (
            untrusted("/opt/" + secret), untrusted("/tmp/" + secret))],
        [header % "CONFIG_CHANGE" + "auid=0 ses=1 op=remove_rule dir=%s key=%s list=4 res=1" % (
            untrusted("/srv/" + secret), untrusted(bare[:31]))],
    ]


SECRETS = ["--password=hunter2", "--db-password hunter2", "Authorization: Bearer hunter2", "https://u:hunter2@h/",
           "hunter2", "it's \"hunter2\"", "BEGIN\nhunter2\nEND", "x=1 token=hunter2",
           "AWS_SECRET_ACCESS_KEY=hunter2", "mysql -u root -phunter2", "sshpass -p hunter2 ssh",
           "-----BEGIN RSA PRIVATE KEY-----\nhunter2\n-----END RSA PRIVATE KEY-----"]


def every_event():
    """Every event of the recorded logs, and a secret in every place where free text occurs."""
    events = [parse_event(group, "1.001:5") for secret in SECRETS for group in events_holding(secret)]
    for name in sorted(n for n in os.listdir(LOGS) if n.endswith(".log")):
        by_serial = {}
        for record in map(parse_record, lines_of(name)):
            by_serial.setdefault(record["serial"], []).append(record)
        events.extend(by_serial.values())
    return events


class UnscreenedRedactor(Redactor):
    """The reference: redacts every candidate value of an event with every pattern, with no screening."""

    def _screen(self, texts):
        return True

    def _patterns_for(self, text):
        return self.patterns


@pytest.mark.parametrize("patterns", [
    DEFAULT_REDACT_PATTERNS,
    [r"\Ahunter2\Z"], [r"^hunter2$"], [r"(?m)^hunter2$"], [r"\bhunter2\b(?!\n)"], [r"(?<=/)hunter2"],
    [r"(?s)BEGIN.*END"], [r"(?i)HUNTER2"], [r"token=(?P<secret>\w+)"], [r"u:(?P<secret>\w+)@|\Aprog\Z"],
    list(DEFAULT_REDACT_PATTERNS) + [r"(?<!-)hunter2\Z", r"\Ait'"],
])
def test_screening_changes_no_event(patterns):
    # The screened redaction returns exactly what redacting every candidate value returns.
    screened, reference = Redactor(patterns), UnscreenedRedactor(patterns)
    for records in every_event():
        copy = json.loads(json.dumps(records))
        screened.event(records)
        reference.event(copy)
        assert event_json(records) == event_json(copy), records


@pytest.mark.parametrize("secret", SECRETS)
def test_a_secret_is_redacted_wherever_free_text_occurs(secret):
    for lines in events_holding(secret):
        text = json.dumps(build_event(parse_event(lines, "1.001:5"), Redactor([r"hunter2"])))
        assert "hunter2" not in text and "hunter2".encode().hex().upper() not in text, lines


@pytest.mark.parametrize("remembered", [1, 1024])
def test_a_redactor_remembers_only_what_redacting_again_gives(monkeypatch, remembered):
    # A Redactor remembers what it made of each value, command line and event's free text: every
    # event twice over, through one Redactor whose memory holds one of each (cleared at each new
    # one) or the usual number, is redacted as a new Redactor for each event redacts it.
    monkeypatch.setattr(redaction, "_REMEMBERED", remembered)
    patterns = list(DEFAULT_REDACT_PATTERNS) + [r"(?<!-)hunter2\Z"]
    remembering = Redactor(patterns)
    for records in every_event() * 2:
        copy = json.loads(json.dumps(records))
        remembering.event(records)
        Redactor(patterns).event(copy)
        assert event_json(records) == event_json(copy), records
