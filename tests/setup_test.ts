import { assert, assertEquals, assertMatch, assertRejects } from "@std/assert";
import {
  checkSetup,
  formatSetup,
  TESTED_DENO_VERSION,
} from "../lib/notebook/setup.ts";

Deno.test("the setup check reports every version and the cpu backend", async () => {
  const report = await checkSetup();
  assertEquals(report.deno, Deno.version.deno);
  assertMatch(report.tfjs, /^4\.\d+\.\d+$/);
  assertMatch(report.plot, /^0\.6\.\d+$/);
  assertEquals(report.backend, "cpu");
  assertMatch(
    formatSetup(report),
    /^Deno \S+ · TensorFlow\.js \S+ \(cpu backend\) · Observable Plot \S+$/,
  );
});

Deno.test("a component older than required fails with a plain-language fix", async () => {
  await assertRejects(
    () => checkSetup({ minimum: { tfjs: "99.0.0" } }),
    Error,
    "is too old: the tutorial needs 99.0.0 or newer. Fix: check the @tensorflow/tfjs entry of deno.json",
  );
  await assertRejects(
    () => checkSetup({ minimum: { deno: "99.0.0" } }),
    Error,
    `Fix: install a newer Deno with \`npm install -g deno@${TESTED_DENO_VERSION}\``,
  );
  await assertRejects(
    () => checkSetup({ minimum: { plot: "0.99.0" } }),
    Error,
    "Observable Plot 0.6",
  );
});

Deno.test("the tested Deno version is the one of deno-version.json, and README and CI install it", async () => {
  const root = new URL("../", import.meta.url);
  const pinned = JSON.parse(
    await Deno.readTextFile(new URL("deno-version.json", root)),
  ).deno;
  assertEquals(TESTED_DENO_VERSION, pinned);
  assertMatch(pinned, /^\d+\.\d+\.\d+$/);
  const readme = await Deno.readTextFile(new URL("README.md", root));
  const installs = [...readme.matchAll(/npm install -g deno@(\S+)/g)].map((m) =>
    m[1]
  );
  assert(installs.length > 0, "README installs no Deno");
  assertEquals(installs, installs.map(() => pinned), "README's Deno version");
  const ci = await Deno.readTextFile(new URL(".ci/run", root));
  assert(
    ci.includes("deno-version.json"),
    ".ci/run does not read deno-version.json",
  );
});
