"""Execute a Jupyter notebook with a real kernel, keeping late outputs.

Used by the notebook tests and `deno task notebooks` (through
tests/_jupyter.ts). It speaks to the kernel through jupyter_client, Jupyter's
own client library, like nbclient does, with one difference that matters for
the Deno kernel: Deno sometimes publishes a cell's last outputs *after* it
reports the cell idle. nbclient stops listening at idle and drops them; here
every iopub message is filed under the cell whose execute request it answers
(its parent msg_id), whenever it arrives, and after the last cell the channel
is drained until it has been quiet for a while.

Usage: python3 tests/_execute.py IN.ipynb OUT.ipynb [--cwd DIR]
       [--kernel deno] [--timeout 600] [--runs N]
Exit code 0 when every cell ran, 1 when a cell raised (its error is saved in
OUT and printed on stderr), 2 for a usage or kernel problem.
"""

import argparse
import queue
import sys
import time

import jupyter_client
import nbformat
from nbformat.v4 import output_from_msg

QUIET_SECONDS = 1.0  # after the last cell: stop once iopub is silent this long


class Recorder:
    """Turns iopub messages into nbformat outputs, per cell."""

    def __init__(self):
        self.cells = {}  # msg_id -> cell
        self.displays = {}  # display_id -> list of (cell, output)

    def handle(self, msg):
        cell = self.cells.get(msg["parent_header"].get("msg_id"))
        kind = msg["msg_type"]
        if cell is None or kind in ("status", "execute_input"):
            return
        content = msg["content"]
        if kind == "clear_output":
            cell.outputs = []
            return
        if kind == "update_display_data":
            for _, output in self.displays.get(content.get("transient", {}).get("display_id"), []):
                output["data"] = content["data"]
                output["metadata"] = content.get("metadata", {})
            return
        if kind == "stream" and cell.outputs and cell.outputs[-1].get("name") == content["name"] \
                and cell.outputs[-1]["output_type"] == "stream":
            cell.outputs[-1]["text"] += content["text"]
            return
        try:
            output = output_from_msg(msg)
        except ValueError:
            return  # comm messages and other non-output traffic
        cell.outputs.append(output)
        display_id = content.get("transient", {}).get("display_id")
        if display_id:
            self.displays.setdefault(display_id, []).append((cell, output))


def drain(client, recorder, until, quiet=None):
    """Process iopub messages until `until()` is true (or, with `quiet`, until
    no message has come for that many seconds)."""
    last = time.monotonic()
    while True:
        if until():
            return
        try:
            msg = client.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            if quiet is not None and time.monotonic() - last > quiet:
                return
            continue
        last = time.monotonic()
        recorder.handle(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            recorder.idle.add(msg["parent_header"].get("msg_id"))


def run(nb, client, timeout):
    recorder = Recorder()
    recorder.idle = set()
    count = 0
    failed = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.outputs = []
        cell.execution_count = None
        msg_id = client.execute(cell.source, allow_stdin=False, stop_on_error=True)
        recorder.cells[msg_id] = cell
        deadline = time.monotonic() + timeout
        reply = None
        while reply is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"cell {index} did not finish within {timeout} s")
            try:
                shell = client.get_shell_msg(timeout=0.05)
            except queue.Empty:
                drain(client, recorder, lambda: True)
                continue
            if shell["parent_header"].get("msg_id") == msg_id:
                reply = shell["content"]
        drain(client, recorder, lambda: msg_id in recorder.idle or time.monotonic() > deadline)
        count += 1
        cell.execution_count = reply.get("execution_count") or count
        if reply["status"] == "error":
            failed = (index, reply.get("ename", ""), reply.get("evalue", ""))
            break
    drain(client, recorder, lambda: False, quiet=QUIET_SECONDS)
    return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--cwd", default=None)
    parser.add_argument("--kernel", default="deno")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--runs", type=int, default=1,
                        help="run all cells this many times in the same kernel; "
                             "OUT gets the last run, OUT.runN.ipynb the earlier ones")
    args = parser.parse_args()
    nb = nbformat.read(args.input, as_version=4)
    try:
        manager, client = jupyter_client.manager.start_new_kernel(
            kernel_name=args.kernel, cwd=args.cwd)
    except Exception as error:  # noqa: BLE001 - report any start failure plainly
        print(f"error: could not start the {args.kernel} kernel: {error}", file=sys.stderr)
        return 2
    try:
        failed = None
        for run_number in range(1, args.runs + 1):
            failed = run(nb, client, args.timeout)
            if run_number < args.runs:
                nbformat.write(nb, f"{args.output}.run{run_number}.ipynb")
            if failed:
                break
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    nbformat.write(nb, args.output)
    if failed:
        index, name, value = failed
        print(f"error: cell {index} raised {name}: {value}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
