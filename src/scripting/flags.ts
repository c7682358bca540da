/** Script and function flags (Redis's SCRIPT_FLAG_*), shared by EVAL shebangs and FUNCTION. */
export const ScriptFlags = {
  noWrites: 1,
  allowOom: 2,
  allowStale: 4,
  noCluster: 8,
  allowCrossSlotKeys: 16,
} as const;

/** Each flag and its name, in the order FUNCTION LIST shows them. */
export const SCRIPT_FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [ScriptFlags.noWrites, 'no-writes'],
  [ScriptFlags.allowOom, 'allow-oom'],
  [ScriptFlags.allowStale, 'allow-stale'],
  [ScriptFlags.noCluster, 'no-cluster'],
  [ScriptFlags.allowCrossSlotKeys, 'allow-cross-slot-keys'],
];
