// An approver's decisions queued by an older version of the app, which kept them in
// localStorage (one key per person, its own client id and numbering), join the store's one
// queue, renumbered; then the old copy goes. Loaded on demand by store.js's openStore, and only
// on a device that still has such a key: the offline shell does not carry this once-only move.

/**
 * Move the old queue into `store` (store.decide keeps one decision per month, so a move taken
 * again after a crash before the removal finds each already queued); if a move fails, the old
 * copy stays for the next start. A key that is not JSON is left as it is.
 * @param {{store: import("../store.js").Store, key: string, names: string[]}} props
 *   names: the queue's decision kinds (anything else was never sendable: nothing to keep)
 */
export async function adopt({ store, key, names }) {
  const old = JSON.parse(localStorage.getItem(key) ?? "null");
  let kept = true;
  for (const m of old?.pending ?? []) {
    if (!names.includes(m.name)) continue;
    const result = await store.decide(m.name, m.args, m.label);
    kept &&= result.ok || result.violations[0].code === "already_queued";
  }
  if (old && kept) localStorage.removeItem(key);
}
