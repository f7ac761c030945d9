// The library's import graph keeps its intended arrows: no cycle; the core
// imports nothing outside it; the trainer only the core; charts no trainer;
// the demo no chapter; mod.ts no chapter; lib/ nothing from the workshop.
//
// The graph is built by reading every lib/ file's import and export
// specifiers (static, type-only and dynamic), so the test runs in the unit
// tier, which has no --allow-run. Where `deno` may be run (the full tier),
// one more test checks that `deno info --json` finds no local arrow the
// parser missed, for lib/mod.ts, lib/cli.ts and every chapter module.

import { assert, assertEquals } from "@std/assert";

const LIB = new URL("../lib/", import.meta.url);

/** Every .ts file under lib/, as a path relative to lib/ ("core/model.ts"). */
function libFiles(dir = LIB, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = prefix + entry.name;
    if (entry.isDirectory) {
      out.push(...libFiles(new URL(`${entry.name}/`, dir), `${path}/`));
    } else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

// import … from "x", export … from "x", import "x", import("x"), import type.
const SPECIFIER =
  /(?:^|[;\s])(?:import|export)\s[^"'`;]*?from\s*["']([^"']+)["']|(?:^|[;\s])import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;

/** The local files a lib file imports, relative to lib/ ("../x" leaves lib). */
export function importsOf(file: string, source: string): string[] {
  // Comments (and the JSDoc examples in them) are not imports.
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  const found = new Set<string>();
  for (const m of code.matchAll(SPECIFIER)) {
    const specifier = m[1] ?? m[2] ?? m[3];
    if (!specifier.startsWith(".")) continue; // npm and mapped packages
    const url = new URL(specifier, new URL(file, LIB));
    found.add(
      url.href.startsWith(LIB.href)
        ? url.href.slice(LIB.href.length)
        : `../${url.href.slice(new URL("../", LIB).href.length)}`,
    );
  }
  return [...found].sort();
}

/** The graph: file → the files it imports. */
function graph(): Map<string, string[]> {
  return new Map(
    libFiles().map((file) => [
      file,
      importsOf(file, Deno.readTextFileSync(new URL(file, LIB))),
    ]),
  );
}

/** The first cycle found, as a path of files, or undefined. */
export function findCycle(
  edges: ReadonlyMap<string, readonly string[]>,
): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") {
      return [...path.slice(path.indexOf(node)), node];
    }
    state.set(node, "open");
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

const folder = (file: string) => file.includes("/") ? file.split("/")[0] : "";

// [from, to, why]: a file under `from` must not import one under `to`.
// A pattern is a folder, a folder + "/" + file, or "mod.ts"/"cli.ts".
const FORBIDDEN: [RegExp, RegExp, string][] = [
  [/^core\//, /^(?!core\/)/, "the core imports nothing outside lib/core/"],
  [/^train\//, /^(?!core\/|train\/)/, "the trainer imports only the core"],
  [/^charts\//, /^train\//, "charts take plain records, not the trainer's"],
  [
    /^charts\//,
    /^demo\/(training|handwritten|_tfjs_path)\.ts$/,
    "charts import no trainer (the demo's included)",
  ],
  [/^charts\//, /^(notebook|chapters)\//, "charts serve every chapter"],
  [/^demo\//, /^(chapters|notebook|charts)\//, "the demo imports no chapter"],
  [/^notebook\//, /^chapters\//, "notebook helpers serve every chapter"],
  [/^mod\.ts$/, /^chapters\//, "chapter modules are imported on their own"],
  [
    /^/,
    /^\.\.\/(tools|bench|tests)\//,
    "lib/ imports nothing from tools/, bench/ or tests/",
  ],
];

/** Every forbidden arrow of a graph, as "from → to (why)". */
export function forbiddenArrows(
  edges: ReadonlyMap<string, readonly string[]>,
): string[] {
  const bad: string[] = [];
  for (const [from, targets] of edges) {
    for (const to of targets) {
      for (const [source, target, why] of FORBIDDEN) {
        if (source.test(from) && target.test(to)) {
          bad.push(`${from} → ${to} (${why})`);
        }
      }
    }
  }
  return bad;
}

Deno.test("the import parser finds static, type-only, re-export and dynamic imports, not comments", () => {
  const source = [
    'import * as tf from "@tensorflow/tfjs";',
    'import { a } from "./a.ts";',
    'import type { B } from "../core/b.ts";',
    'export { c } from "./c.ts";',
    'const d = await import("./d.ts");',
    '// import { e } from "./e.ts";',
    '/** import { f } from "./f.ts"; */',
  ].join("\n");
  assertEquals(importsOf("demo/x.ts", source), [
    "core/b.ts",
    "demo/a.ts",
    "demo/c.ts",
    "demo/d.ts",
  ]);
});

Deno.test("the cycle finder and the arrow rules catch what they should", () => {
  const cyclic = new Map([["a.ts", ["b.ts"]], ["b.ts", ["a.ts"]]]);
  assertEquals(findCycle(cyclic), ["a.ts", "b.ts", "a.ts"]);
  assertEquals(
    findCycle(new Map([["a.ts", ["b.ts"]], ["b.ts", []]])),
    undefined,
  );
  assertEquals(
    forbiddenArrows(new Map([["core/x.ts", ["demo/config.ts"]]])).length,
    1,
  );
  assertEquals(
    forbiddenArrows(new Map([["charts/lines.ts", ["demo/training.ts"]]]))
      .length,
    1,
  );
  assertEquals(
    forbiddenArrows(new Map([["charts/lines.ts", ["core/model.ts"]]])),
    [],
  );
});

Deno.test("lib's import graph has no cycle", () => {
  const edges = graph();
  assert(edges.size > 30, `only ${edges.size} files found`);
  const cycle = findCycle(edges);
  assertEquals(cycle, undefined, `import cycle: ${cycle?.join(" → ")}`);
});

Deno.test("lib's import graph has none of the forbidden arrows", () => {
  assertEquals(forbiddenArrows(graph()), []);
});

Deno.test("lib/ holds only folders plus mod.ts and cli.ts, and each folder says what it is", () => {
  const top = [...Deno.readDirSync(LIB)];
  assertEquals(
    top.filter((e) => e.isFile).map((e) => e.name).sort(),
    ["cli.ts", "mod.ts"],
  );
  const folders = new Set(libFiles().map(folder).filter((f) => f !== ""));
  const dirs = libFiles().filter((f) => f.includes("/")).map((f) =>
    f.slice(0, f.lastIndexOf("/"))
  );
  for (const dir of new Set(dirs)) {
    if (dir.endsWith("/exercises")) continue; // one file per notebook, described by ../exercises.ts
    const readme = new URL(`${dir}/README.md`, LIB);
    const text = Deno.readTextFileSync(readme).trim();
    assert(text.length > 20, `${dir}/README.md says nothing`);
  }
  assert(folders.has("core") && folders.has("train") && folders.has("charts"));
});

Deno.test("mod.ts exports at most 90 names, each documented", () => {
  const source = Deno.readTextFileSync(new URL("mod.ts", LIB));
  const names = [...source.matchAll(/export\s*\{([^}]*)\}/g)]
    .flatMap((m) => m[1].split(","))
    .map((n) => n.trim().replace(/^type\s+/, ""))
    .filter((n) => n !== "");
  assertEquals(new Set(names).size, names.length, "a name is exported twice");
  assert(names.length <= 90, `${names.length} exports`);
  assert(!/export \*/.test(source), "no export *: every name is chosen");
  // Each name carries JSDoc where it is defined.
  const files = libFiles().filter((f) => f !== "mod.ts");
  const undocumented = names.filter((name) =>
    !files.some((file) => {
      const text = Deno.readTextFileSync(new URL(file, LIB));
      return new RegExp(
        String
          .raw`\*/\s*export\s+(?:declare\s+)?(?:async\s+)?(?:function|const|class|interface|type)\s+${name}\b`,
      ).test(text);
    })
  );
  assertEquals(undocumented, []);
});

const canRun =
  (await Deno.permissions.query({ name: "run", command: "deno" })).state ===
    "granted";

Deno.test({
  name: "deno info --json finds no local import the parser missed",
  ignore: !canRun,
  async fn() {
    const edges = graph();
    const roots = [
      "mod.ts",
      "cli.ts",
      ...libFiles().filter((f) => /^chapters\/[^/]+\/mod\.ts$/.test(f)),
    ];
    for (const root of roots) {
      const out = await new Deno.Command("deno", {
        args: ["info", "--json", new URL(root, LIB).pathname],
        stdout: "piped",
        stderr: "null",
      }).output();
      assert(out.success, `deno info ${root} failed`);
      const info = JSON.parse(new TextDecoder().decode(out.stdout));
      const local = (info.modules ?? []).filter((m: { specifier?: string }) =>
        m.specifier?.startsWith(LIB.href)
      );
      assert(
        local.length >= 3,
        `deno info ${root} listed ${local.length} lib files`,
      );
      for (const module of local) {
        const from = module.specifier.slice(LIB.href.length);
        for (const dependency of module.dependencies ?? []) {
          const target = dependency.code?.specifier ??
            dependency.type?.specifier;
          if (!target?.startsWith("file:")) continue;
          const to = target.startsWith(LIB.href)
            ? target.slice(LIB.href.length)
            : `../${target}`;
          assert(
            edges.get(from)?.includes(to),
            `${from} → ${to}: deno info sees it, the parser does not`,
          );
        }
      }
    }
  },
});
