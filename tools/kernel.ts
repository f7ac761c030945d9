/**
 * Registers the tutorial's Jupyter kernel, `deno`: Deno's own kernel behind
 * the relay `tools/deno_kernel_shim.py`, which files every output under the
 * cell that made it (see that file for why). Used by `deno task setup`,
 * `deno task tutorial` and the notebook and browser tests, which register it
 * right before use, so they always drive this Deno and this relay.
 *
 * `ATTENTION_PLAIN_KERNEL=1` registers Deno's kernel without the relay
 * instead, to check whether a newer Deno still needs it (docs/kernel-relay.md).
 * @module
 */

import { TESTED_DENO_VERSION } from "../lib/notebook/setup.ts";

/** The Deno version the tutorial is tested with (`deno-version.json`). */
export const DENO_VERSION: string = TESTED_DENO_VERSION;

/** The relay, as an absolute path. */
export const SHIM: string = decodeURIComponent(
  new URL("deno_kernel_shim.py", import.meta.url).pathname,
);

/** Debian's Python, which has `python3-zmq` (a pyenv `python3` may not). */
const PYTHONS = ["/usr/bin/python3", "python3"];

/** The kernelspec name every notebook's metadata asks for. */
export const KERNEL_NAME = "deno";

/** The name Jupyter shows in its Kernel menu. */
export const DISPLAY_NAME = "Deno (Attention, cell by cell)";

/** What {@linkcode installKernel} registered. */
export interface Kernel {
  /** The kernelspec's folder. */
  dir: string;
  /** The kernelspec's argv, `{connection_file}` included. */
  argv: string[];
  /** The version of the Deno it runs, e.g. "2.9.6". */
  deno: string;
  /** Whether the relay runs in front of Deno's kernel. */
  shim: boolean;
}

/** Options for {@linkcode installKernel}. */
export interface InstallKernelOptions {
  /** The Deno binary the kernel runs; default: the one running this code. */
  deno?: string;
  /** Register Deno's kernel without the relay; default: `ATTENTION_PLAIN_KERNEL=1`. */
  plain?: boolean;
  /**
   * Jupyter's data folder to register the kernel in, given to `jupyter` as
   * `JUPYTER_DATA_DIR`; default: the user's (`jupyter --data-dir`). A Jupyter
   * started with the same `JUPYTER_DATA_DIR` finds this kernel and none of
   * the user's (the tests use a temporary folder).
   */
  dataDir?: string;
}

/**
 * Registers the kernelspec `deno`, replacing any earlier one, the way Jupyter
 * installs any kernel: Deno writes its own kernelspec (`deno jupyter
 * --install`, which brings its logos) into a scratch folder, its argv is
 * pointed at the relay, and `jupyter kernelspec install --user --replace`
 * copies it into Jupyter's data folder; `jupyter kernelspec list` must then
 * find it. Readers (`deno task setup`) and the tests run this same code.
 *
 * @param options Which Deno, whether to leave the relay out, and where.
 * @returns What was registered.
 * @throws {Error} When Jupyter, `jupyter kernelspec` (Debian's
 *   `jupyter-client`), Deno's kernel or Python's zmq is missing, with what to
 *   install.
 */
export async function installKernel(
  options: InstallKernelOptions = {},
): Promise<Kernel> {
  const deno = options.deno ?? Deno.execPath();
  const plain = options.plain ??
    Deno.env.get("ATTENTION_PLAIN_KERNEL") === "1";
  const version = /^deno (\S+)/.exec(await output(deno, ["--version"]))?.[1];
  if (version === undefined) throw new Error(`${deno} --version failed`);
  const argv = plain
    ? [deno, "jupyter", "--kernel", "--conn", "{connection_file}"]
    : [await python(), SHIM, "--deno", deno, "{connection_file}"];
  const jupyterEnv: Record<string, string> = options.dataDir === undefined
    ? {}
    : { JUPYTER_DATA_DIR: options.dataDir };
  const scratch = await Deno.makeTempDir({ prefix: "attention-kernelspec-" });
  try {
    // Deno writes to $XDG_DATA_HOME/jupyter/kernels/deno on Linux (elsewhere
    // to the user's folder, and the scratch spec then has no logos)
    await output(deno, ["jupyter", "--install", "--force"], {
      XDG_DATA_HOME: scratch,
    });
    const staged = `${scratch}/jupyter/kernels/${KERNEL_NAME}`;
    await Deno.mkdir(staged, { recursive: true });
    const spec = {
      argv,
      display_name: plain ? "Deno" : DISPLAY_NAME,
      language: "typescript",
    };
    await Deno.writeTextFile(
      `${staged}/kernel.json`,
      JSON.stringify(spec, null, 2) + "\n",
    );
    await output("jupyter", [
      "kernelspec",
      "install",
      "--user",
      "--replace",
      `--name=${KERNEL_NAME}`,
      staged,
    ], jupyterEnv);
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
  const specs = JSON.parse(
    await output("jupyter", ["kernelspec", "list", "--json"], jupyterEnv),
  );
  const found = specs.kernelspecs?.[KERNEL_NAME];
  if (found?.resource_dir === undefined) {
    throw new Error(
      "`jupyter kernelspec install` ran, but `jupyter kernelspec list` finds no `deno` kernel",
    );
  }
  if (JSON.stringify(found.spec?.argv) !== JSON.stringify(argv)) {
    throw new Error(
      `Jupyter finds another \`deno\` kernel first, in ${found.resource_dir} (a system-wide one?): remove it with \`jupyter kernelspec remove deno\``,
    );
  }
  return { dir: found.resource_dir, argv, deno: version, shim: !plain };
}

/** The first Python that imports zmq. */
async function python(): Promise<string> {
  for (const candidate of PYTHONS) {
    try {
      await output(candidate, ["-c", "import zmq"]);
      return candidate;
    } catch { /* try the next */ }
  }
  throw new Error(
    "the kernel relay needs Python with zmq: install the Debian package `python3-zmq` (it comes with jupyter-notebook)",
  );
}

/** A command's stdout; throws with its stderr when it fails. */
async function output(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command(command, {
      args,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `\`${command}\` is not on PATH${
          command === "jupyter"
            ? ": install the Debian packages `jupyter-notebook` and `jupyter-client`"
            : ""
        }`,
      );
    }
    throw error;
  }
  const decoder = new TextDecoder();
  if (!result.success) {
    // Debian's jupyter-notebook does not pull in `jupyter kernelspec`
    const hint = command === "jupyter" && args[0] === "kernelspec"
      ? " (`jupyter kernelspec` comes with the Debian package `jupyter-client`)"
      : "";
    throw new Error(
      `\`${command} ${args.join(" ")}\` failed: ${
        decoder.decode(result.stderr).trim().split("\n").at(-1)
      }${hint}`,
    );
  }
  return decoder.decode(result.stdout);
}

if (import.meta.main) {
  try {
    const kernel = await installKernel();
    console.log(
      `Registered the Jupyter kernel "${KERNEL_NAME}": Deno ${kernel.deno}${
        kernel.shim ? " behind tools/deno_kernel_shim.py" : " (plain, no relay)"
      }, in ${kernel.dir}`,
    );
    if (kernel.deno !== DENO_VERSION) {
      console.log(
        `note: the tutorial is tested with Deno ${DENO_VERSION} (deno-version.json); this is ${kernel.deno}`,
      );
    }
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
}
