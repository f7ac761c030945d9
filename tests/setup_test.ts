import { assertEquals, assertMatch, assertRejects } from "@std/assert";
import { checkSetup, formatSetup } from "../lib/setup.ts";

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
    "Fix: install a newer Deno with `npm install -g deno@2.9.6`",
  );
  await assertRejects(
    () => checkSetup({ minimum: { plot: "0.99.0" } }),
    Error,
    "Observable Plot 0.6",
  );
});
