# -*- coding: utf-8 -*-
# Copyright: (c) fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which events a search returns: ausearch's criteria, except that keys match exactly."""

from __future__ import annotations

import re

from ansible_collections.fleetaudit.auditd.plugins.module_utils.records import event_keys, record_success

# Every message type that ausearch -m accepts (audit 3.0.9 and 4.0.x), for early validation.
MESSAGE_TYPES = frozenset("""
USER LOGIN USER_AUTH USER_ACCT USER_MGMT CRED_ACQ CRED_DISP USER_START USER_END USER_AVC
USER_CHAUTHTOK USER_ERR CRED_REFR USYS_CONFIG USER_LOGIN USER_LOGOUT ADD_USER DEL_USER ADD_GROUP
DEL_GROUP DAC_CHECK CHGRP_ID TEST TRUSTED_APP USER_SELINUX_ERR USER_CMD USER_TTY CHUSER_ID GRP_AUTH
SYSTEM_BOOT SYSTEM_SHUTDOWN SYSTEM_RUNLEVEL SERVICE_START SERVICE_STOP GRP_MGMT GRP_CHAUTHTOK
MAC_CHECK ACCT_LOCK ACCT_UNLOCK USER_DEVICE SOFTWARE_UPDATE DAEMON_START DAEMON_END DAEMON_ABORT
DAEMON_CONFIG DAEMON_ROTATE DAEMON_RESUME DAEMON_ACCEPT DAEMON_CLOSE DAEMON_ERR SYSCALL PATH IPC
SOCKETCALL CONFIG_CHANGE SOCKADDR CWD EXECVE IPC_SET_PERM MQ_OPEN MQ_SENDRECV MQ_NOTIFY
MQ_GETSETATTR KERNEL_OTHER FD_PAIR OBJ_PID TTY EOE BPRM_FCAPS CAPSET MMAP NETFILTER_PKT
NETFILTER_CFG SECCOMP PROCTITLE FEATURE_CHANGE REPLACE KERN_MODULE FANOTIFY TIME_INJOFFSET
TIME_ADJNTPVAL BPF EVENT_LISTENER URINGOP OPENAT2 DM_CTRL DM_EVENT AVC SELINUX_ERR AVC_PATH
MAC_POLICY_LOAD MAC_STATUS MAC_CONFIG_CHANGE MAC_UNLBL_ALLOW MAC_CIPSOV4_ADD MAC_CIPSOV4_DEL
MAC_MAP_ADD MAC_MAP_DEL MAC_IPSEC_ADDSA MAC_IPSEC_DELSA MAC_IPSEC_ADDSPD MAC_IPSEC_DELSPD
MAC_IPSEC_EVENT MAC_UNLBL_STCADD MAC_UNLBL_STCDEL MAC_CALIPSO_ADD MAC_CALIPSO_DEL MAC_TASK_CONTEXTS
MAC_OBJ_CONTEXTS APPARMOR APPARMOR_AUDIT APPARMOR_ALLOWED APPARMOR_DENIED APPARMOR_HINT
APPARMOR_STATUS APPARMOR_ERROR APPARMOR_KILL ANOM_PROMISCUOUS ANOM_ABEND ANOM_LINK ANOM_CREAT
INTEGRITY_DATA INTEGRITY_METADATA INTEGRITY_STATUS INTEGRITY_HASH INTEGRITY_PCR INTEGRITY_RULE
INTEGRITY_EVM_XATTR INTEGRITY_POLICY_RULE KERNEL ANOM_LOGIN_FAILURES ANOM_LOGIN_TIME
ANOM_LOGIN_SESSIONS ANOM_LOGIN_ACCT ANOM_LOGIN_LOCATION ANOM_MAX_DAC ANOM_MAX_MAC ANOM_AMTU_FAIL
ANOM_RBAC_FAIL ANOM_RBAC_INTEGRITY_FAIL ANOM_CRYPTO_FAIL ANOM_ACCESS_FS ANOM_EXEC ANOM_MK_EXEC
ANOM_ADD_ACCT ANOM_DEL_ACCT ANOM_MOD_ACCT ANOM_ROOT_TRANS ANOM_LOGIN_SERVICE ANOM_LOGIN_ROOT
ANOM_ORIGIN_FAILURES ANOM_SESSION RESP_ANOMALY RESP_ALERT RESP_KILL_PROC RESP_TERM_ACCESS
RESP_ACCT_REMOTE RESP_ACCT_LOCK_TIMED RESP_ACCT_UNLOCK_TIMED RESP_ACCT_LOCK RESP_TERM_LOCK
RESP_SEBOOL RESP_EXEC RESP_SINGLE RESP_HALT RESP_ORIGIN_BLOCK RESP_ORIGIN_BLOCK_TIMED
RESP_ORIGIN_UNBLOCK_TIMED USER_ROLE_CHANGE ROLE_ASSIGN ROLE_REMOVE LABEL_OVERRIDE LABEL_LEVEL_CHANGE
USER_LABELED_EXPORT USER_UNLABELED_EXPORT DEV_ALLOC DEV_DEALLOC FS_RELABEL USER_MAC_POLICY_LOAD
ROLE_MODIFY USER_MAC_CONFIG_CHANGE USER_MAC_STATUS CRYPTO_TEST_USER CRYPTO_PARAM_CHANGE_USER
CRYPTO_LOGIN CRYPTO_LOGOUT CRYPTO_KEY_USER CRYPTO_FAILURE_USER CRYPTO_REPLAY_USER CRYPTO_SESSION
CRYPTO_IKE_SA CRYPTO_IPSEC_SA VIRT_CONTROL VIRT_RESOURCE VIRT_MACHINE_ID VIRT_INTEGRITY_CHECK
VIRT_CREATE VIRT_DESTROY VIRT_MIGRATE_IN VIRT_MIGRATE_OUT
""".split())

_UNKNOWN_TYPE = re.compile(r"^UNKNOWN\[\d+\]$")


def is_message_type(name):
    return name in MESSAGE_TYPES or bool(_UNKNOWN_TYPE.match(name))


class EventFilter:
    """ausearch-like criteria, except that keys match exactly; all given criteria must hold."""

    def __init__(self, keys=None, message_types=None, start=None, end=None, success=None,
                 uid=None, auid=None, pid=None, exe=None, syscall=None, node=None):
        self.keys = set(keys or ())
        self.message_types = set(message_types or ())
        for name in self.message_types:
            if not is_message_type(name):
                raise ValueError("unknown message type %r (ausearch -m help lists them)" % name)
        self.start = start
        self.end = end
        self.success = success
        self.uid = uid
        self.auid = auid
        self.pid = None if pid is None else str(pid)
        self.exe = exe
        self.syscall = None if syscall is None else {str(s) for s in syscall}
        # The node= prefix a client's auditd writes (name_format), as a collector keeps it.
        self.node = node

    def in_time(self, sec, ms):
        stamp = sec + ms / 1000.0
        return (self.start is None or stamp >= self.start) and (self.end is None or stamp <= self.end)

    @staticmethod
    def _id_matches(records, name, wanted):
        """uid/auid given as a number or a name: the number field, or the enriched name."""
        if wanted is None:
            return True
        for record in records:
            if str(record["fields"].get(name)) == str(wanted):
                return True
            if record.get("interpreted", {}).get(name.upper()) == str(wanted):
                return True
        return False

    def matches(self, records):
        # Criteria not given are not looked at: most searches give one or two.
        if self.keys or self.message_types:
            types = {r["type"] for r in records}
            if self.keys:
                if not self.keys.intersection(event_keys(records)):
                    return False
                # The rule's own add/remove messages carry its key; ausearch -k returns them too.
                if "CONFIG_CHANGE" in types and "CONFIG_CHANGE" not in self.message_types:
                    return False
            if self.message_types and not self.message_types.intersection(types):
                return False
        if (self.start is not None or self.end is not None) and not self.in_time(records[0]["sec"], records[0]["ms"]):
            return False
        if self.node is not None and records[0]["node"] != self.node:
            return False
        if not (self._id_matches(records, "uid", self.uid) and self._id_matches(records, "auid", self.auid)):
            return False
        return all(self._field_matches(records, name) for name in ("success", "pid", "exe", "syscall")
                   if getattr(self, name) is not None)

    def _field_matches(self, records, name):
        """Whether a record holds the value wanted for the criterion `name` (one that was given)."""
        wanted = getattr(self, name)
        for record in records:
            fields = record["fields"]
            if name == "success":
                if record_success(fields) is wanted:
                    return True
            elif name == "syscall":
                if fields.get("syscall") in wanted or record.get("interpreted", {}).get("SYSCALL") in wanted:
                    return True
            elif fields.get(name) == wanted:
                return True
        return False
