"""Drives the `deno` kernel through jupyter_client, as Jupyter's own clients do,
and prints what happened as one JSON object; tests/deno_kernel_shim_test.ts
asserts on it. Run with JUPYTER_DATA_DIR pointing at the Jupyter data folder
that holds the kernelspec to test:

    /usr/bin/python3 tests/_kernel_client.py SCENARIO [N]

Scenarios: run_all (N cells sent at once, like Run All), large_output (a
cell of 200,000 lines, one of 20 MB, one more), late_output (timers that fire
after their cell), stalled (Deno silent after a cell), overlong (a cell's output outlasts the
relay's patience), interrupt, restart, shutdown, sigterm, sigkill.
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


def start(**env):
    manager = KernelManager(kernel_name="deno")
    manager.start_kernel(env={**os.environ, "NO_COLOR": "1", **env})
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


LINES = 200_000
BIG_LINES = 20_000
BIG_WIDTH = 1_000


def large_output(lines=LINES, big_lines=BIG_LINES, width=BIG_WIDTH):
    """Three cells sent at once: one prints `lines` numbered lines, one prints
    `big_lines` numbered lines of `width` characters (20 MB by default), one
    prints a marker. Outputs are filed by parent and only until the cell's
    idle, as nbclient does; anything after an idle counts as late."""
    manager, client = start()
    try:
        cells = [
            f"for (let i = 0; i < {lines}; i++) console.log(i);",
            f'const pad = "x".repeat({width - 8});\n'
            f"for (let i = 0; i < {big_lines}; i++) "
            'console.log(String(i).padStart(7, "0") + " " + pad);',
            'console.log("next cell");',
        ]
        started = time.monotonic()
        ids = [client.execute(code) for code in cells]
        cell_of = {msg_id: i for i, msg_id in enumerate(ids)}
        texts = {i: [] for i in range(len(cells))}
        other = {i: [] for i in range(len(cells))}
        idle = {}
        late = 0
        deadline = time.monotonic() + 1800
        while len(idle) < len(cells) and time.monotonic() < deadline:
            msg = client.get_iopub_msg(timeout=600)
            cell = cell_of.get(msg["parent_header"].get("msg_id"))
            if cell is None:
                continue
            kind = msg["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                idle[cell] = round(time.monotonic() - started, 1)
            elif cell in idle and kind not in ("status", "execute_input"):
                late += 1
            elif kind == "stream" and msg["content"]["name"] == "stdout":
                texts[cell].append(msg["content"]["text"])
            elif kind not in ("status", "execute_input"):
                other[cell].append(json.dumps(msg["content"])[:300])
        try:
            while True:
                msg = client.get_iopub_msg(timeout=1)
                if msg["msg_type"] not in ("status", "execute_input"):
                    late += 1
        except queue.Empty:
            pass
        replies = [client.get_shell_msg(timeout=TIMEOUT) for _ in ids]
        got = {i: "".join(texts[i]).split("\n")[:-1] for i in texts}
        pad = "x" * (width - 8)
        expected = {
            0: [str(i) for i in range(lines)],
            1: [f"{i:07d} {pad}" for i in range(big_lines)],
            2: ["next cell"],
        }

        def compare(i):
            lines_got = got[i]
            want = expected[i]
            wanted = set(want)
            first_wrong = next(
                (n for n, (a, b) in enumerate(zip(lines_got, want)) if a != b),
                None,
            )
            return {
                "expected": len(want),
                "got": len(lines_got),
                "in_order": lines_got == want,
                "first_wrong": first_wrong,
                "missing": len(wanted - set(lines_got)),
                "foreign": sum(1 for line in lines_got if line not in wanted),
                "messages": len(texts[i]),
                "other_outputs": other[i][:3],
            }

        return {
            "cells": {str(i): compare(i) for i in expected},
            "idle_at": [idle.get(i) for i in range(len(cells))],
            "late": late,
            "replies": [r["content"]["status"] for r in replies],
            "seconds": round(time.monotonic() - started, 1),
        }
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def late_output():
    """A cell that leaves two timers behind: one prints, one throws, both
    after the cell's idle. Then the next cell. Reports where each went."""
    manager, client = start()
    try:
        first = client.execute(
            'setTimeout(() => console.log("late line"), 300);\n'
            'setTimeout(() => { throw new Error("late error"); }, 400);\n'
            '"first cell"'
        )
        events = []  # (cell, after its idle, msg_type, text)
        idle = set()

        def collect(ids, seconds, until=None):
            """Outputs for `seconds`, or until one with the text `until`."""
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if until is not None and any(e[3] == until for e in events):
                    break
                try:
                    msg = client.get_iopub_msg(timeout=0.2)
                except queue.Empty:
                    continue
                cell = ids.get(msg["parent_header"].get("msg_id"), "other")
                kind = msg["msg_type"]
                if kind == "status":
                    if msg["content"]["execution_state"] == "idle":
                        idle.add(cell)
                    continue
                if kind == "execute_input":
                    continue
                content = msg["content"]
                text = content.get("text") or content.get("evalue") or json.dumps(
                    content.get("data", {})
                )
                events.append([cell, cell in idle, kind, text.strip()])

        collect({first: "first"}, TIMEOUT, until="late line")
        collect({first: "first"}, 1)  # the error's timer has fired by then
        second = client.execute('console.log("second cell");')
        collect({first: "first", second: "second"}, 2)
        return {"events": events, "idle": sorted(idle)}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def stalled():
    """A cell whose timer blocks Deno's kernel for 6 s right after the cell,
    and the next cell, sent at once, with the relay told to give up after
    2 s of silence: what each cell shows."""
    manager, client = start(DENO_KERNEL_SHIM_SILENCE_SECONDS="2")
    try:
        ids = [
            client.execute(
                "setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 6000), 0);\n"
                '"stalled"'
            ),
            client.execute('console.log("next cell");'),
        ]
        outputs = {0: [], 1: []}
        idle = []
        deadline = time.monotonic() + TIMEOUT
        while len(idle) < 2 and time.monotonic() < deadline:
            msg = client.get_iopub_msg(timeout=TIMEOUT)
            cell = {msg_id: i for i, msg_id in enumerate(ids)}.get(
                msg["parent_header"].get("msg_id")
            )
            kind = msg["msg_type"]
            if cell is None or kind == "execute_input":
                continue
            if kind == "status":
                if msg["content"]["execution_state"] == "idle":
                    idle.append(cell)
                continue
            content = msg["content"]
            outputs[cell].append(
                [kind, content.get("name"), content.get("text") or content["data"]["text/plain"]]
            )
        return {"idle": idle, "outputs": [outputs[0], outputs[1]]}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def overlong(lines=20_000):
    """A cell printing `lines` numbered lines and the next cell, sent at once,
    with the relay told to wait at most 1 s in all after a cell's idle: what
    each cell shows."""
    manager, client = start(DENO_KERNEL_SHIM_TOTAL_SECONDS="1")
    try:
        ids = [
            client.execute(f"for (let i = 0; i < {lines}; i++) console.log(i);"),
            client.execute('console.log("next cell");'),
        ]
        cell_of = {msg_id: i for i, msg_id in enumerate(ids)}
        stdout = {0: [], 1: []}
        other = {0: [], 1: []}
        idle = []
        deadline = time.monotonic() + 600
        while len(idle) < 2 and time.monotonic() < deadline:
            msg = client.get_iopub_msg(timeout=600)
            cell = cell_of.get(msg["parent_header"].get("msg_id"))
            kind = msg["msg_type"]
            if cell is None or kind == "execute_input":
                continue
            if kind == "status":
                if msg["content"]["execution_state"] == "idle":
                    idle.append(cell)
            elif kind == "stream" and msg["content"]["name"] == "stdout":
                stdout[cell].append(msg["content"]["text"])
            else:
                other[cell].append([kind, msg["content"].get("text") or msg["content"]])
        # then the rest, late, until the kernel has been quiet for 3 s
        late = []
        try:
            while True:
                msg = client.get_iopub_msg(timeout=3)
                if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                    late.append(msg["content"]["text"])
        except queue.Empty:
            pass
        got = {i: "".join(stdout[i]).split("\n")[:-1] for i in stdout}
        got["late"] = "".join(late).split("\n")[:-1]
        numbers = [line for i in got for line in got[i] if line != "next cell"]
        return {
            "idle": idle,
            "other": [other[0], other[1]],
            "lines": [len(got[0]), len(got[1]), len(got["late"])],
            "all_lines_in_order": numbers == [str(i) for i in range(lines)],
            "next_cell_shown": got[1].count("next cell") + got["late"].count("next cell"),
        }
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    scenario = sys.argv[1]
    if scenario == "run_all":
        result = run_all(int(sys.argv[2]) if len(sys.argv) > 2 else 100)
    elif scenario == "large_output":
        result = large_output(*(int(n) for n in sys.argv[2:]))
    elif scenario == "sigterm":
        result = by_signal(signal.SIGTERM)
    elif scenario == "sigkill":
        result = by_signal(signal.SIGKILL)
    else:
        result = {
            "interrupt": interrupt,
            "restart": restart,
            "shutdown": shutdown,
            "late_output": late_output,
            "stalled": stalled,
            "overlong": overlong,
        }[scenario]()
    print(json.dumps(result))
