/**
 * Watch's replay buffer at its limit: a watcher that resumes after events that
 * no longer fit is told so by one GAP event naming the lost numbers, then gets
 * every event still held, then the live ones: a gap is reported, never silent.
 * A real node server on loopback, its node stepped by hand, with a replay
 * buffer of 8 events.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { nodeClient, seededIds, serverStream } from '../../src/common/index.ts';
import { loadCluster } from '../../src/config/index.ts';
import type { Event__Output } from '../../src/generated/migvisor/v1/Event.ts';
import { Node, NodeServer } from '../../src/hypervisor/index.ts';

describe('Watch resume past the replay buffer', function () {
  this.timeout(20_000);
  let node: Node;
  let server: NodeServer;

  before(async () => {
    const cluster = loadCluster(path.resolve('config', 'cluster.yaml'));
    node = new Node(cluster.nodes.find((n) => n.name === 'field-a')!, cluster, { ids: seededIds(3), eventReplay: 8 });
    server = new NodeServer(node);
    await server.listen('127.0.0.1:0');
    node.boot();
  });

  after(async () => {
    await server.shutdown(200);
    node.shutdown();
  });

  it('reports the lost events as one GAP, then replays what is held, then goes on live', async () => {
    // The counter prints a line every few ticks: run until well over 8 events exist.
    while (node.eventLog.last < 30) node.step();
    const last = node.eventLog.last;
    const c = nodeClient(server.address);
    const got: Event__Output[] = [];
    try {
      const call = c.Watch({ afterSeq: 1 });
      const live = (async () => {
        for await (const m of serverStream(call, 'watch')) {
          got.push(m.event!);
          if (got.length === 1 + 8 + 3) break;
        }
      })();
      // Once the replay is through, three more events happen live.
      while (got.length < 9) await new Promise((r) => setTimeout(r, 5));
      const before = node.eventLog.last;
      while (node.eventLog.last < before + 3) node.step();
      await live;
    } finally {
      c.close();
    }
    expect(got[0]!.kind).to.equal('EVENT_KIND_GAP');
    expect(got[0]!.gap).to.deep.equal({ firstSeq: 2, lastSeq: last - 8 });
    const seqs = got.slice(1).map((e) => e.seq);
    expect(seqs, 'the held events, then the live ones, without a hole').to.deep.equal(seqs.map((_, i) => last - 7 + i));
  });
});
