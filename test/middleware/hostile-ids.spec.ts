/**
 * Snapshot ids at the middleware's gRPC edge (README "## Limits"): an id longer
 * than a store can name a file after is refused with INVALID_ARGUMENT naming the
 * limit, never INTERNAL from the file system (ENAMETOOLONG). An in-process
 * middleware on a file store in a temporary folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { CHANNEL_OPTIONS, wire } from '../../src/common/index.ts';
import { FileStore, MiddlewareServer, NodeBook } from '../../src/middleware/index.ts';

describe('snapshot ids at the middleware', () => {
  let dir: string;
  let server: MiddlewareServer;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-mw-ids-'));
    server = new MiddlewareServer(await FileStore.open(dir), new NodeBook(undefined, undefined));
    await server.listen('127.0.0.1:0');
  });

  after(async () => {
    await server.shutdown(200);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses ids over 128 characters with INVALID_ARGUMENT, and answers NOT_FOUND up to it', async () => {
    const c = new (wire().Middleware)(server.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const inspect = (snapshotId: string): Promise<string> =>
      new Promise((resolve) => c.Inspect({ snapshotId }, { deadline: Date.now() + 5000 }, (e) => resolve(e ? `${e.code} ${e.details}` : 'ok')));
    try {
      expect(await inspect('s'.repeat(256))).to.equal(`${grpc.status.INVALID_ARGUMENT} snapshot_id: at most 128 characters, got 256`);
      expect(await inspect('s'.repeat(200))).to.equal(`${grpc.status.INVALID_ARGUMENT} snapshot_id: at most 128 characters, got 200`);
      expect(await inspect('s'.repeat(128))).to.match(new RegExp(`^${grpc.status.NOT_FOUND} `));
    } finally {
      c.close();
    }
  });
});
