/**
 * Test helper: the check of an unknown option's `TypeError`, for the
 * tests of option keys. Imports no part of the library.
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * Asserts a TypeError for the unknown option `key` naming `label`,
 * suggesting `near` (or, with `null`, listing the options).
 */
export function unknownOption(
  label: string,
  key: string,
  near: string | null,
): (e: unknown) => true {
  return (e) => {
    assert.ok(e instanceof TypeError, String(e));
    assert.ok(e.message.includes(label), e.message);
    assert.ok(e.message.includes(`unknown option "${key}"`), e.message);
    if (near !== null) {
      assert.ok(e.message.endsWith(`did you mean "${near}"?`), e.message);
    } else assert.match(e.message, /the options are "/);
    return true;
  };
}
