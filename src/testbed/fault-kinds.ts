/**
 * The fault kinds of the testbed, with one line each on what they do: what
 * `migvisor fault --help` lists and scenario steps name. Dependency-free, so the
 * CLI can register its commands without loading the testbed.
 */

/** Every fault kind. */
export const FAULT_KINDS = [
  'kill-node',
  'restart-node',
  'kill-middleware',
  'restart-middleware',
  'freeze',
  'thaw',
  'cut',
  'heal',
  'corrupt',
  'delay',
  'fill-gate',
  'expire-deadline',
] as const;

/** A fault kind. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What each fault kind does, in one line. */
export const FAULT_HELP: Readonly<Record<FaultKind, string>> = {
  'kill-node': 'SIGKILL a node process (the tasks on it are lost with it)',
  'restart-node': 'start a node again on its address (killed first if it runs); it boots its boot tasks',
  'kill-middleware': 'SIGKILL the middleware process',
  'restart-middleware': 'start the middleware again on its address (its store persists)',
  freeze: 'SIGSTOP a process: it answers nothing until thawed (or for --for)',
  thaw: 'SIGCONT a frozen process',
  cut: 'cut a link: connections reset and refused (--mode blackhole: nothing passes, nothing answers)',
  heal: 'heal a cut link',
  corrupt: 'flip the next N payload bytes (--bytes) or one byte of the next chunk (--chunk) sent from A to B',
  delay: 'hold the next message sent from A to B longer (--by)',
  'fill-gate': 'send messages into a gate of a node until it is full',
  'expire-deadline': "declare the deadline of a task's migration expired now (it fails with DEADLINE_EXCEEDED)",
};
