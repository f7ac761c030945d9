/**
 * The setup check each notebook runs first: it reports the versions of Deno,
 * TensorFlow.js (and its backend) and Observable Plot, and fails with a
 * plain-language fix when one is missing or too old.
 * @module
 */

import { lessThan, parse, tryParse } from "@std/semver";
import pinned from "../../deno-version.json" with { type: "json" };

/** The Deno version the tutorial is tested with: deno-version.json, the one place it lives. */
export const TESTED_DENO_VERSION: string = pinned.deno;

/** The components the setup check looks at. */
export type Component = "deno" | "tfjs" | "plot";

/** The oldest versions the tutorial is tested with. */
export const MINIMUM_VERSIONS: Readonly<Record<Component, string>> = Object
  .freeze({
    // Deno 2 resolves npm packages through deno.json and has Deno.jupyter
    deno: "2.0.0",
    // the tfjs version deno.json pins
    tfjs: "4.22.0",
    // the Plot version deno.json pins
    plot: "0.6.17",
  });

/** What {@linkcode checkSetup} found. */
export interface SetupReport {
  /** Deno's version. */
  deno: string;
  /** TensorFlow.js's version. */
  tfjs: string;
  /** The active tfjs backend, e.g. "cpu". */
  backend: string;
  /** Observable Plot's version. */
  plot: string;
}

/** Options for {@linkcode checkSetup}. */
export interface SetupOptions {
  /** Oldest accepted versions; default {@linkcode MINIMUM_VERSIONS}. */
  minimum?: Partial<Record<Component, string>>;
}

/**
 * Loads TensorFlow.js and Observable Plot and checks every version.
 *
 * @param options Oldest accepted versions (to check the check itself).
 * @returns The versions found.
 * @throws {Error} With a message saying what to install or upgrade.
 *
 * @example
 * ```ts
 * import { checkSetup } from "./setup.ts";
 * const report = await checkSetup();
 * if (report.backend !== "cpu") throw new Error(report.backend);
 * ```
 */
export async function checkSetup(
  options: SetupOptions = {},
): Promise<SetupReport> {
  const minimum: Record<Component, string> = {
    ...MINIMUM_VERSIONS,
    ...options.minimum,
  } as Record<Component, string>;
  const deno = Deno.version.deno;
  requireAtLeast(
    "Deno",
    deno,
    minimum.deno,
    `install a newer Deno with \`npm install -g deno@${TESTED_DENO_VERSION}\`, then run \`deno task setup\` and restart Jupyter`,
  );
  const tf = await load(
    "TensorFlow.js",
    () => import("@tensorflow/tfjs"),
  );
  tf.enableProdMode();
  await tf.ready();
  requireAtLeast(
    "TensorFlow.js",
    tf.version.tfjs,
    minimum.tfjs,
    "check the @tensorflow/tfjs entry of deno.json and run `deno install`",
  );
  const Plot = await load(
    "Observable Plot",
    () => import("@observablehq/plot"),
  );
  if (typeof Plot.plot !== "function") {
    throw new Error(
      "Observable Plot loaded without its plot() function: check the @observablehq/plot entry of deno.json",
    );
  }
  // Plot exports no version; its resolved path names it (…/plot/0.6.17/…).
  const plot = /plot[@/](\d+\.\d+\.\d+)/.exec(
    import.meta.resolve("@observablehq/plot"),
  )?.[1] ?? "unknown";
  if (plot !== "unknown") {
    requireAtLeast(
      "Observable Plot",
      plot,
      minimum.plot,
      "check the @observablehq/plot entry of deno.json and run `deno install`",
    );
  }
  return {
    deno,
    tfjs: tf.version.tfjs,
    backend: tf.getBackend(),
    plot,
  };
}

/**
 * One line per component, for the notebooks' first output.
 *
 * @param report What {@linkcode checkSetup} returned.
 * @returns For example `Deno 2.9.6 · TensorFlow.js 4.22.0 (cpu backend) · Observable Plot 0.6.17`.
 */
export function formatSetup(report: SetupReport): string {
  return `Deno ${report.deno} · TensorFlow.js ${report.tfjs} (${report.backend} backend) · Observable Plot ${report.plot}`;
}

async function load<T>(name: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    throw new Error(
      `${name} could not be loaded (${
        error instanceof Error ? error.message.split("\n")[0] : error
      }). Fix: from the repository root, with access to the npm registry, run \`deno install\`, then restart the kernel.`,
    );
  }
}

// Compares by semantic versioning: 2.0.0-rc.1 is older than 2.0.0, and
// build metadata (a canary's "+abc123") is ignored. A found version that is
// not semver at all is let through rather than refused.
function requireAtLeast(
  name: string,
  found: string,
  minimum: string,
  fix: string,
): void {
  const version = tryParse(found);
  if (version !== undefined && lessThan(version, parse(minimum))) {
    throw new Error(
      `${name} ${found} is too old: the tutorial needs ${minimum} or newer. Fix: ${fix}.`,
    );
  }
}
