// The layout of deno.json's tasks. `deno task` installs every npm package of
// the configuration's lock file before it runs anything (Deno issue 30887),
// so the root deno.json and deno.lock hold only what the notebooks import;
// the workshop's packages (the book's and the browser test's) live in
// tools/deno.json and tools/deno.lock, outside any workspace, and the tasks
// that need them name it with `--config`. The test tasks name every test file.
// (A plain deno run rewrites a lock file that holds packages its configuration
// no longer names; CI's `deno install --frozen` fails on one instead.)

import { assert, assertEquals } from "@std/assert";

const ROOT = new URL("../", import.meta.url);

interface Config {
  workspace?: string[];
  imports: Record<string, string>;
  tasks?: Record<string, string>;
  unstable?: string[];
}

interface Lock {
  specifiers: Record<string, string>;
  npm: Record<string, unknown>;
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(new URL(path, ROOT)));
}

async function testFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory) files.push(...await testFiles(`${path}/`));
    else if (entry.name.endsWith("_test.ts")) files.push(path);
  }
  return files;
}

// Whether a task argument (a folder, a file, or `folder/*_test.ts`) names a file.
function covers(argument: string, file: string): boolean {
  if (argument.endsWith("/*_test.ts")) {
    const folder = argument.slice(0, -"*_test.ts".length);
    return file.startsWith(folder) && !file.slice(folder.length).includes("/");
  }
  return argument.endsWith("/") ? file.startsWith(argument) : file === argument;
}

// The packages (bare specifiers, without a subpath) that import and export
// statements and dynamic imports of a set of files name; for a notebook,
// those of its code cells.
// Every import-map key that names one module rather than a package.
const MAPPED_MODULES = new Set(
  (await Promise.all(
    ["deno.json", "tools/deno.json"].map((f) =>
      Deno.readTextFile(new URL(f, ROOT)).then((t) =>
        Object.keys(JSON.parse(t).imports ?? {})
      )
    ),
  )).flat().filter((key) => key.split("/").length > 2),
);

async function bareImports(paths: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const path of paths) {
    let text = await Deno.readTextFile(new URL(path, ROOT));
    if (path.endsWith(".ipynb")) {
      const notebook = JSON.parse(text) as {
        cells: { cell_type: string; source: string[] | string }[];
      };
      text = notebook.cells.filter((c) => c.cell_type === "code")
        .map((c) => typeof c.source === "string" ? c.source : c.source.join(""))
        .join("\n");
    }
    const specifiers = [
      ...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s*"([^"]+)"/gm),
      ...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
    ].map((m) => m[1]);
    for (const specifier of specifiers) {
      if (/^(\.|\/|node:|npm:|jsr:|https?:)/.test(specifier)) continue;
      // A module mapped on its own ("@std/cli/parse-args") stays whole;
      // else "@scope/name/sub/path" → "@scope/name", "name/sub" → "name".
      const parts = specifier.split("/");
      found.add(
        MAPPED_MODULES.has(specifier)
          ? specifier
          : specifier.startsWith("@")
          ? parts.slice(0, 2).join("/")
          : parts[0],
      );
    }
  }
  return found;
}

async function filesIn(dir: string, ext: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory) files.push(...await filesIn(`${path}/`, ext));
    else if (entry.name.endsWith(ext)) files.push(path);
  }
  return files;
}

Deno.test("deno task test runs every test file, and test:unit every one outside tests/integration/", async () => {
  const { tasks = {} } = await readJson<Config>("deno.json");
  const files = await testFiles("tests/");
  assert(files.length > 10, `only ${files.length} test files found`);
  for (
    const [task, expected] of [
      ["test", files],
      ["test:unit", files.filter((f) => !f.startsWith("tests/integration/"))],
    ] as const
  ) {
    const args = tasks[task].split(/\s+/).filter((a) => a.startsWith("tests/"));
    const missed = expected.filter((f) => !args.some((a) => covers(a, f)));
    assert(missed.length === 0, `deno task ${task} skips ${missed.join(", ")}`);
  }
});

Deno.test("the root configuration is no workspace and imports only what the notebooks and lib/ import", async () => {
  const root = await readJson<Config>("deno.json");
  assertEquals(
    root.workspace,
    undefined,
    "a workspace makes deno task install every member's packages",
  );
  const used = await bareImports([
    ...await filesIn("lib/", ".ts"),
    ...await filesIn("notebooks/", ".ipynb"),
  ]);
  assertEquals(
    Object.keys(root.imports).sort(),
    [...used].sort(),
    "deno.json's imports should be exactly the packages lib/ and the notebooks import",
  );
});

Deno.test("tools/deno.json is the root's imports plus the workshop's, and its lock resolves the shared packages alike", async () => {
  const root = await readJson<Config>("deno.json");
  const tools = await readJson<Config>("tools/deno.json");
  assertEquals(tools.workspace, undefined);
  assertEquals(tools.unstable, root.unstable);
  for (const [name, specifier] of Object.entries(root.imports)) {
    assertEquals(
      tools.imports[name],
      specifier,
      `tools/deno.json must map ${name} as deno.json does`,
    );
  }
  const extra = Object.keys(tools.imports).filter((n) => !(n in root.imports));
  const workshop = await bareImports([
    ...await filesIn("tools/", ".ts"),
    ...await filesIn("tests/integration/", ".ts"),
    ...await filesIn("bench/", ".ts"),
  ]);
  assertEquals(
    extra.sort(),
    [...workshop].filter((s) => !(s in root.imports)).sort(),
    "tools/deno.json's own imports should be exactly what tools/, bench/ and tests/integration/ import beyond deno.json",
  );
  const rootLock = await readJson<Lock>("deno.lock");
  const toolsLock = await readJson<Lock>("tools/deno.lock");
  for (const [specifier, resolved] of Object.entries(rootLock.specifiers)) {
    assertEquals(
      toolsLock.specifiers[specifier],
      resolved,
      `tools/deno.lock resolves ${specifier} differently from deno.lock`,
    );
  }
  const workshopOnly = Object.keys(toolsLock.npm).filter((p) =>
    !(p in rootLock.npm)
  );
  assert(
    workshopOnly.length > 0,
    "tools/deno.lock adds no package to deno.lock's",
  );
  const packageOf = (specifier: string) =>
    specifier.replace(/^npm:/, "").replace(/@[^@]*$/, "");
  const rootPackages = new Set(Object.values(root.imports).map(packageOf));
  for (const name of extra) {
    const pkg = packageOf(tools.imports[name]);
    if (rootPackages.has(pkg)) continue; // another module of a reader's package
    assert(
      !Object.keys(rootLock.npm).some((p) => p.startsWith(`${pkg}@`)),
      `deno.lock holds ${pkg}, which only the workshop imports: deno task would install it for every reader`,
    );
  }
});

Deno.test("tasks that run workshop code name their configuration", async () => {
  const { tasks = {} } = await readJson<Config>("deno.json");
  for (const task of ["test", "test:unit", "check", "browser", "book"]) {
    assert(
      tasks[task].includes("--config tools/deno.json"),
      `deno task ${task} needs --config tools/deno.json (playwright-core, marked, …)`,
    );
  }
  for (const task of ["setup", "tutorial", "notebooks"]) {
    assert(
      tasks[task].includes("--config deno.json"),
      `deno task ${task} runs a tools/ script with the reader's configuration: --config deno.json`,
    );
  }
});
