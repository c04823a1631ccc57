/** A progress bar on stderr when it is a terminal; nothing otherwise. */
import cliProgress from 'cli-progress';

/** A progress display a command updates. */
export interface Progress {
  update(done: number, total: number, phase: string): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal (`enabled`), else a display that shows nothing. */
export function progressBar(label: string, enabled = process.stderr.isTTY === true): Progress {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} pages | {phase}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, phase) {
      if (!started) {
        bar.start(Math.max(total, 1), done, { phase });
        started = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done, { phase });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
