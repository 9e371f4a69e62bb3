#!/usr/bin/env python3
"""Run SIPp scenario files under the real sipp and under gossip, each
against the same sipp peer, and report files whose outcome differs.

Usage: scripts/sidebyside.py GOSSIP_BINARY FILE.xml...

A file whose first message element is a <send> runs as the UAC against
`sipp -sn uas`; one that starts with a <recv> runs as the UAS against
`sipp -sn uac`. Each side runs 3 calls at 5 calls/s with a 10 s global
timeout on loopback. The outcome compared is the exit status of both
processes and the cumulative successful and failed call counts, by failure
class, of both sides (from -trace_stat). Files that need injection files
or media (pcap play, RTP streams) are skipped. Prints one line per file:
"same FILE" or "DIFF FILE sipp-outcome gossip-outcome last-stderr-line".
"""
import concurrent.futures
import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def totals(path):
    try:
        with open(path) as f:
            rows = list(csv.reader(f, delimiter=";"))
    except OSError:
        return None
    if len(rows) < 2:
        return None
    head, last = rows[0], rows[-1]
    out = {}
    for i, name in enumerate(head):
        if name.endswith("(C)") and i < len(last):
            try:
                out[name[:-3]] = int(last[i])
            except ValueError:
                pass
    keys = ["SuccessfulCall", "FailedCall"] + [k for k in out if k.startswith("Failed") and k != "FailedCall"]
    return {k: out.get(k, 0) for k in keys if out.get(k, 0)}


def first_element(path):
    text = open(path, errors="replace").read()
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    m = re.search(r"<(send|recv|sendCmd|recvCmd)\b", text)
    return (m.group(1) if m else None), text


def run(binary, path, server):
    work = tempfile.mkdtemp(prefix="sidebyside")
    port = free_port()
    if server:
        srv, cli = [binary, "-sf", path], ["sipp", "-sn", "uac"]
    else:
        srv, cli = ["sipp", "-sn", "uas"], [binary, "-sf", path]
    common = ["-i", "127.0.0.1", "-nostdin", "-timeout", "10s", "-trace_stat", "-fd", "1"]
    ps = subprocess.Popen(srv + common + ["-p", str(port), "-m", "3", "-stf", "srv.csv"],
                          cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.3)
    pc = subprocess.Popen(cli + common + ["127.0.0.1:%d" % port, "-r", "5", "-m", "3", "-stf", "cli.csv",
                                          "-p", str(free_port())],
                          cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    codes = []
    for p in (pc, ps):
        try:
            codes.append(p.wait(20))
        except subprocess.TimeoutExpired:
            p.kill()
            codes.append("killed")
    cc, sc = codes
    err = (ps if server else pc).stderr.read().decode(errors="replace")
    mine, peer = ("srv.csv", "cli.csv") if server else ("cli.csv", "srv.csv")
    res = {"exit": sc if server else cc, "peer_exit": cc if server else sc,
           "calls": totals(os.path.join(work, mine)), "peer_calls": totals(os.path.join(work, peer))}
    shutil.rmtree(work, ignore_errors=True)
    return res, (err.strip().splitlines() or [""])[-1][:200]


def compare(gossip, path):
    kind, text = first_element(path)
    if kind not in ("send", "recv"):
        return None
    if re.search(r"\[field|play_pcap|rtp_stream|rtpstream|rtp_echo", text):
        return None
    server = kind == "recv"
    want, _ = run("sipp", path, server)
    got, err = run(gossip, path, server)
    if want == got:
        return "same %s" % path
    return "DIFF %s %s %s %s" % (path, json.dumps(want), json.dumps(got), err)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    gossip, files = sys.argv[1], sys.argv[2:]
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        for line in ex.map(lambda f: compare(gossip, f), files):
            if line:
                print(line, flush=True)


if __name__ == "__main__":
    main()
