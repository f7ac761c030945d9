import { assertEquals } from "@std/assert";
import { describe } from "../lib/core/_describe.ts";

Deno.test("describe shows any value briefly and never throws", () => {
  assertEquals(describe("4"), '"4"');
  assertEquals(describe(NaN), "NaN");
  assertEquals(describe(null), "null (object)");
  assertEquals(describe(undefined), "undefined (undefined)");
  assertEquals(describe(Symbol("x")), "Symbol(x) (symbol)");
  assertEquals(describe(3n), "3 (bigint)");
  assertEquals(describe([1, 2]), "[1,2]");
  assertEquals(describe([1n]), "an array of 1");
  assertEquals(describe(Object.create(null)), "a value of type object");
  const long = describe("x".repeat(10_000));
  assertEquals(long.length, 58);
  assertEquals(long.endsWith("…"), true);
  assertEquals(describe(new Array(100_000).fill(1)).length <= 60, true);
});
