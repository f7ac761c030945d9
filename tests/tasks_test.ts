// The test tasks in deno.json name every test file. `deno test tests/` is not
// enough: with tests/integration/ a workspace member, Deno then finds only the
// member's tests and silently skips the rest.

import { assert } from "@std/assert";

const ROOT = new URL("../", import.meta.url);

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

Deno.test("deno task test runs every test file, and test:unit every one outside tests/integration/", async () => {
  const { tasks, workspace = [] } = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", ROOT)),
  ) as { tasks: Record<string, string>; workspace?: string[] };
  const members = workspace.map((m) => `${m.replace(/^\.\//, "")}/`);
  const files = await testFiles("tests/");
  assert(files.length > 10, `only ${files.length} test files found`);
  for (
    const [task, expected] of [
      ["test", files],
      ["test:unit", files.filter((f) => !f.startsWith("tests/integration/"))],
    ] as const
  ) {
    const args = tasks[task].split(/\s+/).filter((a) => a.startsWith("tests/"));
    for (const arg of args) {
      const inside = members.filter((m) => m.startsWith(arg) && m !== arg);
      assert(
        inside.length === 0,
        `deno task ${task}: ${arg} holds the workspace member ${
          inside[0]
        }, and Deno then runs only the member's tests`,
      );
    }
    const missed = expected.filter((f) => !args.some((a) => covers(a, f)));
    assert(missed.length === 0, `deno task ${task} skips ${missed.join(", ")}`);
  }
});
