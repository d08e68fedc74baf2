"""Record and event parsing on logs recorded from audit 3.0.9 (ENRICHED, its RAW form, and an
interleaved copy): hex decoding, grouping, filters, redaction, summary, time words."""

import datetime
import json
import os
import re
import time

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_records import (
    DEFAULT_REDACT_PATTERNS,
    REDACTED,
    AuditParseError,
    EventFilter,
    Redactor,
    event_json,
    event_keys,
    iso_time,
    parse_event,
    parse_record,
    parse_time,
)

LOGS = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "logs")


def lines_of(name):
    # Not splitlines(): it would also split at the ENRICHED format's 0x1d separator.
    with open(os.path.join(LOGS, name), encoding="utf-8") as handle:
        return handle.read().rstrip("\n").split("\n")


def records_of(name, serial):
    return [r for r in map(parse_record, lines_of(name)) if r["serial"] == serial]


def build_event(records, redactor):
    """The public event object the module sends for records of one serial."""
    return json.loads(event_json(records, redactor)[0])


@pytest.fixture
def redactor():
    return Redactor(DEFAULT_REDACT_PATTERNS)


def test_header_fields_and_enriched_part():
    record = parse_record(lines_of("audit-3.0.9-enriched.log")[7])
    assert (record["type"], record["serial"], record["sec"], record["ms"]) == ("SYSCALL", 16773, 1795712050, 923)
    assert record["fields"]["comm"] == "touch"
    assert record["fields"]["key"] == "fa_watch"
    assert record["fields"]["a0"] == "ffffff9c", "SYSCALL arguments are numbers, never hex-decoded"
    assert record["interpreted"]["SYSCALL"] == "openat"
    assert record["interpreted"]["AUID"] == "unset"


def test_raw_format_has_no_interpreted_fields():
    record = parse_record(lines_of("audit-3.0.9-raw.log")[7])
    assert "interpreted" not in record
    assert record["fields"]["syscall"] == "257"


def test_hex_encoded_path_with_space_is_decoded():
    paths = [r for r in records_of("audit-3.0.9-enriched.log", 16773) if r["type"] == "PATH"]
    assert paths[1]["fields"]["name"] == "/tmp/fa5/rec/w.vRJe/a file"


def test_hex_encoded_comm_exe_and_execve_arguments():
    records = records_of("audit-3.0.9-raw.log", 16775)
    syscall = records[0]["fields"]
    assert (syscall["comm"], syscall["exe"]) == ("my prog", "/tmp/fa5/rec/w.vRJe/my prog")
    execve = [r for r in records if r["type"] == "EXECVE"][0]
    assert execve["argv"] == ["/tmp/fa5/rec/w.vRJe/my prog", "arg with space", "--password=secret",
                              "--token", "hunter2"]


def test_proctitle_is_split_on_nul_bytes():
    proctitle = [r for r in records_of("audit-3.0.9-enriched.log", 16773) if r["type"] == "PROCTITLE"][0]
    assert proctitle["argv"] == ["touch", "/tmp/fa5/rec/w.vRJe/a file"]
    assert proctitle["fields"]["proctitle"] == "touch /tmp/fa5/rec/w.vRJe/a file"


def test_long_execve_argument_pieces_are_joined():
    line = ('type=EXECVE msg=audit(1.002:7): argc=2 a0="cat" a1_len=6 a1[0]=616263 a1[1]=646566')
    record = parse_record(line)
    assert record["argv"] == ["cat", "abcdef"]
    assert record["fields"]["a1"] == "abcdef" and "a1[0]" not in record["fields"]


def test_execve_with_a_damaged_argc_keeps_its_fields():
    record = parse_record('type=EXECVE msg=audit(1.002:7): argc=x a0="cat" a1="/etc/hosts"')
    assert record["argv"] == []
    assert record["fields"] == {"argc": "x", "a0": "cat", "a1": "/etc/hosts"}


def test_selinux_avc_verdict_and_permissions_are_fields():
    record = parse_record('type=AVC msg=audit(1226270358.848:238): avc:  denied  { read write } for  pid=13349 '
                          'comm="certwatch" name="cache" dev=dm-0 ino=218171 '
                          'scontext=system_u:system_r:certwatch_t:s0 tcontext=system_u:object_r:var_t:s0 tclass=dir')
    assert record["fields"]["seresult"] == "denied"
    assert record["fields"]["seperms"] == "read,write"
    assert record["fields"]["comm"] == "certwatch" and record["fields"]["tclass"] == "dir"
    user = parse_record("type=USER_AVC msg=audit(1267534395.930:19): pid=1169 uid=0 auid=4294967295 ses=4294967295 "
                        "msg='avc:  denied  { status } for auid=0 uid=0 gid=0 path=\"/usr/lib/systemd/system/x.service\" "
                        "scontext=system_u:system_r:init_t:s0 tclass=service exe=\"/usr/lib/systemd/systemd\" "
                        "sauid=0 hostname=? addr=? terminal=?'")
    assert (user["fields"]["seresult"], user["fields"]["seperms"]) == ("denied", "status")
    assert user["fields"]["path"] == "/usr/lib/systemd/system/x.service"


def test_user_space_message_fields_are_flattened():
    record = records_of("audit-3.0.9-enriched.log", 16777)[0]
    assert record["type"] == "USER_AUTH"
    assert record["fields"]["acct"] == "nobody"
    assert record["fields"]["op"] == "PAM:authentication"
    assert record["fields"]["res"] == "success"


def test_multiple_keys_are_hex_encoded_and_split():
    records = records_of("audit-3.0.9-enriched.log", 16791)
    assert event_keys(records) == ["fa_del", "fa_multi"]


def test_node_prefix_is_read():
    record = parse_record('node=web1 type=USER msg=audit(1795712050.983:9): pid=1 msg=\'text=hi res=success\'')
    assert record["node"] == "web1" and record["fields"]["text"] == "hi"


HEADER_VARIANTS = [
    # The header forms parse_event splits without the header pattern, and forms it must leave to it.
    "node=web1 type=CWD msg=audit(1.001:5): cwd=\"/root\"",
    "type=CWD msg=audit(1.001:5):cwd=\"/root\"",
    "type=CWD\tx msg=audit(1.001:5): cwd=\"/root\"",
    "node=web\t1 type=CWD msg=audit(1.001:5): cwd=\"/root\"",
    "node= type=CWD msg=audit(1.001:5): cwd=\"/root\"",
    "type=CWD msg=audit(1.001:6): cwd=\"/root\"",
    "type=CWD msg=audit(1.001:5):\x1dCWD=x",
]


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(LOGS) if n.endswith(".log")) + [None])
def test_parse_event_gives_what_parse_record_gives(name):
    for line in lines_of(name) if name else ODD_LINES + HEADER_VARIANTS:
        token = line[line.find("msg=audit(") + 10:line.find(")")]
        try:
            expected = parse_record(line)
        except AuditParseError:
            with pytest.raises(AuditParseError):
                parse_event([line], "1.001:5")
            continue
        assert parse_event([line], token) == [expected], line
        assert parse_event([line], "1.001:5") == [expected], line


def test_not_a_record_fails():
    with pytest.raises(AuditParseError):
        parse_record("----")


def test_iso_time_is_utc_with_milliseconds():
    assert iso_time(1795712050, 7) == "2026-11-26T16:54:10.007Z"


def test_event_summary_of_an_execution(redactor):
    event = build_event(records_of("audit-3.0.9-enriched.log", 16775), redactor)
    assert event["serial"] == 16775 and event["keys"] == ["fa_watch"]
    assert event["time"] == "2026-11-26T16:54:10.931Z"
    summary = event["summary"]
    assert summary["type"] == "SYSCALL" and summary["syscall"] == "execve"
    assert summary["success"] is True
    assert (summary["pid"], summary["ppid"], summary["uid"], summary["auid"]) == (11292, 11277, 0, 4294967295)
    assert (summary["uid_name"], summary["auid_name"]) == ("root", "unset")
    assert summary["cwd"] == "/tmp/fa5/rec"
    assert summary["paths"] == ["/tmp/fa5/rec/w.vRJe/my prog", "/lib64/ld-linux-x86-64.so.2"]
    assert summary["argv"] == ["/tmp/fa5/rec/w.vRJe/my prog", "arg with space", "--password=" + REDACTED,
                               "--token", REDACTED]


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


def test_records_with_the_same_enriched_part_do_not_share_it():
    line = lines_of("audit-3.0.9-enriched.log")[7]
    first, second = parse_record(line), parse_record(line)
    first["interpreted"]["UID"] = "changed"
    assert second["interpreted"]["UID"] == "root"


def test_user_pattern_with_and_without_secret_group():
    redactor = Redactor([r"PGPASSWORD=(?P<secret>\S+)", r"sk-[a-z0-9]+"])
    assert redactor.text("PGPASSWORD=abc psql") == "PGPASSWORD=%s psql" % REDACTED
    assert redactor.text("key sk-abc123 end") == "key %s end" % REDACTED


def test_bad_redact_pattern_is_refused():
    with pytest.raises(ValueError, match="bad redact pattern"):
        Redactor(["("])


def test_syscall_event_summary_in_raw_format_has_numbers(redactor):
    summary = build_event(records_of("audit-3.0.9-raw.log", 16792), redactor)["summary"]
    assert summary["syscall"] == "263" and summary["success"] is False and summary["uid_name"] is None


def test_user_message_summary_success_from_res(redactor):
    summary = build_event(records_of("audit-3.0.9-enriched.log", 16777), redactor)["summary"]
    assert summary["type"] == "USER_AUTH" and summary["success"] is True and summary["exe"] == "/usr/bin/su"


def test_key_filter_is_exact_and_drops_rule_changes():
    keyed = records_of("audit-3.0.9-enriched.log", 16773)
    rule_added = records_of("audit-3.0.9-enriched.log", 16771)
    assert EventFilter(keys=["fa_watch"]).matches(keyed)
    assert not EventFilter(keys=["fa_wat"]).matches(keyed), "no substring match"
    assert not EventFilter(keys=["fa_watch"]).matches(rule_added)
    assert EventFilter(keys=["fa_watch"], message_types=["CONFIG_CHANGE"]).matches(rule_added)


def test_other_criteria():
    failed = records_of("audit-3.0.9-raw.log", 16792)
    enriched = records_of("audit-3.0.9-enriched.log", 16792)
    assert EventFilter(success=False).matches(failed)
    assert not EventFilter(success=True).matches(failed)
    assert EventFilter(pid=15521, exe="/usr/bin/rm", uid="0", auid="4294967295").matches(failed)
    assert not EventFilter(pid=1).matches(failed)
    assert EventFilter(syscall=["263"]).matches(failed)
    assert not EventFilter(syscall=["unlinkat"]).matches(failed), "RAW logs carry only numbers"
    assert EventFilter(syscall=["unlinkat"], uid="root").matches(enriched)
    assert EventFilter(message_types=["PATH"]).matches(failed)
    assert not EventFilter(message_types=["EXECVE"]).matches(failed)


def test_time_window():
    records = records_of("audit-3.0.9-enriched.log", 16773)
    assert EventFilter(start=1795712050.923).matches(records)
    assert not EventFilter(start=1795712050.924).matches(records)
    assert not EventFilter(end=1795712050.9).matches(records)


def test_unknown_message_type_fails():
    with pytest.raises(ValueError, match="unknown message type 'NOPE'"):
        EventFilter(message_types=["NOPE"])
    EventFilter(message_types=["UNKNOWN[1334]", "USER_LOGIN"])


NOW = time.mktime(datetime.datetime(2026, 11, 26, 16, 54, 10).timetuple())  # a Thursday, local time


@pytest.mark.parametrize("word,expected", [
    ("now", datetime.datetime(2026, 11, 26, 16, 54, 10)),
    ("recent", datetime.datetime(2026, 11, 26, 16, 44, 10)),
    ("today", datetime.datetime(2026, 11, 26)),
    ("yesterday", datetime.datetime(2026, 11, 25)),
    ("week-ago", datetime.datetime(2026, 11, 19)),
    ("this-week", datetime.datetime(2026, 11, 22)),
    ("this-month", datetime.datetime(2026, 11, 1)),
    ("this-year", datetime.datetime(2026, 1, 1)),
    ("2026-11-26T10:00:00", datetime.datetime(2026, 11, 26, 10)),
])
def test_time_words_in_local_time(word, expected):
    assert parse_time(word, now=NOW) == time.mktime(expected.timetuple())


def test_today_as_an_end_is_now_as_ausearch_reads_it():
    # ausearch -te today and aureport -te today end now, not at midnight; the other words do not
    # change with the side of the window.
    assert parse_time("today", now=NOW, end=True) == NOW
    assert parse_time("yesterday", now=NOW, end=True) == parse_time("yesterday", now=NOW)


def test_iso_times_with_offsets_and_boot():
    assert parse_time("2026-11-26T16:54:10Z") == 1795712050
    assert parse_time("2026-11-26T17:54:10.5+01:00") == 1795712050.5
    assert parse_time("boot", boot_time=1234.0) == 1234.0


@pytest.mark.parametrize("text", ["2026-11-26T17:54:10.5+01:00", "2026-11-26 17:54:10,500+0100",
                                  "2026-11-26t16:54:10.5z", "2026-11-26T17:54:10.500000000+01",
                                  "2026-11-26T15:54:10.5-01:00"])
def test_iso_times_read_alike_on_every_host_python(text):
    # Python 3.7 to 3.10 read only a fraction of 3 or 6 digits and an offset as +HH:MM.
    assert parse_time(text) == 1795712050.5


def test_iso_times_without_seconds_or_time_are_local():
    assert parse_time("2026-11-26T17:54") == time.mktime((2026, 11, 26, 17, 54, 0, 0, 0, -1))
    assert parse_time("2026-11-26") == time.mktime((2026, 11, 26, 0, 0, 0, 0, 0, -1))


def test_bad_time_fails_with_the_accepted_forms():
    with pytest.raises(ValueError, match="bad time 'tomorrow'.*this-week"):
        parse_time("tomorrow")


ODD_LINES = [
    # A quoted value holding "=" and a backslash, a hex value that is not UTF-8, two spaces, a
    # value with a non-ASCII byte, words without "=", braces: their JSON is not made from the text.
    'type=PATH msg=audit(1.001:5): item=0 name="/tmp/a=b\\c" inode=5 nametype=NORMAL\x1dOUID="root"',
    'type=PATH msg=audit(1.001:5): item=1 name=2F746D702FFF2063C3A9 inode=6 nametype=NORMAL',
    'type=DAEMON_START msg=audit(1.001:5): op=start ver=3.0.9 subj=unconfined  res=success\x1dAUID="unset"',
    'type=SYSCALL msg=audit(1.001:5): arch=c000003e syscall=2 success=no pid=45 comm="t\xe9st" key="k"',
    'type=AVC msg=audit(1.001:5): avc:  denied  { read } for  pid=45 comm="cat" tclass=file',
    'type=SOCKADDR msg=audit(1.001:5): saddr=02000050C0A80001\x1dSADDR={ saddr_fam=inet laddr=1.2.3.4 lport=80 }',
]


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(LOGS) if n.endswith(".log")) + [None])
def test_event_json_holds_exactly_the_parsed_fields(name):
    records = [parse_record(line) for line in (lines_of(name) if name else ODD_LINES)]
    by_serial = {}
    for record in records:
        by_serial.setdefault(record["serial"], []).append(record)
    for serial, group in by_serial.items():
        event = json.loads(event_json(group, Redactor(DEFAULT_REDACT_PATTERNS))[0])
        assert event["records"] == [dict((k, r[k]) for k in ("type", "fields", "interpreted") if k in r)
                                    for r in group], serial
    if name is None:
        assert [r["fields_json"] for r in records[:5]] == [None] * 5
        assert records[5]["interpreted_json"] is None


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


def test_a_command_line_written_in_several_execve_records_is_one():
    # The kernel writes a command line longer than about 7.5 kB as several EXECVE records: argc and
    # the first arguments in the first one, an argument's pieces (aN[i]) possibly in two of them.
    long_arg = "x" * 7400
    records = parse_event([
        'type=SYSCALL msg=audit(1.001:5): arch=c000003e syscall=59 success=yes comm="prog" exe="/usr/bin/prog"',
        'type=EXECVE msg=audit(1.001:5): argc=6 a0="prog" a1="%s" a2_len=36 a2[0]=2D2D7365637265742D' % long_arg,
        'type=EXECVE msg=audit(1.001:5): a2[1]=66696C653D2F612062 a3="--token"',
        'type=EXECVE msg=audit(1.001:5): a4="hunter2" a5="-v"',
        'type=CWD msg=audit(1.001:5): cwd="/root"',
    ], "1.001:5")
    assert [record["type"] for record in records] == ["SYSCALL", "EXECVE", "CWD"]
    argv = ["prog", long_arg, "--secret-file=/a b", "--token", "hunter2", "-v"]
    assert records[1]["argv"] == argv
    event = build_event(records, Redactor([]))
    assert event["summary"]["argv"] == argv[:4] + [REDACTED, "-v"]
    assert "hunter2" not in json.dumps(event)


@pytest.mark.parametrize("message", [
    "deploy db password=hunter2 now", "it's --token=hunter2", "ship it, api_key: hunter2 'now'", "a exe=b token=hunter2",
])
def test_a_user_message_text_is_one_value(message):
    # auditctl -m writes its text unescaped (quotes, spaces, "=" and all) before libaudit's own
    # fields, and the kernel puts it between msg=' and the line's last quote.
    line = ("type=USER msg=audit(1.001:5): pid=9 uid=0 auid=0 ses=1 msg='text=%s exe=\"/usr/sbin/auditctl\" "
            "hostname=? addr=? terminal=? res=success'" % message)
    fields = parse_record(line)["fields"]
    assert fields["text"] == message
    assert (fields["exe"], fields["terminal"], fields["res"]) == ("/usr/sbin/auditctl", "?", "success")
    event = build_event([parse_record(line)], Redactor(DEFAULT_REDACT_PATTERNS))
    assert "hunter2" not in json.dumps(event)
    assert event["records"][0]["fields"]["text"] == message.replace("hunter2", REDACTED)


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


def test_sauid_is_a_number():
    # A uid, never hex-encoded: ausearch -i shows sauid=1000 as a user name.
    record = parse_record("type=USER_AVC msg=audit(1.001:5): pid=1 uid=0 auid=0 ses=1 msg='avc:  denied  "
                          "{ send_msg } for msgtype=method_call exe=\"/usr/bin/dbus-daemon\" sauid=1000 hostname=? "
                          "addr=? terminal=?'")
    assert record["fields"]["sauid"] == "1000"


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


class UnscreenedRedactor(Redactor):
    """The reference: redacts every candidate value of an event, with no screening."""

    def _screen(self, texts):
        return True


@pytest.mark.parametrize("patterns", [
    DEFAULT_REDACT_PATTERNS,
    [r"\Ahunter2\Z"], [r"^hunter2$"], [r"(?m)^hunter2$"], [r"\bhunter2\b(?!\n)"], [r"(?<=/)hunter2"],
    [r"(?s)BEGIN.*END"], [r"(?i)HUNTER2"], [r"token=(?P<secret>\w+)"], [r"u:(?P<secret>\w+)@|\Aprog\Z"],
    list(DEFAULT_REDACT_PATTERNS) + [r"(?<!-)hunter2\Z", r"\Ait'"],
])
def test_screening_changes_no_event(patterns):
    # Every event of the recorded logs, and a secret in every place where free text occurs: the
    # screened redaction returns exactly what redacting every candidate value returns.
    events = [parse_event(group, "1.001:5") for secret in SECRETS for group in events_holding(secret)]
    for name in sorted(n for n in os.listdir(LOGS) if n.endswith(".log")):
        by_serial = {}
        for record in map(parse_record, lines_of(name)):
            by_serial.setdefault(record["serial"], []).append(record)
        events.extend(by_serial.values())
    screened, reference = Redactor(patterns), UnscreenedRedactor(patterns)
    for records in events:
        copy = json.loads(json.dumps(records))
        assert event_json(records, screened) == event_json(copy, reference), records


@pytest.mark.parametrize("secret", SECRETS)
def test_a_secret_is_redacted_wherever_free_text_occurs(secret):
    for lines in events_holding(secret):
        text = json.dumps(build_event(parse_event(lines, "1.001:5"), Redactor([r"hunter2"])))
        assert "hunter2" not in text and "hunter2".encode().hex().upper() not in text, lines
