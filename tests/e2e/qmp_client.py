#!/usr/bin/python3
"""A QMP client for the e2e cases (standard library only): runs one named scenario against
an enlight started with -qmp unix:PATH,server,wait=off and prints 'qmp: ok <what>' lines,
or 'qmp: FAIL <what>' and exits 1.

usage: qmp_client.py SOCKET SCENARIO    (SCENARIO: session | prelaunch-cont | panic)
"""
import json
import socket
import sys
import time


class Qmp:
    def __init__(self, path):
        deadline = time.time() + 10
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""
        self.events = []
        self.s.settimeout(30)

    def recv_obj(self):
        while b"\n" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def send_raw(self, text):
        self.s.sendall(text.encode())

    def reply(self):
        """The next reply; events that arrive first are kept."""
        while True:
            o = self.recv_obj()
            if "event" in o:
                self.events.append(o)
            else:
                return o

    def cmd(self, name, **kw):
        msg = {"execute": name}
        if kw:
            msg["arguments"] = kw
        self.send_raw(json.dumps(msg) + "\n")
        return self.reply()

    def wait_event(self, name, timeout=30):
        deadline = time.time() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["event"] == name:
                    return self.events.pop(i)
            if time.time() > deadline:
                raise TimeoutError("no %s event" % name)
            self.events.append(self.recv_obj())


def check(cond, what):
    if not cond:
        print("qmp: FAIL %s" % what, flush=True)
        sys.exit(1)
    print("qmp: ok %s" % what, flush=True)


def status(q):
    r = q.cmd("query-status")["return"]
    return r["status"], r["running"]


def session(q):
    g = q.recv_obj()
    check("QMP" in g and g["QMP"]["capabilities"] == [], "greeting")
    r = q.cmd("query-status")
    check(r.get("error", {}).get("class") == "CommandNotFound", "commands refused before qmp_capabilities")
    check(q.cmd("qmp_capabilities") == {"return": {}}, "qmp_capabilities")
    q.send_raw('{"execute": ]\n')  # a syntax error; the next line is parsed afresh
    r = q.reply()
    check(r.get("error", {}).get("class") == "GenericError", "malformed JSON gets GenericError")
    r = q.cmd("no-such-command")
    check(r.get("error", {}).get("class") == "CommandNotFound" and "no-such-command" in r["error"]["desc"],
          "unknown command gets CommandNotFound")
    check(status(q) == ("running", True), "still running after bad input")
    v = q.cmd("query-version")["return"]
    check("qemu" in v and "major" in v["qemu"], "query-version")
    check(q.cmd("query-kvm")["return"] == {"enabled": True, "present": True}, "query-kvm")
    cpus = q.cmd("query-cpus-fast")["return"]
    tids = [c["thread-id"] for c in cpus]
    check(len(cpus) == 2 and all(t > 0 for t in tids) and len(set(tids)) == 2
          and cpus[1]["props"]["core-id"] == 1 and cpus[1]["target"] == "x86_64",
          "query-cpus-fast: 2 vCPUs with their thread ids %s" % tids)
    hv = q.cmd("query-hyperv")["return"]
    check(hv["enabled"] and hv["backend"] in ("user", "kernel") and "hv-relaxed" in hv["features"]
          and hv["cpuid"][0]["function"] == 0x40000000, "query-hyperv: %s %s" % (hv["backend"], hv["features"]))
    check(q.cmd("stop") == {"return": {}}, "stop")
    q.wait_event("STOP")
    check(status(q) == ("paused", False), "query-status paused")
    check(q.cmd("cont") == {"return": {}}, "cont")
    q.wait_event("RESUME")
    check(status(q) == ("running", True), "query-status running again")
    check(q.cmd("system_reset") == {"return": {}}, "system_reset")
    e = q.wait_event("RESET")
    check(e["data"] == {"guest": False, "reason": "host-qmp-system-reset"}, "RESET event %s" % e["data"])
    time.sleep(0.2)
    check(status(q) == ("running", True), "running after the reset")
    check(q.cmd("system_powerdown") == {"return": {}}, "system_powerdown (the payload has no ACPI handler)")
    check(q.cmd("quit") == {"return": {}}, "quit")
    e = q.wait_event("SHUTDOWN")
    check(e["data"] == {"guest": False, "reason": "host-qmp-quit"}, "SHUTDOWN event %s" % e["data"])


def prelaunch_cont(q):
    q.recv_obj()
    q.cmd("qmp_capabilities")
    check(status(q) == ("paused", False), "-S: paused before cont")
    check(q.cmd("cont") == {"return": {}}, "cont")
    q.wait_event("RESUME")
    e = q.wait_event("SHUTDOWN")
    check(e["data"] == {"guest": True, "reason": "guest-shutdown"}, "guest power-off: SHUTDOWN %s" % e["data"])


def panic(q):
    q.recv_obj()
    q.cmd("qmp_capabilities")
    q.cmd("cont")
    e = q.wait_event("GUEST_PANICKED")
    info = e["data"].get("info", {})
    check(e["data"]["action"] == "poweroff" and info.get("type") == "hyper-v"
          and [info.get("arg%d" % i) for i in range(1, 6)] == [0xC0FFEE00 + n for n in range(5)],
          "GUEST_PANICKED with P0..P4 %s" % e["data"])
    e = q.wait_event("SHUTDOWN")
    check(e["data"] == {"guest": True, "reason": "guest-panic"}, "SHUTDOWN %s" % e["data"])


SCENARIOS = {"session": session, "prelaunch-cont": prelaunch_cont, "panic": panic}

if __name__ == "__main__":
    try:
        SCENARIOS[sys.argv[2]](Qmp(sys.argv[1]))
    except (OSError, EOFError, TimeoutError, KeyError, ValueError) as e:
        check(False, "%s: %r" % (sys.argv[2], e))
