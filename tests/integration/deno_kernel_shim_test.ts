// The tutorial's kernel (tools/deno_kernel_shim.py in front of Deno's
// kernel), driven through jupyter_client as Jupyter's own clients drive it
// (tests/integration/_kernel_client.py): Run All files every output under its own cell
// before the cell's idle; interrupt, restart, shutdown and signals leave no
// Deno kernel running. With ATTENTION_PLAIN_KERNEL=1 the Run All check runs
// against Deno's kernel alone, to see whether a newer Deno still needs the
// relay (README); the relay-only checks are then ignored.

import { assert, assertEquals } from "@std/assert";
import {
  DENO_VERSION,
  DISPLAY_NAME,
  installKernel,
  type Kernel,
  SHIM,
} from "../../tools/kernel.ts";
import { ensureJupyter } from "../../tools/jupyter.ts";

const CLIENT = decodeURIComponent(
  new URL("_kernel_client.py", import.meta.url).pathname,
);
const PLAIN = Deno.env.get("ATTENTION_PLAIN_KERNEL") === "1";
/** Cells sent at once in the Run All check. */
const CELLS = 100;
/** How many Run All checks (a race needs more than one try). */
const RUNS = 3;

/** Registers the kernel in a temporary JUPYTER_PATH; removes it after `fn`. */
async function withKernel(
  fn: (
    kernel: Kernel,
    drive: (scenario: string) => Promise<Report>,
  ) => Promise<void>,
): Promise<void> {
  await ensureJupyter();
  const jupyterPath = await Deno.makeTempDir({ prefix: "attention-shim-" });
  try {
    const kernel = await installKernel({ jupyterPath });
    assertEquals(
      kernel.deno,
      DENO_VERSION,
      `the kernel runs Deno ${kernel.deno}, deno-version.json says ${DENO_VERSION}`,
    );
    await fn(kernel, (scenario) => drive(scenario, jupyterPath));
  } finally {
    await Deno.remove(jupyterPath, { recursive: true });
  }
}

// deno-lint-ignore no-explicit-any
type Report = Record<string, any>;

async function drive(scenario: string, jupyterPath: string): Promise<Report> {
  const result = await new Deno.Command("/usr/bin/python3", {
    args: [CLIENT, ...scenario.split(" ")],
    env: { JUPYTER_PATH: jupyterPath, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(result.stdout).trim();
  if (!result.success) {
    const stderr = new TextDecoder().decode(result.stderr).trim();
    throw new Error(
      `${scenario}: tests/integration/_kernel_client.py failed:\n${
        stderr.split("\n").slice(-15).join("\n")
      }`,
    );
  }
  return JSON.parse(stdout.split("\n").at(-1)!);
}

/** Runs the checks of one report; a failure also shows the whole report. */
function explain(report: Report, checks: () => void): void {
  try {
    checks();
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nreport: ${JSON.stringify(report)}`,
    );
  }
}

Deno.test(`Run All (${CELLS} cells sent at once, ${RUNS} times): every output in its own cell, before its idle`, async (t) => {
  await withKernel(async (kernel, drive) => {
    assertEquals(kernel.shim, !PLAIN);
    for (let run = 1; run <= RUNS; run++) {
      await t.step(`run ${run}`, async () => {
        const report = await drive(`run_all ${CELLS}`);
        explain(report, () => {
          assertEquals(report.language, "typescript");
          assertEquals(report.idle, CELLS, "cells that reported idle");
          assertEquals(report.replies, CELLS, "execute replies with status ok");
          assert(report.replies_in_order, "replies out of order");
          assertEquals(
            report.misfiled,
            [],
            `${report.misfiled.length} of ${CELLS} cells lost outputs or got another cell's (${
              kernel.argv[0]
            })`,
          );
          assertEquals(
            report.late,
            0,
            "outputs arrived after their cell's idle (nbclient drops them)",
          );
        });
      });
    }
  });
});

Deno.test({
  name: "the relay leaves no Deno kernel behind",
  ignore: PLAIN,
  async fn(t) {
    await withKernel(async (_kernel, drive) => {
      await t.step("shutdown: it exits by itself, with Deno", async () => {
        const report = await drive("shutdown");
        explain(report, () => {
          assertEquals(
            report.deno_children,
            1,
            "Deno's kernel under the relay",
          );
          assertEquals(report.left_running, []);
          // jupyter_client kills (SIGKILL) a kernel still running after 5 s
          assert(report.exit_code !== -9, "the relay had to be killed");
        });
      });
      await t.step("restart: state gone, old processes gone", async () => {
        const report = await drive("restart");
        explain(report, () => {
          assertEquals(report.before, ["ok", "42"]);
          assertEquals(report.after, ["ok", '"undefined"']);
          assert(report.new_pid, "the kernel process was not replaced");
          assertEquals(report.left_running, []);
        });
      });
      await t.step(
        "interrupt: forwarded to Deno (2.9 exits on it), then restart works",
        async () => {
          const report = await drive("interrupt");
          explain(report, () => {
            assertEquals(report.deno_children, 1);
            assertEquals(report.left_running, []);
            assertEquals(report.after_restart, ["ok", "42"]);
          });
        },
      );
      await t.step("SIGTERM stops Deno too", async () => {
        const report = await drive("sigterm");
        explain(report, () => {
          assertEquals(report.deno_children, 1);
          assertEquals(report.left_running, []);
        });
      });
      await t.step(
        "SIGKILL of the relay: Deno stops too (no orphan)",
        async () => {
          const report = await drive("sigkill");
          explain(report, () => {
            assertEquals(report.deno_children, 1);
            assertEquals(report.left_running, []);
          });
        },
      );
    });
  },
});

Deno.test("installKernel registers the relay in front of this Deno, or Deno's kernel alone", async () => {
  const jupyterPath = await Deno.makeTempDir({ prefix: "attention-spec-" });
  try {
    const relay = await installKernel({ jupyterPath, plain: false });
    const spec = JSON.parse(
      await Deno.readTextFile(`${jupyterPath}/kernels/deno/kernel.json`),
    );
    assertEquals(spec.argv, relay.argv);
    assertEquals(spec.argv.slice(1), [
      SHIM,
      "--deno",
      Deno.execPath(),
      "{connection_file}",
    ]);
    assertEquals(spec.display_name, DISPLAY_NAME);
    assertEquals(relay.deno, Deno.version.deno);
    const plain = await installKernel({ jupyterPath, plain: true });
    assertEquals(plain.shim, false);
    assertEquals(
      JSON.parse(
        await Deno.readTextFile(`${jupyterPath}/kernels/deno/kernel.json`),
      ).argv,
      [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
    );
  } finally {
    await Deno.remove(jupyterPath, { recursive: true });
  }
});
