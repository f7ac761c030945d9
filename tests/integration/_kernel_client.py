"""Drives the `deno` kernel through jupyter_client, as Jupyter's own clients do,
and prints what happened as one JSON object; tests/deno_kernel_shim_test.ts
asserts on it. Run with JUPYTER_DATA_DIR pointing at the Jupyter data folder
that holds the kernelspec to test:

    /usr/bin/python3 tests/_kernel_client.py SCENARIO [N]

Scenarios: run_all (N cells sent at once, like Run All), interrupt, restart,
shutdown, sigterm, sigkill.
"""

import json
import os
import queue
import signal
import sys
import time

from jupyter_client.manager import KernelManager

TIMEOUT = 60


def children(pid):
    """Process ids whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as file:
            state = file.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


def wait_gone(pids, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


def start():
    manager = KernelManager(kernel_name="deno")
    manager.start_kernel(env={**os.environ, "NO_COLOR": "1"})
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=TIMEOUT)
    return manager, client


def process(manager):
    return manager.provisioner.process


def execute(client, code):
    """Runs one cell; its reply status and text outputs until its idle."""
    msg_id = client.execute(code)
    texts = []
    while True:
        msg = client.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "stream":
            texts.append(msg["content"]["text"])
        elif kind in ("execute_result", "display_data"):
            texts.append(msg["content"]["data"].get("text/plain", ""))
        elif kind == "error":
            texts.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            break
    reply = client.get_shell_msg(timeout=TIMEOUT)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=TIMEOUT)
    return reply["content"]["status"], "".join(texts)


def run_all(count):
    """N cells sent at once; each prints a line, displays a value and ends
    with an expression. Outputs are filed by parent as the browser does, and
    only until the cell's idle, as nbclient does."""
    manager, client = start()
    try:
        kernel_info = client.kernel_info(reply=True, timeout=TIMEOUT)["content"]
        ids = [
            client.execute(
                f'console.log("line {i}");\n'
                f'await Deno.jupyter.display({{"text/plain": "shown {i}"}}, {{ raw: true }});\n'
                f'"value {i}"'
            )
            for i in range(count)
        ]
        cell_of = {msg_id: i for i, msg_id in enumerate(ids)}
        outputs = {i: [] for i in range(count)}
        idle = set()
        late = 0
        deadline = time.monotonic() + TIMEOUT
        while len(idle) < count and time.monotonic() < deadline:
            msg = client.get_iopub_msg(timeout=TIMEOUT)
            cell = cell_of.get(msg["parent_header"].get("msg_id"))
            if cell is None:
                continue
            kind = msg["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                idle.add(cell)
            elif kind in ("stream", "display_data", "execute_result"):
                if cell in idle:
                    late += 1  # after the idle: nbclient would lose it
                text = msg["content"].get("text") or msg["content"]["data"]["text/plain"]
                outputs[cell].append(text.strip().strip('"'))
        # anything still arriving after the last idle
        try:
            while True:
                msg = client.get_iopub_msg(timeout=0.5)
                if msg["msg_type"] in ("stream", "display_data", "execute_result"):
                    late += 1
        except queue.Empty:
            pass
        replies = [client.get_shell_msg(timeout=TIMEOUT) for _ in ids]
        misfiled = [
            {"cell": i, "outputs": outputs[i]}
            for i in range(count)
            if outputs[i] != [f"line {i}", f"shown {i}", f"value {i}"]
        ]
        return {
            "language": kernel_info.get("language_info", {}).get("name"),
            "cells": count,
            "idle": len(idle),
            "replies": sorted(r["content"]["status"] for r in replies).count("ok"),
            "replies_in_order": [r["parent_header"]["msg_id"] for r in replies] == ids,
            "late": late,
            "misfiled": misfiled,
        }
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def interrupt():
    """A running cell, then Kernel → Interrupt."""
    manager, client = start()
    try:
        pid = process(manager).pid
        deno = children(pid)
        client.execute("await new Promise((r) => setTimeout(r, 30000));")
        time.sleep(1)
        manager.interrupt_kernel()
        left = wait_gone([pid, *deno])
        code = process(manager).poll()
        manager.restart_kernel(now=True)
        client.wait_for_ready(timeout=TIMEOUT)
        status, text = execute(client, "6 * 7")
        return {
            "deno_children": len(deno),
            "left_running": left,
            "exit_code": code,
            "after_restart": [status, text],
        }
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def restart():
    """Kernel → Restart: the state is gone, the old processes too."""
    manager, client = start()
    try:
        execute(client, "globalThis.remembered = 41;")
        before = execute(client, "remembered + 1")
        pid = process(manager).pid
        deno = children(pid)
        manager.restart_kernel(now=False)
        client.wait_for_ready(timeout=TIMEOUT)
        after = execute(client, "typeof globalThis.remembered")
        return {
            "before": list(before),
            "after": list(after),
            "deno_children": len(deno),
            "left_running": wait_gone([pid, *deno]),
            "new_pid": process(manager).pid != pid,
        }
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def shutdown():
    """Kernel → Shutdown: the relay exits by itself, with Deno's kernel."""
    manager, client = start()
    pid = process(manager).pid
    deno = children(pid)
    popen = process(manager)
    started = time.monotonic()
    client.stop_channels()
    manager.shutdown_kernel(now=False)
    return {
        "deno_children": len(deno),
        "exit_code": popen.poll(),
        "seconds": round(time.monotonic() - started, 2),
        "left_running": wait_gone([pid, *deno]),
    }


def by_signal(signum):
    manager, client = start()
    popen = process(manager)
    deno = children(popen.pid)
    os.kill(popen.pid, signum)
    left = wait_gone([popen.pid, *deno])
    code = popen.poll()
    client.stop_channels()
    try:
        manager.shutdown_kernel(now=True)
    except Exception:
        pass
    return {"deno_children": len(deno), "left_running": left, "exit_code": code}


if __name__ == "__main__":
    scenario = sys.argv[1]
    if scenario == "run_all":
        result = run_all(int(sys.argv[2]) if len(sys.argv) > 2 else 100)
    elif scenario == "sigterm":
        result = by_signal(signal.SIGTERM)
    elif scenario == "sigkill":
        result = by_signal(signal.SIGKILL)
    else:
        result = {"interrupt": interrupt, "restart": restart, "shutdown": shutdown}[
            scenario
        ]()
    print(json.dumps(result))
