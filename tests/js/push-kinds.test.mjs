// The muting list offers each person the notification kinds their roles can receive
// (pwa/js/online/push.js kindsFor, docs/notifications.md "Who").
import assert from "node:assert/strict";
import { test } from "node:test";

const { KINDS, KIND_ROLES, kindsFor } = await import("../../pwa/js/online/push.js");

test("each role is offered exactly the kinds sent to it", () => {
  assert.deepEqual(kindsFor(["consultant"]), [
    "month_not_submitted",
    "approved",
    "sent_back",
    "signed",
    "leave_decided",
  ]);
  assert.deepEqual(kindsFor(["manager"]), ["waiting_on_you", "leave_requested"]);
  assert.deepEqual(kindsFor(["admin"]), ["waiting_on_you", "leave_requested"]);
  assert.deepEqual(kindsFor(["client_signer"]), ["waiting_on_you"]);
  assert.deepEqual(kindsFor([]), []);
});

test("several roles add up, in the order of KINDS, and every kind reaches some role", () => {
  assert.deepEqual(kindsFor(["manager", "consultant"]), KINDS);
  assert.deepEqual(Object.keys(KIND_ROLES).sort(), [...KINDS].sort());
});
