/**
 * `migvisor migrate recover`: RecoverPostcopy on the node, then one line of
 * where the migration stands (--json: the RecoverPostcopyResponse).
 */
import { unary } from '../../common/index.ts';
import { printMessage } from '../print.ts';
import { withRemote } from '../remote.ts';
import type { NodeFlags } from '../remote-options.ts';

/** Asks node --node to recover the post-copy migration of `task` now. */
export function recover(task: string, flags: NodeFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.migTask(flags.node);
    const reply = await unary(c.RecoverPostcopy, c, { taskId: task }, `recover the post-copy migration of ${task} on ${flags.node}`);
    if (flags.json) printMessage('RecoverPostcopyResponse', reply);
    else process.stdout.write(`${task} on ${flags.node} (${reply.role}): ${reply.status}, ${reply.missingPages} page(s) missing\n`);
  });
}
