import { expect } from 'chai';
import { Code, IllegalStateError } from '../../src/common/errors.ts';
import { acceptedCommands, MigThread } from '../../src/migtask/index.ts';
import type { MigCommand, MigState, Transition } from '../../src/migtask/index.ts';

/** The IllegalStateError `fn` throws. */
function refusal(fn: () => unknown): IllegalStateError {
  try {
    fn();
  } catch (e: unknown) {
    if (e instanceof IllegalStateError) return e;
    throw e;
  }
  throw new Error('expected an IllegalStateError, but the command was accepted');
}

/** A thread driven through `commands`, with every transition it published. */
function drive(commands: readonly MigCommand[], initial?: MigState): { thread: MigThread; seen: Transition[] } {
  const thread = new MigThread(initial);
  const seen: Transition[] = [];
  thread.transitions.subscribe((t) => seen.push(t));
  for (const c of commands) thread.apply(c);
  return { thread, seen };
}

describe('MigThread', () => {
  it('starts as an empty MigSink', () => {
    expect(new MigThread().state).to.equal('MigSink');
  });

  describe('as MigSink', () => {
    it('accepts Initialize and becomes MigSource once initialized', () => {
      const { thread } = drive(['Initialize', 'initialized']);
      expect(thread.state).to.equal('MigSource');
    });

    it('accepts Receive and becomes MigSource after stage and activate', () => {
      const { thread, seen } = drive(['Receive', 'stage', 'activate']);
      expect(thread.state).to.equal('MigSource');
      expect(seen.map((t) => t.to)).to.deep.equal(['Receiving', 'Staged', 'MigSource']);
    });

    it('refuses StopAndTransfer with FAILED_PRECONDITION naming the state and the command', () => {
      const thread = new MigThread();
      const e = refusal(() => thread.apply('StopAndTransfer'));
      expect(e.code).to.equal(Code.FAILED_PRECONDITION);
      expect(e.code).to.equal(9);
      expect(e.state).to.equal('MigSink');
      expect(e.command).to.equal('StopAndTransfer');
      expect(e.message).to.contain('StopAndTransfer').and.to.contain('MigSink');
      expect(e.message).to.contain('Initialize').and.to.contain('Receive');
      expect(thread.state).to.equal('MigSink');
    });

    it('refuses Kill (there is nothing to kill)', () => {
      expect(refusal(() => new MigThread().apply('Kill')).message).to.match(/Kill refused in state MigSink/);
    });
  });

  describe('as MigSource', () => {
    for (const command of ['Initialize', 'Receive'] as const) {
      it(`refuses ${command} with FAILED_PRECONDITION naming the state and the command`, () => {
        const { thread } = drive(['Initialize', 'initialized']);
        const e = refusal(() => thread.apply(command));
        expect(e.code).to.equal(Code.FAILED_PRECONDITION);
        expect(e.message).to.contain(command).and.to.contain('MigSource');
        expect(thread.state).to.equal('MigSource');
      });
    }

    it('accepts StopAndTransfer and becomes MigSink after commit and release', () => {
      const { thread, seen } = drive(['Initialize', 'initialized', 'StopAndTransfer', 'commit', 'release']);
      expect(thread.state).to.equal('MigSink');
      expect(seen.slice(2).map((t) => t.to)).to.deep.equal(['Transferring', 'Committing', 'MigSink']);
    });

    it('accepts Kill and becomes MigSink', () => {
      expect(drive(['Initialize', 'initialized', 'Kill']).thread.state).to.equal('MigSink');
    });
  });

  describe('transitional states', () => {
    it('refuse user commands while a transition is in progress, saying so', () => {
      const { thread } = drive(['Initialize', 'initialized', 'StopAndTransfer']);
      const e = refusal(() => thread.apply('StopAndTransfer'));
      expect(e.state).to.equal('Transferring');
      expect(e.message).to.contain('Transferring');
      expect(refusal(() => thread.apply('Kill')).state).to.equal('Transferring');
    });

    it('refuse user commands while committing', () => {
      const { thread } = drive(['Initialize', 'initialized', 'StopAndTransfer', 'commit']);
      expect(refusal(() => thread.apply('Kill')).state).to.equal('Committing');
      expect(refusal(() => thread.apply('StopAndTransfer')).state).to.equal('Committing');
      expect(thread.state).to.equal('Committing');
    });
  });

  describe('abort paths', () => {
    const cases: [string, MigCommand[], MigState, MigState][] = [
      ['a failed Initialize returns to MigSink', ['Initialize'], 'Initializing', 'MigSink'],
      ['a failed Receive returns to MigSink', ['Receive'], 'Receiving', 'MigSink'],
      ['a staged but never activated Receive returns to MigSink', ['Receive', 'stage'], 'Staged', 'MigSink'],
      ['a failed StopAndTransfer returns to MigSource', ['Initialize', 'initialized', 'StopAndTransfer'], 'Transferring', 'MigSource'],
      [
        'a commit the sink reports as aborted or unknown returns to MigSource',
        ['Initialize', 'initialized', 'StopAndTransfer', 'commit'],
        'Committing',
        'MigSource',
      ],
    ];
    for (const [what, before, from, to] of cases) {
      it(what, () => {
        const { thread, seen } = drive([...before, 'abort']);
        expect(thread.state).to.equal(to);
        expect(seen.at(-1)).to.deep.equal({ from, to, command: 'abort' });
      });
    }

    it('abort is refused where nothing is in progress', () => {
      expect(refusal(() => new MigThread().apply('abort')).state).to.equal('MigSink');
      expect(refusal(() => drive(['Initialize', 'initialized']).thread.apply('abort')).state).to.equal('MigSource');
    });
  });

  describe('publishing', () => {
    it('publishes every transition in order with from, to and command', () => {
      const { seen } = drive(['Initialize', 'initialized', 'StopAndTransfer', 'abort', 'Kill', 'Receive', 'stage', 'activate']);
      expect(seen).to.deep.equal([
        { from: 'MigSink', to: 'Initializing', command: 'Initialize' },
        { from: 'Initializing', to: 'MigSource', command: 'initialized' },
        { from: 'MigSource', to: 'Transferring', command: 'StopAndTransfer' },
        { from: 'Transferring', to: 'MigSource', command: 'abort' },
        { from: 'MigSource', to: 'MigSink', command: 'Kill' },
        { from: 'MigSink', to: 'Receiving', command: 'Receive' },
        { from: 'Receiving', to: 'Staged', command: 'stage' },
        { from: 'Staged', to: 'MigSource', command: 'activate' },
      ]);
    });

    it('publishes nothing for a refused command', () => {
      const { thread, seen } = drive([]);
      refusal(() => thread.apply('StopAndTransfer'));
      expect(seen).to.deep.equal([]);
    });

    it('check does not change the state', () => {
      const { thread, seen } = drive([]);
      expect(thread.check('Initialize')).to.equal('Initializing');
      expect(thread.state).to.equal('MigSink');
      expect(seen).to.deep.equal([]);
    });

    it('states replays the current state to a late subscriber, then follows changes', () => {
      const { thread } = drive(['Initialize']);
      const states: MigState[] = [];
      thread.states.subscribe((s) => states.push(s));
      thread.apply('initialized');
      expect(states).to.deep.equal(['Initializing', 'MigSource']);
    });

    it('complete ends both streams', () => {
      const thread = new MigThread();
      let done = 0;
      thread.states.subscribe({ complete: () => done++ });
      thread.transitions.subscribe({ complete: () => done++ });
      thread.complete();
      expect(done).to.equal(2);
    });
  });

  it('acceptedCommands lists what Info would show for each role', () => {
    expect(acceptedCommands('MigSink')).to.have.members(['Initialize', 'Receive']);
    expect(acceptedCommands('MigSource')).to.have.members(['StopAndTransfer', 'Kill']);
  });
});
