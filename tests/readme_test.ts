// README's set-up blocks: one for root, one with sudo, between
// <!-- setup:root --> / <!-- setup:sudo --> markers. CI (.ci/run) runs the
// as-root block word for word; these tests check that the blocks exist,
// parse as shell, say the same thing, install npm only when it is missing,
// name every package the tutorial uses, and that .ci/run really runs the
// block (and installs no package of the tutorial itself). Needs
// `--allow-run=bash`.

import { assert, assertEquals } from "@std/assert";
import { INSTALL_HINT } from "../tools/jupyter.ts";

const ROOT = new URL("../", import.meta.url);
const README = await Deno.readTextFile(new URL("README.md", ROOT));
const CI = await Deno.readTextFile(new URL(".ci/run", ROOT));

/** The Debian packages every reader needs (tutorial, kernel, relay, trust). */
const TUTORIAL_PACKAGES = [
  "jupyter-notebook", // the classic Notebook server
  "jupyter-nbconvert", // deno task notebooks, the notebook tests
  "python3-nbclient", // nbconvert's executor
  "jupyter-client", // `jupyter kernelspec`, which deno task setup calls
  "python3-nbformat", // `python3 -m nbformat.sign` in deno task tutorial
  "python3-zmq", // the kernel relay
];

/** The lines of the fenced block between `<!-- setup:NAME -->` markers. */
function setupBlock(name: string): string[] {
  const open = `<!-- setup:${name} -->`;
  const close = `<!-- /setup:${name} -->`;
  const parts = README.split("\n");
  const starts = parts.flatMap((line, i) => line === open ? [i] : []);
  assertEquals(starts.length, 1, `README has ${starts.length} ${open} markers`);
  const end = parts.indexOf(close, starts[0]);
  assert(end > starts[0], `README's ${open} has no ${close}`);
  const inner = parts.slice(starts[0] + 1, end).filter((l) => l.trim() !== "");
  assertEquals(inner[0], "```sh", `${open} must hold one \`\`\`sh block`);
  assertEquals(inner.at(-1), "```", `${open}'s block must end before ${close}`);
  const lines = inner.slice(1, -1);
  assert(
    !lines.some((l) => l.startsWith("```")),
    `${open} holds more than one block`,
  );
  return lines;
}

async function bash(args: string[]): Promise<Deno.CommandOutput> {
  return await new Deno.Command("bash", {
    args,
    cwd: new URL(".", ROOT),
    stdout: "piped",
    stderr: "piped",
  }).output();
}

// apt-get install's package names in some lines (options left out)
function aptPackages(lines: string[]): string[] {
  return lines.flatMap((line) =>
    [...line.matchAll(/apt-get install((?: +[^\s;|&`]+)+)/g)]
      .flatMap((m) => m[1].trim().split(/\s+/))
      .filter((word) => !word.startsWith("-"))
  );
}

Deno.test("README's set-up blocks parse as shell", async () => {
  for (const name of ["root", "sudo"]) {
    const block = setupBlock(name).join("\n");
    const result = await bash(["-n", "-c", block]);
    assert(
      result.success,
      `README's ${name} block does not parse: ${
        new TextDecoder().decode(result.stderr)
      }`,
    );
  }
});

Deno.test("README's sudo block is the root block with sudo", () => {
  const root = setupBlock("root");
  const withSudo = root
    .filter((line) => !line.startsWith("export DEBIAN_FRONTEND="))
    .map((line) => line.replace(/(^|\|\| )(apt-get|npm) /g, "$1sudo $2 "));
  assertEquals(setupBlock("sudo"), withSudo);
});

Deno.test("the set-up installs npm only when it is missing, and every package the tutorial uses", () => {
  for (const name of ["root", "sudo"]) {
    const lines = setupBlock(name);
    const npmLines = lines.filter((l) => /apt-get install -y npm\b/.test(l));
    assertEquals(npmLines.length, 1, `${name}: one line installs npm`);
    assert(
      /^command -v npm >\/dev\/null \|\| (sudo )?apt-get install -y npm$/.test(
        npmLines[0],
      ),
      `${name}: Debian's npm conflicts with NodeSource's nodejs, install it only when \`command -v npm\` fails: ${
        npmLines[0]
      }`,
    );
    const packages = aptPackages(lines);
    const missing = TUTORIAL_PACKAGES.filter((p) => !packages.includes(p));
    assertEquals(missing, [], `${name}: the set-up misses ${missing}`);
    assert(packages.includes("chromium"), `${name}: the browser test needs it`);
    assert(
      lines.some((l) => /npm install -g deno@\S+$/.test(l)),
      `${name}: the set-up installs no Deno`,
    );
  }
});

Deno.test("the missing-Jupyter hint names the set-up's Jupyter packages", () => {
  const hinted = aptPackages([INSTALL_HINT]);
  assertEquals(hinted, TUTORIAL_PACKAGES);
});

Deno.test(".ci/run runs README's as-root block word for word, before anything else it installs", async () => {
  const result = await bash([".ci/run", "--print-setup"]);
  assert(result.success, new TextDecoder().decode(result.stderr));
  assertEquals(
    new TextDecoder().decode(result.stdout).trimEnd().split("\n"),
    setupBlock("root"),
    ".ci/run --print-setup is not README's as-root block",
  );
  const lines = CI.split("\n");
  const runs = lines.findIndex((l) =>
    l.trim() === 'bash -euo pipefail -c "$SETUP"'
  );
  assert(runs >= 0, ".ci/run does not run the block it extracts");
  const first = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
  for (const pattern of [/apt-get install/, /deno (install|task|fmt|lint)/]) {
    const at = first(pattern);
    assert(at > runs, `.ci/run's line ${at + 1} runs before README's set-up`);
  }
  const own = aptPackages(lines.filter((l) => !l.trim().startsWith("#")));
  assertEquals(
    own.filter((p) => p.startsWith("python3-") || p.startsWith("jupyter")),
    ["python3-torch"],
    ".ci/run may add only what the tests need beyond README's set-up",
  );
});
