/**
 * Containers on disk: `save` (checkpoint a task into a file), `load` (restore a
 * file into a MigSink slot) and `inspect` (decode and verify a file).
 */
import * as fs from 'node:fs';
import Table from 'cli-table3';
import { asFileRefusal, clientStream, COMPRESSION_WIRE, InvalidArgumentError, serverStream, toProtoJson, unary } from '../../common/index.ts';
import { ChunkVerifier, containerTargetProblem, inspectContainer, rawChunk, readContainerFile, wrapChunks, writeContainerFile, type InspectReport, type RawChunk } from '../../migtask/index.ts';
import { printMessage } from '../print.ts';
import { progressBar } from '../progress.ts';
import type { NodeFlags } from '../remote-options.ts';
import { withRemote } from '../remote.ts';
import { Exit, printJson } from '../run-command.ts';
import type { InspectFlags, SaveFlags } from './containers.ts';

/** Checkpoints `task` into `file`; the task stops once the file is safely written (unless --leave-running). */
export function save(task: string, file: string, flags: SaveFlags): Promise<void> {
  // A target that cannot take the file is refused before the task stops.
  const problem = containerTargetProblem(file);
  if (problem) throw new InvalidArgumentError(problem);
  return withRemote(flags, async (r) => {
    const c = await r.node(flags.node);
    const verifier = new ChunkVerifier();
    let migrationId = '';
    let pagesTotal = 0;
    const bar = progressBar(`save ${task}`);
    const call = c.Save({ taskId: task, compression: COMPRESSION_WIRE.toWire(flags.compress), leaveRunning: flags.leaveRunning ?? false });
    async function* verified(): AsyncGenerator<RawChunk> {
      for await (const wire of serverStream(call, `save ${task} on ${flags.node}`, c)) {
        const chunk = rawChunk(wire.chunk);
        const v = verifier.accept(chunk);
        if (v.kind === 'header') {
          migrationId = v.header.migrationId;
          pagesTotal = v.header.pagesToSend;
        }
        else if (v.kind === 'pages') await verifier.backpressure();
        bar.update(verifier.received.pages, pagesTotal, 'saving');
        yield chunk;
      }
      await verifier.finish();
    }
    let bytes: number;
    try {
      bytes = await writeContainerFile(file, verified());
      if (!verifier.done) throw new InvalidArgumentError('the node ended the container before its trailer');
    } catch (e: unknown) {
      bar.stop();
      // The node's stream may still be open (the file failed first): end it quietly.
      call.on('error', () => undefined);
      call.cancel();
      if (migrationId) await unary(c.CancelSave, c, { migrationId }, 'cancel save').catch(() => undefined);
      throw e;
    }
    bar.stop();
    const confirmed = flags.leaveRunning ? undefined : await unary(c.ConfirmSave, c, { migrationId }, `confirm save of ${task}`);
    // What the command did, beside the wire message of the confirmation: the same conventions (proto3 JSON).
    const result = {
      file,
      bytes: String(bytes),
      pages: String(verifier.received.pages),
      migrationId,
      stopped: !flags.leaveRunning,
      ...(confirmed ? { confirmSave: toProtoJson('ConfirmSaveResponse', confirmed) } : {}),
    };
    if (flags.json) printJson(result);
    else process.stdout.write(`saved ${task} to ${file} (${bytes} bytes, ${result.pages} pages)${flags.leaveRunning ? '; it keeps running' : `; it stopped on ${flags.node}`}\n`);
  });
}

/** Restores `file` into a free MigSink slot of a node and prints the task id. */
export function load(file: string, flags: NodeFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.node(flags.node);
    let reply;
    try {
      reply = await clientStream(c.Load, c, wrapChunks(readContainerFile(file)), `load ${file} on ${flags.node}`, 60_000);
    } catch (e: unknown) {
      // The file itself is bad (it does not verify, a field is malformed): an invalid input file, exit 2.
      throw asFileRefusal(e, file);
    }
    if (flags.json) printMessage('LoadResponse', reply);
    else process.stdout.write(`${reply.task?.taskId ?? ''}\n`);
  });
}

/** Decodes and verifies `file`; returns exit 2 if it does not verify. */
export async function inspect(file: string, flags: InspectFlags): Promise<number> {
  if (!fs.existsSync(file)) throw new InvalidArgumentError(`cannot read ${file}: no such file`);
  const report = await inspectContainer(readContainerFile(file));
  if (flags.json) printJson({ file, ...report });
  else if (!report.header) {
    // Nothing to describe: say why, in one line naming the file.
    const why = report.problems[0] ?? 'holds no container';
    process.stderr.write(`migvisor: ${why.includes(file) ? why : `${file}: ${why}`}\n`);
  } else process.stdout.write(renderReport(file, report));
  return report.valid ? Exit.OK : Exit.INVALID;
}

function renderReport(file: string, r: InspectReport): string {
  const out: string[] = [`container ${file}`];
  const h = r.header;
  if (h) {
    out.push(
      `  task        ${h.taskId} (${h.program}), ${h.mode}${h.paused ? ', paused' : ''}`,
      `  source      ${h.sourceNode} at tick ${h.sourceTick}, ${h.created}`,
      `  partition   ${h.partition}, fingerprint ${h.fingerprint}`,
      `  cpu         ${h.wordSize}-bit ${h.endian}-endian, ${h.pageCount} pages of ${h.pageSize} bytes`,
      `  format      version ${h.formatVersion}, migration ${h.migrationId}, ${h.gateMessages} queued gate message(s)`,
    );
  }
  const travelers = new Table({ head: ['TRAVELER', 'STATUS', 'PC', 'SP', 'FLAGS', 'PRIO', 'INSTRUCTIONS', 'WAIT', 'CLOSED HANDLES'], style: { head: [], border: [], compact: true } });
  for (const t of r.travelers) travelers.push([t.id, t.status, t.pc, t.sp, t.flags, t.priority, t.instructions, t.wait || '-', t.closedHandles.join(' ') || '-']);
  out.push(travelers.toString());
  for (const t of r.travelers) out.push(`  registers of ${t.id}: ${t.registers.map((v, i) => `r${i}=${v}`).join(' ')}`);
  const pages = new Table({ head: ['REGION', 'VADDR', 'PAGES', 'PRESENT', 'ZERO (ELIDED)', 'SENT', 'DIRTY'], style: { head: [], border: [], compact: true } });
  for (const m of r.regions) pages.push([m.name, m.vaddr, m.pages, m.present, m.zero, m.sent, m.dirty]);
  out.push(pages.toString());
  const comp = Object.entries(r.compression).map(([k, v]) => `${v} ${k}`).join(', ') || 'no page chunks';
  out.push(
    `  sizes       ${r.sizes.chunks} chunks, ${r.sizes.payloadBytes} payload bytes, ${r.sizes.pagesSent} pages (${r.sizes.pageBytes} bytes) of ${r.sizes.memoryBytes} bytes of memory; page chunks: ${comp}`,
    `  checksums   ${r.checksums.chunksOk} chunk(s) ok, ${r.checksums.chunksBad} bad; container digest ${r.checksums.container}`,
    `  verdict     ${r.valid ? 'valid' : 'INVALID'}`,
    ...r.problems.map((p) => `  problem     ${p}`),
  );
  return `${out.join('\n')}\n`;
}
