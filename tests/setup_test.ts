import { assertEquals, assertMatch } from "@std/assert";
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
