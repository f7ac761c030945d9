// README's "Run" command, as a reader types it: `deno task tutorial` must
// register the kernel and start a Jupyter server that offers it and runs a
// cell. Only Jupyter's data folder is private (JUPYTER_DATA_DIR), so the
// reader's own kernels are untouched; everything else is the reader's path.

import { assert, assertEquals } from "@std/assert";

const ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const TOKEN = "tutorial-test";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url}: ${response.status}`);
  }
  return await response.json();
}

Deno.test("deno task tutorial starts Jupyter offering the tutorial's kernel, and its kernel runs a cell", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "tutorial-jupyter-" });
  const port = await freePort();
  const root = Deno.uid() === 0 ? ["--allow-root"] : [];
  // setsid: the task runs a shell and Jupyter; one signal stops them all.
  const child = new Deno.Command("setsid", {
    args: [
      "deno",
      "task",
      "tutorial",
      ...root,
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      `--NotebookApp.token=${TOKEN}`,
    ],
    cwd: ROOT,
    env: { JUPYTER_DATA_DIR: dataDir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const log: string[] = [];
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const text = new TextDecoder();
    for await (const chunk of stream) {
      log.push(text.decode(chunk, { stream: true }));
    }
  };
  const reading = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const base = `http://127.0.0.1:${port}/api`;
  try {
    let specs: {
      kernelspecs?: Record<string, { spec: { display_name: string } }>;
    } | undefined;
    const deadline = Date.now() + 240_000; // a cold cache downloads packages first
    while (Date.now() < deadline) {
      try {
        specs = await getJson(
          `${base}/kernelspecs?token=${TOKEN}`,
        ) as typeof specs;
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    assert(
      specs,
      `no Jupyter server on port ${port} within 240 s:\n${log.join("")}`,
    );
    const deno = specs!.kernelspecs?.deno;
    assert(
      deno,
      `the server offers no "deno" kernel: ${JSON.stringify(specs)}`,
    );
    assertEquals(deno!.spec.display_name, "Deno (Attention, cell by cell)");
    // Start the kernel through the server and run a cell over its
    // websocket, as the notebook page does.
    const started = await fetch(`${base}/kernels?token=${TOKEN}`, {
      method: "POST",
      body: JSON.stringify({ name: "deno" }),
    });
    assertEquals(started.status, 201);
    const { id } = await started.json();
    const printed = await runCell(
      `ws://127.0.0.1:${port}/api/kernels/${id}/channels?token=${TOKEN}`,
      'console.log("cell " + (6 * 7))',
    );
    assertEquals(printed, "cell 42\n");
  } finally {
    try {
      Deno.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
    await reading;
    await Deno.remove(dataDir, { recursive: true });
  }
});

// Sends one execute_request over the kernel's websocket and returns what the
// cell printed once the kernel reports it idle again.
function runCell(url: string, code: string): Promise<string> {
  const msgId = crypto.randomUUID();
  const socket = new WebSocket(url);
  let printed = "";
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(
        new Error(
          `no reply from the kernel within 180 s (printed: ${printed})`,
        ),
      );
    }, 180_000);
    socket.onerror = () => reject(new Error("the kernel's websocket failed"));
    socket.onopen = () =>
      socket.send(JSON.stringify({
        header: {
          msg_id: msgId,
          msg_type: "execute_request",
          username: "test",
          session: crypto.randomUUID(),
          date: new Date().toISOString(),
          version: "5.3",
        },
        parent_header: {},
        metadata: {},
        content: { code, silent: false, store_history: true },
        channel: "shell",
        buffers: [],
      }));
    socket.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.parent_header?.msg_id !== msgId) return;
      if (msg.msg_type === "stream") printed += msg.content.text;
      if (
        msg.msg_type === "status" && msg.content.execution_state === "idle"
      ) {
        clearTimeout(timer);
        socket.close();
        resolve(printed);
      }
    };
  });
}
