// Whether the benchmark's PyTorch twins can run: Debian's python3-torch under
// /usr/bin/python3 (a pyenv python3 may come first on PATH). Shared by
// bench/bench.ts, bench/task_bench.ts and the tests that need a twin.

/** The Python that has Debian's python3-torch. */
export const PYTHON = "/usr/bin/python3";

/** Whether /usr/bin/python3 can import torch; the reason when it cannot. */
export async function torchAvailable(): Promise<
  { ok: boolean; reason: string }
> {
  try {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", "import torch; print(torch.__version__)"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(
      out.code === 0 ? out.stdout : out.stderr,
    ).trim();
    return { ok: out.code === 0, reason: text.split("\n").at(-1) ?? "" };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `${PYTHON}: ${message}` };
  }
}
