#!/usr/bin/python3
"""The tutorial's Jupyter kernel: Deno's kernel behind a small relay that files
every output under the cell that made it.

Why: Deno's kernel (2.8.2 and later, `cli/js/jupyter_kernel.js`) queues a
cell's printed output and displays, stamps each with the request that is
current *when it is sent*, and reports the cell finished ("idle") without
waiting for that queue. Jupyter's clients stop listening for a cell at its
"idle", so a late output was lost (nbclient, nbconvert) or filed under the
next cell (the browser's Run All). This relay closes that race:

- it forwards the next `execute_request` only after the previous cell's
  "idle" has been passed on, so no output is stamped with a later cell;
- it holds each cell's "idle" and sends Deno's kernel a flush marker of its
  own (a request that prints and displays a token). Deno's output queues are
  first in, first out, so once both tokens are back every output of the cell
  has been sent; outputs that Deno stamped with the marker are the cell's and
  are passed on as the cell's (re-signed). Then the cell's "idle" goes out.
  No timing guess: this holds on a loaded machine too. A cell that printed a
  lot takes minutes to drain; the relay waits as long as output keeps coming
  and gives up only after 30 s of silence (or 15 minutes in all), saying so
  in the cell's stderr;
- no socket has a queue limit (see `unlimited`), so nothing is dropped when
  a client reads slower than Deno prints.

What it cannot do: Deno stamps an output with the request current when it is
sent, so a timer's `console.log` that runs after its cell finished goes out
with the last finished cell, after that cell's "idle" (the classic Notebook in
a browser still adds it to that cell; nbclient, so `jupyter nbconvert
--execute`, has stopped listening and drops it), or with the next cell if that
one is running by then. An error thrown in such a timer is neither sent nor
printed by Deno's kernel: the relay never sees it. Cells should `await` their
timers (notebook A1 says so).

How: it binds the five sockets of Jupyter's connection file, starts
`deno jupyter --kernel` on other local ports with the same key (so signed
messages pass through unchanged; only re-stamped late outputs and the
relay's own requests are signed here), and relays. Deno's kernel
keeps only the first routing identity of a request, so the relay remembers
each request's routing frames by `msg_id` and puts them back on the replies.
Heartbeats are answered here (the relay exits when Deno's kernel exits).
SIGINT (Jupyter's "interrupt") is forwarded to Deno's kernel; Deno 2.9 exits
on it, and the relay exits with it, so Jupyter restarts the kernel as it would
without the relay. SIGTERM, SIGHUP and a `shutdown_request` stop Deno's
kernel; if the relay itself is killed, Linux stops Deno's kernel too
(PR_SET_PDEATHSIG): no orphan kernels.

Usage (the kernelspec's argv, written by `deno task setup`):
    /usr/bin/python3 tools/deno_kernel_shim.py --deno /usr/bin/deno {connection_file}
Needs python3-zmq (installed with Jupyter). Prints nothing except on failure.
"""

import argparse
import ctypes
import datetime
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict, deque

import zmq

# An execute_request whose reply came but whose "idle" never did is closed
# after this long, so one odd request cannot stall the queue.
MISSING_IDLE_SECONDS = 2.0
# After a cell's "idle" the relay waits for its flush marker for as long as
# the cell's output keeps coming: a cell printing 200,000 lines takes minutes
# to drain on a loaded machine. It gives up only after this long with nothing
# at all from Deno for the cell (once the output is through, the marker takes
# milliseconds), so nothing can hang a notebook for good (the environment
# variable DENO_KERNEL_SHIM_SILENCE_SECONDS changes it, for the tests) ...
SILENCE_SECONDS = float(os.environ.get("DENO_KERNEL_SHIM_SILENCE_SECONDS", "30"))
# ... or after this long in all, however busy the output (a safety net: the
# marker goes through Deno's queues behind the cell's output, so it comes
# back unless Deno is stuck; DENO_KERNEL_SHIM_TOTAL_SECONDS changes it, for
# the tests). Either way the cell gets a one-line error.
TOTAL_SECONDS = float(os.environ.get("DENO_KERNEL_SHIM_TOTAL_SECONDS", "900"))
# Flush markers remembered with the cell they followed (see from_flush).
MARKERS_KEPT = 100
# Our own requests to Deno's kernel: readiness probes and flush markers.
PROBE = "deno-kernel-shim-probe-"
FLUSH = "deno-kernel-shim-flush-"
OUTPUTS = {"stream", "display_data", "execute_result", "error", "update_display_data", "clear_output"}
DELIMITER = b"<IDS|MSG>"
# Any flush marker's token, as printed (an old one can come back late).
TOKEN = re.compile(re.escape(FLUSH) + r"[0-9]+-[0-9a-f]{12}\n?")
PR_SET_PDEATHSIG = 1
DEBUG = os.environ.get("DENO_KERNEL_SHIM_DEBUG") == "1"


def debug(*parts):
    """With DENO_KERNEL_SHIM_DEBUG=1: one line per relayed message, on stderr."""
    if DEBUG:
        print(f"shim {time.monotonic():.3f}", *parts, file=sys.stderr, flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deno", default="deno", help="the Deno binary")
    parser.add_argument("connection_file", help="Jupyter's connection file")
    return parser.parse_args(argv)


def free_ports(ip, count):
    """`count` distinct ports the OS says are free on `ip` right now."""
    holders = []
    try:
        for _ in range(count):
            holder = socket.socket()
            holder.bind((ip, 0))
            holders.append(holder)
        return [holder.getsockname()[1] for holder in holders]
    finally:
        for holder in holders:
            holder.close()


def split(frames):
    """Routing frames and the message (from the delimiter on)."""
    index = frames.index(DELIMITER)
    return frames[:index], frames[index:]


def header_of(message):
    """The message's header and its parent's msg_id (frames from DELIMITER)."""
    header = json.loads(message[2])
    parent = json.loads(message[3]) if len(message) > 3 else {}
    return header, parent.get("msg_id")


def stop_with_parent():
    """Runs in Deno's kernel before exec: die when the relay dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def unlimited(sock):
    """The socket with no queue limit, set before it binds or connects.

    ZeroMQ's default high-water mark is 1,000 queued messages per peer, and a
    PUB socket (the client's IOPub) silently drops what comes beyond it: a
    cell printing 200,000 lines faster than Jupyter's client reads them lost
    tens of thousands of lines, and sometimes its "idle", which left the
    client waiting for good. Without a limit the messages wait in the relay's
    memory instead (at most what the cell printed); Deno's side is a plain
    TCP stream that simply slows down when we read slowly.
    """
    sock.linger = 0
    sock.sndhwm = 0
    sock.rcvhwm = 0
    return sock


class Relay:
    def __init__(self, connection_file, deno):
        with open(connection_file) as file:
            connection = json.load(file)
        self.context = zmq.Context()
        ip = connection["ip"]
        transport = connection.get("transport", "tcp")

        def url(port):
            return f"{transport}://{ip}:{port}"

        def bound(kind, port):
            sock = unlimited(self.context.socket(kind))
            sock.bind(url(port))
            return sock

        # The client's side: the ports of Jupyter's connection file.
        self.shell = bound(zmq.ROUTER, connection["shell_port"])
        self.control = bound(zmq.ROUTER, connection["control_port"])
        self.stdin = bound(zmq.ROUTER, connection["stdin_port"])
        # XPUB: a PUB that also reports its subscribers (see run)
        self.iopub = bound(zmq.XPUB, connection["iopub_port"])
        self.heartbeat = bound(zmq.REP, connection["hb_port"])

        # Deno's side: its own connection file with fresh ports, same key.
        names = ["shell_port", "control_port", "stdin_port", "iopub_port", "hb_port"]
        inner = dict(connection)
        inner.update(zip(names, free_ports(ip, len(names))))
        folder = os.path.dirname(os.path.abspath(connection_file))
        handle, self.inner_file = tempfile.mkstemp(
            prefix="deno-behind-shim-", suffix=".json", dir=folder
        )
        with os.fdopen(handle, "w") as file:
            json.dump(inner, file)
        identity = os.urandom(8).hex().encode()

        def connected(kind, port):
            sock = unlimited(self.context.socket(kind))
            if kind == zmq.SUB:
                sock.setsockopt(zmq.SUBSCRIBE, b"")
            else:
                # one identity on shell and stdin, as Jupyter's clients do, so
                # Deno's input requests find their way back
                sock.setsockopt(zmq.IDENTITY, identity)
            sock.connect(url(port))
            return sock

        self.deno_shell = connected(zmq.DEALER, inner["shell_port"])
        self.deno_control = connected(zmq.DEALER, inner["control_port"])
        self.deno_stdin = connected(zmq.DEALER, inner["stdin_port"])
        self.deno_iopub = connected(zmq.SUB, inner["iopub_port"])

        self.child = subprocess.Popen(
            [deno, "jupyter", "--kernel", "--conn", self.inner_file],
            preexec_fn=stop_with_parent,
        )
        self.key = connection.get("key", "").encode()
        self.digest = connection.get("signature_scheme", "hmac-sha256")[5:]
        self.ready = False  # whether Deno's IOPub reaches us yet
        self.probes = 0
        self.flushes = 0
        self.flushing = None  # the flush marker in flight, if any
        self.markers = OrderedDict()  # marker msg_id → header of its cell
        self.running_header = None
        self.probe_answered = True  # whether the next probe may be sent
        self.routes = {}  # msg_id → routing frames of the client's request
        self.waiting = deque()  # execute_requests not yet sent to Deno
        self.running = None  # the execute_request Deno is working on
        self.held_idle = None  # its "idle" status, held back
        self.reply_seen = False
        self.last_iopub = time.monotonic()
        self.last_output = time.monotonic()  # of the running cell's, see run
        self.reply_at = None
        self.stopping = False

    # --- start-up ---------------------------------------------------------

    def sign(self, frames):
        """The HMAC of a message's four JSON frames, with the shared key."""
        if not self.key:
            return b""
        mac = hmac.new(self.key, digestmod=getattr(hashlib, self.digest))
        for frame in frames:
            mac.update(frame)
        return mac.hexdigest().encode()

    def header(self, msg_id, msg_type):
        """A message header of the relay's own, as JSON bytes."""
        return json.dumps({
            "msg_id": msg_id,
            "session": "deno-kernel-shim",
            "username": "deno-kernel-shim",
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "msg_type": msg_type,
            "version": "5.3",
        }).encode()

    def request(self, msg_id, msg_type, content):
        """Sends Deno's kernel a request of our own, signed with the shared key."""
        frames = [self.header(msg_id, msg_type), b"{}", b"{}", json.dumps(content).encode()]
        self.deno_shell.send_multipart([DELIMITER, self.sign(frames), *frames])

    def warn(self, text):
        """Shows one line on the running cell's stderr (before its idle)."""
        frames = [
            self.header(f"deno-kernel-shim-warning-{os.urandom(6).hex()}", "stream"),
            self.running_header,
            b"{}",
            json.dumps({"name": "stderr", "text": text + "\n"}).encode(),
        ]
        self.iopub.send_multipart([DELIMITER, self.sign(frames), *frames])

    def probe(self):
        """Asks Deno's kernel for its info.

        Until an IOPub message answers a probe, Deno's IOPub may not reach us
        yet (a subscriber that connects late misses what was published
        before), so client requests wait in their sockets till then.
        """
        self.probes += 1
        self.request(f"{PROBE}{self.probes}", "kernel_info_request", {})

    def flush(self):
        """Asks Deno's kernel to print and display a token, after the cell.

        Deno's kernel sends outputs through queues in order, so when both
        tokens are back, everything the cell printed or displayed has been
        sent. Outputs drained meanwhile are stamped with this request: they
        are the cell's, and go to the client as the cell's (re-signed).
        """
        self.flushes += 1
        self.flushing = f"{FLUSH}{self.flushes}"
        self.markers[self.flushing] = self.running_header
        if len(self.markers) > MARKERS_KEPT:
            self.markers.popitem(last=False)
        self.token = f"{self.flushing}-{os.urandom(6).hex()}"
        self.tokens_seen = set()
        self.flush_idle = False
        self.flush_sent = self.last_output = time.monotonic()
        code = (
            f"console.log({json.dumps(self.token)});\n"
            f"await Deno.jupyter.display({{ \"text/plain\": {json.dumps(self.token)} }}, {{ raw: true }});"
        )
        self.request(
            self.flushing,
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": False,
            },
        )

    def restamped(self, routing, message, content=None, parent=None):
        """The message with the running cell (or `parent`) as its parent,
        signed again."""
        frames = [message[2], parent or self.running_header, message[4]]
        frames.append(message[5] if content is None else json.dumps(content).encode())
        return [*routing, DELIMITER, self.sign(frames), *frames, *message[6:]]

    # --- client → Deno ----------------------------------------------------

    def from_client(self, front, back):
        routing, message = split(front.recv_multipart())
        header, _ = header_of(message)
        debug("client →", header["msg_type"], header["msg_id"][-8:])
        self.routes[header["msg_id"]] = routing
        if front is self.shell and header["msg_type"] == "execute_request":
            self.waiting.append(message)
            self.send_next()
            return
        if front is self.control and header["msg_type"] == "shutdown_request":
            self.stopping = True
        back.send_multipart(message)

    def send_next(self):
        if self.running is not None or not self.waiting:
            return
        message = self.waiting.popleft()
        self.running = header_of(message)[0]["msg_id"]
        self.running_header = message[2]
        self.flushing = None
        self.held_idle = None
        self.reply_seen = False
        self.reply_at = None
        self.deno_shell.send_multipart(message)

    # --- Deno → client ----------------------------------------------------

    def to_client(self, back, front):
        message = back.recv_multipart()
        _, message = split(message)
        header, parent = header_of(message)
        if (parent or "").startswith(PROBE):
            self.probe_answered = True  # Deno is up; its IOPub may not be
            return
        if (parent or "").startswith(FLUSH):
            return  # the reply to a flush marker: ours
        debug("→ client", header["msg_type"], (parent or "")[-8:])
        routing = self.routes.get(parent)
        if routing is None:
            return  # a reply to nobody we know: nowhere to send it
        if back is self.deno_shell and parent == self.running:
            self.reply_seen = True
            self.reply_at = self.last_output = time.monotonic()
        elif back is not self.deno_stdin and parent != self.running:
            del self.routes[parent]  # its one reply: the route is done
        front.send_multipart(routing + message)

    def from_iopub(self):
        frames = self.deno_iopub.recv_multipart()
        self.last_iopub = time.monotonic()
        routing, message = split(frames)
        header, parent = header_of(message)
        kind = header["msg_type"]
        debug("iopub", kind, (parent or "")[-8:])
        if (parent or "").startswith(PROBE):
            self.ready = True  # Deno's IOPub reaches us: let clients in
            return
        if parent is not None and parent in (self.running, self.flushing):
            self.last_output = self.last_iopub  # the cell's output still flows
        if self.flushing is not None and self.is_token(message, kind):
            self.last_output = self.last_iopub
            # whichever request Deno stamped it with
            self.from_token(routing, message, kind)
            return
        content = None  # the message's content, if changed here
        if kind in ("stream", "display_data") and FLUSH.encode() in message[5]:
            # An earlier marker's token, late (after the relay gave up on it):
            # Deno may have stamped it with any request, even the next cell.
            content = json.loads(message[5])
            if kind == "stream":
                content["text"] = TOKEN.sub("", content["text"])
                if not content["text"]:
                    return
            elif TOKEN.fullmatch(str(content.get("data", {}).get("text/plain", ""))):
                return
        if (parent or "").startswith(FLUSH):
            self.from_flush(routing, message, kind, parent, content)
            return
        if (
            parent is not None
            and parent == self.running
            and kind == "status"
            and json.loads(message[5]).get("execution_state") == "idle"
        ):
            self.held_idle = frames
            self.flush()
            return
        if content is not None:
            frames = self.restamped(routing, message, content, message[3])
        self.iopub.send_multipart(frames)

    def is_token(self, message, kind):
        """Whether the message carries the current flush marker's token."""
        if kind not in ("stream", "display_data"):
            return False
        return self.token.encode() in message[5]

    def from_token(self, routing, message, kind):
        """Counts a token; passes on, as the cell's, what came with it."""
        if kind == "display_data":
            self.tokens_seen.add("display")
            return
        self.tokens_seen.add("stream")
        content = json.loads(message[5])
        content["text"] = content["text"].replace(self.token + "\n", "", 1)
        if content["text"]:
            self.iopub.send_multipart(self.restamped(routing, message, content))

    def from_flush(self, routing, message, kind, parent, content=None):
        """Anything else stamped with a flush marker: its idle, or output.

        Deno stamps an output with the request current when the output leaves
        its queue, so an output stamped with a marker was printed by the cell
        the marker followed, or later, between that cell and the next (a
        timer's `console.log`, after the cell's idle). Either way it goes out
        as that cell's (with `content`, if given): the running cell's
        output before its idle, a finished cell's late output after it
        (where nbclient no longer records it; see "What it cannot do")."""
        current = parent == self.flushing
        if current and kind == "status":
            if json.loads(message[5]).get("execution_state") == "idle":
                self.flush_idle = True
            return
        owner = self.markers.get(parent)
        if kind not in OUTPUTS or owner is None:
            return
        if not current:
            debug("late output of a finished cell:", kind)
        self.iopub.send_multipart(self.restamped(routing, message, content, owner))

    def finish_running(self, now):
        """Passes the cell's "idle" on once the flush marker is through."""
        if self.running is None:
            return
        if self.held_idle is not None:
            # The cell's execute_reply must be through too: once the cell is
            # finished its route is dropped, and a reply that comes later
            # (Deno's shell and IOPub are not ordered) would be lost, leaving
            # the client waiting for it.
            flushed = (
                self.flush_idle
                and self.tokens_seen == {"stream", "display"}
                and self.reply_seen
            )
            if not flushed:
                silent = now - self.last_output
                waited = now - self.flush_sent
                if silent < SILENCE_SECONDS and waited < TOTAL_SECONDS:
                    return
                debug("flush marker or reply incomplete:", silent, "s silent,", waited, "s in all")
                self.warn(
                    "The kernel relay stopped waiting for this cell's output "
                    + (
                        f"after {SILENCE_SECONDS:g} s in which Deno's kernel sent nothing"
                        if silent >= SILENCE_SECONDS
                        else f"after {TOTAL_SECONDS:g} s while it was still coming"
                    )
                    + "; some of it may be missing here or show up under the next cell."
                )
            self.iopub.send_multipart(self.held_idle)
        elif not (
            self.reply_seen
            and now - self.reply_at >= MISSING_IDLE_SECONDS
            and now - self.last_iopub >= MISSING_IDLE_SECONDS
        ):
            return
        self.routes.pop(self.running, None)
        self.running = None
        self.held_idle = None
        self.flushing = None
        self.send_next()

    # --- the loop -----------------------------------------------------------

    def run(self):
        poller = zmq.Poller()
        pairs = {
            self.shell: self.deno_shell,
            self.control: self.deno_control,
            self.stdin: self.deno_stdin,
        }
        backs = {back: front for front, back in pairs.items()}
        for sock in [*backs, self.deno_iopub, self.heartbeat]:
            poller.register(sock, zmq.POLLIN)
        poller.register(self.iopub, zmq.POLLIN)
        started = next_probe = time.monotonic()
        subscribed = False
        while self.child.poll() is None:
            # one probe at a time, so none pile up while Deno starts
            if (
                not self.ready
                and self.probe_answered
                and time.monotonic() >= next_probe
            ):
                self.probe_answered = False
                self.probe()
                next_probe = time.monotonic() + 0.05
            timeout = 5 if self.held_idle is not None or not self.ready else 100
            events = dict(poller.poll(timeout))
            # IOPub first: a cell's outputs go out before its reply's effects
            if self.deno_iopub in events:
                while self.deno_iopub.poll(0):
                    self.from_iopub()
            if self.iopub in events:
                while self.iopub.poll(0):
                    self.iopub.recv()  # a client's SUB (re)connected
                subscribed = True
            # A client's requests wait until Deno's IOPub reaches us and the
            # client's IOPub reaches us (or 2 s passed): what Deno publishes
            # then is never lost, even for a client that just reconnected
            # after a restart.
            if (
                self.ready
                and (subscribed or time.monotonic() - started > 2)
                and self.shell not in poller
            ):
                debug("ready for clients")
                for sock in pairs:
                    poller.register(sock, zmq.POLLIN)
            for sock in events:
                if sock in pairs:
                    self.from_client(sock, pairs[sock])
                elif sock in backs:
                    self.to_client(sock, backs[sock])
                elif sock is self.heartbeat:
                    self.heartbeat.send(self.heartbeat.recv())
            self.finish_running(time.monotonic())
        # Deno's kernel exited: pass on what it said last, then go.
        deadline = time.monotonic() + 0.2
        while time.monotonic() < deadline:
            events = dict(poller.poll(20))
            if not events:
                break
            for sock in events:
                if sock is self.deno_iopub:
                    self.iopub.send_multipart(sock.recv_multipart())
                elif sock in backs:
                    self.to_client(sock, backs[sock])
                elif sock in pairs or sock is self.iopub:
                    sock.recv_multipart()
                elif sock is self.heartbeat:
                    self.heartbeat.send(self.heartbeat.recv())
        return self.child.returncode

    def stop_child(self, signum=signal.SIGTERM):
        if self.child.poll() is None:
            self.child.send_signal(signum)
            try:
                self.child.wait(5)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait()

    def close(self):
        self.stop_child()
        try:
            os.remove(self.inner_file)
        except OSError:
            pass
        self.context.destroy(linger=0)


def main():
    args = parse_args(sys.argv[1:])
    relay = Relay(args.connection_file, args.deno)

    def forward(signum, _frame):
        if relay.child.poll() is None:
            relay.child.send_signal(signum)

    def terminate(signum, _frame):
        relay.stop_child()

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    code = 1
    try:
        code = relay.run()
    finally:
        relay.close()
    # Deno's exit status, as a signal when it was killed by one
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main())
