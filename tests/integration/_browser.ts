/// <reference lib="dom" />
/**
 * What the browser tests share: Debian's Chromium and its flags, a classic
 * Jupyter Notebook server on a random port serving a temporary copy of the
 * tutorial, and the classic Notebook front end's API (open a notebook, wait
 * until the kernel is idle, read the notebook back, shut the kernel down).
 * Used by browser_test.ts (every notebook, Run All) and views_browser_test.ts
 * (the interactive attention views).
 * @module
 */

import { assertEquals } from "@std/assert";
import type { Page } from "playwright-core";
import {
  ensureKernel,
  jupyterDataDir,
  type Notebook,
} from "../../tools/jupyter.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

export const CHROMIUM = "/usr/bin/chromium";
/** The flags that run Debian's Chromium headless as root (PLATFORM.md). */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Longest wait for one Run All, or one cell, to finish. */
export const RUN_TIMEOUT_MS = 10 * 60_000;

/** The classic Notebook front-end API (the page's `Jupyter` global) used here. */
export interface ClassicNotebook {
  _fully_loaded: boolean;
  kernel: {
    name: string;
    is_connected(): boolean;
    execute(
      code: string,
      callbacks: {
        shell: { reply(msg: KernelMessage): void };
        iopub: { output(msg: KernelMessage): void };
      },
      options: { silent: boolean; store_history: boolean },
    ): string;
  } | null;
  session: { delete(success: () => void, error: (e: unknown) => void): void };
  set_autosave_interval(milliseconds: number): void;
  restart_run_all(options: { confirm: boolean }): Promise<void>;
  execute_all_cells(): void;
  get_cells(): NotebookCell[];
  toJSON(): Notebook;
}

export interface NotebookCell {
  cell_type: string;
  /** A number once run, "*" while queued or running. */
  input_prompt_number: number | string | null | undefined;
  element: ArrayLike<HTMLElement>;
  get_text(): string;
  execute(): void;
}

export interface KernelMessage {
  msg_type: string;
  content: { status?: string };
}

export type PageWindow = { Jupyter?: { notebook?: ClassicNotebook } };

/** Fails with the Debian package to install when a tool is missing. */
export async function checkTools(): Promise<void> {
  const problems: string[] = [];
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    problems.push(
      `Chromium is not at ${CHROMIUM}: install the Debian package \`chromium\` (sudo apt-get install chromium).`,
    );
  }
  const version = await run("jupyter", ["notebook", "--version"]);
  if (version === undefined) {
    problems.push(
      "`jupyter notebook` does not run: install the Debian package `jupyter-notebook` (sudo apt-get install jupyter-notebook).",
    );
  } else if (!/^6\./.test(version.trim().split("\n").at(-1)!)) {
    problems.push(
      `this test drives the classic Notebook 6 front end, but \`jupyter notebook --version\` says ${version.trim()}: install the Debian package \`jupyter-notebook\` (Notebook 6).`,
    );
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  // Registers the Deno kernel if needed, as `deno task setup` does.
  await ensureKernel();
}

/** A command's stdout, or undefined when it is missing or fails. */
export async function run(
  command: string,
  args: string[],
): Promise<string | undefined> {
  try {
    const result = await new Deno.Command(command, {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return result.success ? new TextDecoder().decode(result.stdout) : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Copies what the notebooks need into `dir`: the notebooks, lib/, deno.json,
 * deno.lock and deno-version.json (so
 * "../lib/mod.ts" and the import map resolve as in the repository), and links
 * node_modules/ when the repository has one.
 */
export async function copyTutorial(
  dir: string,
  notebooks: string[],
): Promise<void> {
  await Deno.mkdir(`${dir}notebooks`, { recursive: true });
  for (const name of notebooks) {
    await Deno.copyFile(`${ROOT}notebooks/${name}`, `${dir}notebooks/${name}`);
  }
  await copyDirectory(`${ROOT}lib`, `${dir}lib`);
  for (const file of ["deno.json", "deno.lock", "deno-version.json"]) {
    await Deno.copyFile(ROOT + file, dir + file);
  }
  try {
    await Deno.stat(`${ROOT}node_modules`);
    await Deno.symlink(`${ROOT}node_modules`, `${dir}node_modules`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

export async function copyDirectory(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) {
      await copyDirectory(`${from}/${entry.name}`, `${to}/${entry.name}`);
    } else if (entry.isFile) {
      await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
    }
  }
}

export interface Server {
  /** e.g. "http://127.0.0.1:28888/". */
  url: string;
  token: string;
  child: Deno.ChildProcess;
  /** Everything the server printed so far. */
  log(): string;
  /** Settles when both output streams are read to the end. */
  drained: Promise<unknown>;
}

/**
 * Starts `jupyter notebook` serving `notebookDir` on a random port of
 * 127.0.0.1 (Jupyter tries the next ports if it is taken) with a random
 * token, and waits until it prints its address. The kernels it starts inherit
 * NO_COLOR=1, so outputs carry no ANSI colours. `extraArgs` go on the
 * command line, e.g. `--NotebookNotary.db_file=:memory:` (trust nothing).
 */
export async function startServer(
  notebookDir: string,
  runtimeDir: string,
  extraArgs: string[] = [],
): Promise<Server> {
  const token = crypto.randomUUID().replaceAll("-", "");
  const port = 20_000 + Math.floor(Math.random() * 30_000);
  const child = new Deno.Command("jupyter", {
    args: [
      "notebook",
      "--no-browser",
      "--allow-root",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--port-retries=50",
      `--NotebookApp.token=${token}`,
      `--notebook-dir=${notebookDir}`,
      ...extraArgs,
    ],
    cwd: ROOT,
    env: {
      NO_COLOR: "1",
      JUPYTER_RUNTIME_DIR: runtimeDir,
      // the kernel ensureKernel registered for this process, no other
      ...(jupyterDataDir === undefined
        ? {}
        : { JUPYTER_DATA_DIR: jupyterDataDir }),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      log += decoder.decode(chunk, { stream: true });
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  const server = { token, child, log: () => log, drained, url: "" };
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + 60_000;
  while (true) {
    const address = /http:\/\/127\.0\.0\.1:\d+\//.exec(log)?.[0];
    if (address !== undefined) return { ...server, url: address };
    if (exited || Date.now() > deadline) {
      if (!exited) await stopServer(server);
      throw new Error(
        `jupyter notebook did not start (${
          exited ? "it exited" : "no address after 60 s"
        }):\n${log.split("\n").slice(-30).join("\n")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGTERM (Jupyter then shuts its kernels down), SIGKILL after 15 s. */
export async function stopServer(server: Server): Promise<void> {
  try {
    server.child.kill("SIGTERM");
  } catch { /* already gone */ }
  const timer = setTimeout(() => {
    try {
      server.child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, 15_000);
  await server.child.status;
  clearTimeout(timer);
  await server.drained;
}

/**
 * Kills, by process id, any process whose command line names `dir`: a kernel
 * the server failed to stop (its connection file lives in `dir`/runtime).
 */
export async function killProcessesMentioning(dir: string): Promise<void> {
  const table = await run("ps", ["-eo", "pid=,args="]) ?? "";
  for (const line of table.split("\n")) {
    const [, pid, commandLine] = /^\s*(\d+)\s(.*)$/.exec(line) ?? [];
    if (commandLine?.includes(dir) && Number(pid) !== Deno.pid) {
      try {
        Deno.kill(Number(pid), "SIGKILL");
      } catch { /* already gone */ }
    }
  }
}

export async function openNotebook(
  page: Page,
  server: Server,
  name: string,
): Promise<void> {
  await page.goto(
    `${server.url}notebooks/notebooks/${name}?token=${server.token}`,
  );
  await page.waitForFunction(
    () => {
      const notebook = (globalThis as PageWindow).Jupyter?.notebook;
      return notebook?._fully_loaded === true &&
        notebook.kernel?.is_connected() === true;
    },
    undefined,
    { timeout: 120_000, polling: 250 },
  );
  const kernel = await page.evaluate(() => {
    const notebook = (globalThis as PageWindow).Jupyter!.notebook!;
    notebook.set_autosave_interval(0);
    return notebook.kernel!.name;
  });
  assertEquals(kernel, "deno", `${name} opened with kernel ${kernel}`);
}

/**
 * Waits until no code cell is queued or running ("*" prompt) and the kernel
 * indicator has shown idle for `settle` milliseconds. No extra wait for
 * late outputs: the relay sends a cell's idle only after its outputs.
 */
export async function waitUntilIdle(
  page: Page,
  name: string,
  settle = 100,
): Promise<void> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  let idleSince: number | undefined;
  while (idleSince === undefined || Date.now() - idleSince < settle) {
    if (Date.now() > deadline) {
      throw new Error(
        `${name}: still running after ${RUN_TIMEOUT_MS / 60_000} minutes`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const idle = await page.evaluate(() => {
      const notebook = (globalThis as PageWindow).Jupyter!.notebook!;
      const running = notebook.get_cells().some((cell) =>
        cell.cell_type === "code" && cell.input_prompt_number === "*"
      );
      const indicator = document.querySelector("#kernel_indicator_icon");
      return !running && indicator?.classList.contains("kernel_idle_icon");
    });
    if (!idle) idleSince = undefined;
    else idleSince ??= Date.now();
  }
}

/** The notebook as the page holds it, in nbformat. */
export function snapshot(page: Page): Promise<Notebook> {
  return page.evaluate(() =>
    (globalThis as PageWindow).Jupyter!.notebook!.toJSON()
  );
}

export function shutDownKernel(page: Page): Promise<void> {
  return page.evaluate(() =>
    new Promise<void>((resolve, reject) =>
      (globalThis as PageWindow).Jupyter!.notebook!.session.delete(
        resolve,
        reject,
      )
    )
  );
}
