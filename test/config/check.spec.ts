/**
 * The cluster-file checker: one test per problem it reports, each with its line
 * and message. Long because it lists every check; each case is a few lines of YAML.
 */
import { expect } from 'chai';
import { parseClusterText } from '../../src/config/load.ts';

/** Strips the indentation of a template literal so line 1 is the line after the backtick. */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const indent = Math.min(...text.split('\n').filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

/** Every problem as FILE:LINE: message; program files "exist" when named ok*.s. */
function check(text: string): string[] {
  const fileExists = (path: string): boolean => /\/ok[^/]*\.s$/.test(path);
  return parseClusterText(text, 'c.yaml', { fileExists }).problems.map((p) => p.message);
}

/** A node line in flow style, for tests about something else. */
const NODE = `{ cpu: { word: 32, endian: little }, memory: 1MiB, schedule: { major_frame: 10, windows: [] } }`;

describe('cluster checks', () => {
  describe('duplicate names', () => {
    it('refuses two nodes with one name', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
        nodes:
          - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
          - name: n1
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions: [app]
            schedule: { major_frame: 1, windows: [] }
      `;
      expect(check(text)).to.deep.equal(['c.yaml:9: duplicate node name n1 (first at line 8)']);
    });

    it('refuses two regions with one name in a partition', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
              - { name: code,  vaddr: 0x40000, paddr: 0x40000, size: 4KiB, rights: r }
        nodes:
          - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
      `;
      expect(check(text)).to.deep.equal(['c.yaml:7: partition app has two regions named code (first at line 5)']);
    });

    it('refuses a node that lists a partition twice', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
        nodes:
          - name: n1
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions:
              - app
              - app
            schedule: { major_frame: 1, windows: [] }
      `;
      expect(check(text)).to.deep.equal(['c.yaml:13: node n1 lists partition app twice (first at line 12)']);
    });

    it('refuses an inline partition that redefines a top-level one differently', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
        nodes:
          - name: n1
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions:
              - name: app
                slots: 2
                regions:
                  - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
                  - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
            schedule: { major_frame: 1, windows: [] }
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:12: partition app on node n1 clashes with the top-level partition app at line 3: slots 2 vs 1',
      ]);
    });

    it('accepts an inline partition identical to the top-level one of its name', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
        nodes:
          - name: n1
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions:
              - name: app
                regions:
                  - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
                  - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
            schedule: { major_frame: 1, windows: [] }
      `;
      expect(check(text)).to.deep.equal([]);
    });
  });

  describe('rights', () => {
    const withRights = (rights: string): string => yaml`
      version: 1
      partitions:
        app:
          regions:
            - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
            - name: data
              vaddr: 0x20000
              paddr: 0x20000
              size: 4KiB
              rights: ${rights}
            - { name: stack, vaddr: 0x30000, paddr: 0x30000, size: 16KiB, rights: rw }
      nodes:
        - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
    `;

    it('refuses a writable and executable region (W^X)', () => {
      expect(check(withRights('wx'))).to.deep.equal([
        'c.yaml:10: region app.data: rights "wx" make it writable and executable, which W^X forbids; use separate code and data regions',
      ]);
    });

    it('refuses an unknown letter and lists the allowed ones', () => {
      expect(check(withRights('rq'))).to.deep.equal(['c.yaml:10: region app.data: unknown right "q" in "rq" (allowed: r, w, x)']);
    });

    it('refuses a repeated letter', () => {
      expect(check(withRights('rwr'))).to.deep.equal(['c.yaml:10: region app.data: right "r" repeated in "rwr"']);
    });

    it('refuses empty rights', () => {
      expect(check(withRights("''"))).to.deep.equal(['c.yaml:10: region app.data: rights are empty (allowed: r, w, x)']);
    });

    it('accepts the letters in any order', () => {
      expect(check(withRights('wr'))).to.deep.equal([]);
    });

    const withGrants = (grants: string): string => yaml`
      version: 1
      providers:
        logs: { kind: file, path: logs }
        inbox: { kind: gate, capacity: 4, message_size: 64 }
      partitions:
        app:
          regions:
            - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
            - { name: stack, vaddr: 0x30000, paddr: 0x30000, size: 16KiB, rights: rw }
          providers:
            ${grants}
      nodes:
        - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
    `;

    it('allows r, w and rw on a file provider', () => {
      expect(check(withGrants('logs: wr'))).to.deep.equal([]);
      expect(check(withGrants('logs: x'))).to.deep.equal([
        'c.yaml:11: partition app: file provider logs: unknown right "x" in "x" (allowed: r, w, rw)',
      ]);
    });

    it('allows s, r and sr on a gate provider', () => {
      expect(check(withGrants('inbox: rs'))).to.deep.equal([]);
      expect(check(withGrants('inbox: rw'))).to.deep.equal([
        'c.yaml:11: partition app: gate provider inbox: unknown right "w" in "rw" (allowed: s (send), r (receive), sr)',
      ]);
      expect(check(withGrants('inbox: ss'))).to.deep.equal(['c.yaml:11: partition app: gate provider inbox: right "s" repeated in "ss"']);
    });
  });

  describe('references', () => {
    it('refuses a node listing an unknown partition', () => {
      const text = yaml`
        version: 1
        nodes:
          - name: n1
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions: [ctl]
            schedule: { major_frame: 1, windows: [] }
      `;
      expect(check(text)).to.deep.equal(['c.yaml:6: node n1 lists unknown partition "ctl"']);
    });

    it('explains that an inline partition cannot be referenced from another node', () => {
      const text = yaml`
        version: 1
        nodes:
          - name: n1
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions:
              - name: app
                regions:
                  - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
                  - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
            schedule: { major_frame: 1, windows: [] }
          - name: n2
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions: [app]
            schedule: { major_frame: 1, windows: [] }
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:15: node n2 lists unknown partition "app" (it is defined inline on node n1 only; move it under the top-level partitions to share it)',
      ]);
    });

    it('refuses windows and tasks for unknown partitions', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
        nodes:
          - name: n1
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions: [app]
            schedule:
              major_frame: 10
              windows:
                - partition: apq
                  start: 0
                  duration: 5
            tasks:
              - { partition: appp, program: ok.s }
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:15: node n1: window for unknown partition "apq"',
        'c.yaml:19: node n1: task for unknown partition "appp"',
      ]);
    });

    it('refuses a grant of an unknown provider', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
            providers:
              logz: rw
        nodes:
          - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
      `;
      expect(check(text)).to.deep.equal(['c.yaml:8: partition app is granted unknown provider "logz"']);
    });

    it('refuses evacuation to an unknown node or to the node itself', () => {
      const text = yaml`
        version: 1
        nodes:
          - name: n1
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions: []
            schedule: { major_frame: 1, windows: [] }
            evacuate_to:
              - n2
              - n1
          - { name: n2, ${NODE.slice(2, -2)}, partitions: [], evacuate_to: [n3] }
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:10: node n1: evacuate_to names the node itself',
        'c.yaml:11: node n2: evacuate_to names unknown node "n3"',
      ]);
    });
  });

  describe('memory layout', () => {
    it('refuses overlapping virtual regions, naming both and their ranges', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 64KiB, rights: rx }
              - { name: data,  vaddr: 0x18000, paddr: 0x40000, size: 4KiB,  rights: rw }
              - { name: stack, vaddr: 0x80000, paddr: 0x80000, size: 16KiB, rights: rw }
        nodes:
          - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:6: partition app: region data [0x18000, 0x19000) overlaps region code [0x10000, 0x20000) in virtual memory',
      ]);
    });

    it('refuses overlapping physical extents across the partitions of a node, counting every slot', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            slots: 2
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB,  rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
          io:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x11000, size: 4KiB,  rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x40000, size: 16KiB, rights: rw }
        nodes:
          - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app, io], schedule: { major_frame: 1, windows: [] } }
      `;
      // app.code has two slots: [0x10000, 0x12000), so io.code at 0x11000 collides with slot 1.
      expect(check(text)).to.deep.equal([
        'c.yaml:10: node n1: physical memory of io.code [0x11000, 0x12000) overlaps app.code [0x10000, 0x12000) (2 slots)',
      ]);
    });

    it('refuses a region outside the node memory', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000,  size: 4KiB,  rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0xfe000,  size: 16KiB, rights: rw }
        nodes:
          - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:6: node n1: region app.stack [0xfe000, 0x102000) lies outside its physical memory of 0x100000 bytes',
      ]);
    });

    it('refuses addresses and sizes that are not multiples of the page size', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            stack_per_traveler: 6KiB
            max_travelers: 2
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
              - name: stack
                vaddr: 0x20100
                paddr: 0x20000
                size: 12KiB
                rights: rw
        nodes:
          - { name: n1, cpu: { word: 32, endian: little, page_size: 8KiB }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
          - { name: n2, cpu: { word: 32, endian: little, page_size: 8KiB }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
      `;
      // Reported once for the shared definition, although both nodes boot it.
      expect(check(text)).to.deep.equal([
        'c.yaml:4: partition app: stack_per_traveler 0x1800 is not a multiple of the page size 0x2000 of node n1',
        'c.yaml:7: region app.code: size 0x1000 is not a multiple of the page size 0x2000 of node n1',
        'c.yaml:9: region app.stack: vaddr 0x20100 is not a multiple of the page size 0x2000 of node n1',
        'c.yaml:11: region app.stack: size 0x3000 is not a multiple of the page size 0x2000 of node n1',
      ]);
    });

    it('refuses a page size that is not a power of two of at least 256 bytes', () => {
      const text = yaml`
        version: 1
        nodes:
          - name: n1
            cpu: { word: 32, endian: little, page_size: 3000 }
            memory: 1MiB
            partitions: []
            schedule: { major_frame: 1, windows: [] }
          - { name: n2, cpu: { word: 32, endian: little, page_size: 128 }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [] } }
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:4: node n1: page_size 3000 must be a power of two of at least 256 bytes',
        'c.yaml:8: node n2: page_size 128 must be a power of two of at least 256 bytes',
      ]);
    });
  });

  describe('partition layout', () => {
    it('needs an executable region', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: data,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB,  rights: r }
              - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
        nodes:
          - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
      `;
      expect(check(text)).to.deep.equal(['c.yaml:3: partition app has no executable region (rights with x) to hold its code']);
    });

    it('needs a region named stack', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: code, vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
        nodes:
          - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
      `;
      expect(check(text)).to.deep.equal([
        "c.yaml:3: partition app has no region named stack (rights rw) for its travelers' stacks",
      ]);
    });

    it('needs the stack region to be rw', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB,  rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: r }
        nodes:
          - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
      `;
      expect(check(text)).to.deep.equal(['c.yaml:6: region app.stack must have rights rw, not "r"']);
    });

    it('needs room in the stack region for every traveler', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            max_travelers: 8
            stack_per_traveler: 4KiB
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB,  rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
        nodes:
          - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:5: partition app: stack_per_traveler 0x1000 * max_travelers 8 = 0x8000 bytes do not fit in region stack (0x4000 bytes)',
      ]);
    });

    it('keeps regions of 32-bit nodes inside 4 GiB', () => {
      const text = yaml`
        version: 1
        partitions:
          app:
            regions:
              - { name: code,  vaddr: 0x10000,    paddr: 0x10000, size: 4KiB,  rights: rx }
              - { name: stack, vaddr: 0xfffff000, paddr: 0x20000, size: 16KiB, rights: rw }
        nodes:
          - { name: n64, cpu: { word: 64, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
          - { name: n32, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app], schedule: { major_frame: 1, windows: [] } }
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:6: region app.stack [0xfffff000, 0x100003000) does not fit the 32-bit address space of node n32',
      ]);
    });
  });

  describe('schedule', () => {
    // Windows are interpolated one per line at the indentation of the placeholder.
    const scheduled = (windows: string[], partitions = '[app]'): string => yaml`
      version: 1
      partitions:
        app:
          regions:
            - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB,  rights: rx }
            - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
        io:
          regions:
            - { name: code,  vaddr: 0x10000, paddr: 0x40000, size: 4KiB,  rights: rx }
            - { name: stack, vaddr: 0x20000, paddr: 0x50000, size: 16KiB, rights: rw }
      nodes:
        - name: n1
          cpu: { word: 32, endian: little }
          memory: 1MiB
          partitions: ${partitions}
          schedule:
            major_frame: 10
            windows:
              ${windows.join(`\n${' '.repeat(14)}`)}
    `;

    it('refuses overlapping windows, at the later one', () => {
      const text = scheduled(['- { partition: app, start: 0, duration: 6 }', '- { partition: io, start: 4, duration: 4 }'], '[app, io]');
      expect(check(text)).to.deep.equal([
        'c.yaml:20: node n1: window for io [4, 8) overlaps the window for app [0, 6) at line 19',
      ]);
    });

    it('refuses a window that overruns the major frame', () => {
      const text = scheduled(['- { partition: app, start: 8, duration: 4 }']);
      expect(check(text)).to.deep.equal(['c.yaml:19: node n1: window for app [8, 12) overruns the major frame of 10 ticks']);
    });

    it('refuses a window for a partition the node does not boot', () => {
      const text = scheduled(['- { partition: io, start: 0, duration: 4 }']);
      expect(check(text)).to.deep.equal([
        "c.yaml:19: node n1: window for partition io, which the node does not boot (add it to the node's partitions)",
      ]);
    });
  });

  describe('MigPartitions', () => {
    const migratable = (size: string, paddr = '0x30000', slots = 1): string => yaml`
      version: 1
      partitions:
        ctrl:
          migratable: true
          regions:
            - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB,   rights: rx }
            - { name: data,  vaddr: 0x20000, paddr: 0x20000, size: 64KiB,  rights: rw }
            - { name: stack, vaddr: 0x40000, paddr: 0x40000, size: 16KiB,  rights: rw }
      nodes:
        - { name: field-a, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [ctrl], schedule: { major_frame: 1, windows: [] } }
        - name: field-b
          cpu: { word: 32, endian: little }
          memory: 1MiB
          partitions:
            - name: ctrl
              migratable: true
              slots: ${slots}
              regions:
                - { name: code,  vaddr: 0x10000, paddr: 0x10000,  size: 4KiB,   rights: rx }
                - { name: data,  vaddr: 0x20000, paddr: ${paddr}, size: ${size}, rights: rw }
                - { name: stack, vaddr: 0x40000, paddr: 0x80000,  size: 16KiB,  rights: rw }
          schedule: { major_frame: 1, windows: [] }
    `;

    it('refuses an inline definition that differs from the shared one, naming the first difference', () => {
      expect(check(migratable('128KiB'))).to.deep.equal([
        'c.yaml:15: partition ctrl on node field-b differs from its definition at line 3: region data size 0x20000 vs 0x10000',
      ]);
    });

    it('lets physical addresses and slots differ between nodes', () => {
      expect(check(migratable('64KiB', '0x60000', 2))).to.deep.equal([]);
    });

    it('compares inline definitions on different nodes with each other', () => {
      const text = yaml`
        version: 1
        nodes:
          - name: a
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions:
              - { name: m, migratable: true, max_travelers: 2, regions: [{ name: code, vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }, { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 8KiB, rights: rw }] }
            schedule: { major_frame: 1, windows: [] }
          - name: b
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions:
              - { name: m, migratable: true, max_travelers: 2, regions: [{ name: code, vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: r }, { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 8KiB, rights: rw }] }
            schedule: { major_frame: 1, windows: [] }
      `;
      expect(check(text)).to.include(
        'c.yaml:13: partition m on node b differs from its definition on node a at line 7: region code rights "r" vs "rx"',
      );
    });
  });

  describe('gates', () => {
    it('allows one receiver per gate on a node', () => {
      const text = yaml`
        version: 1
        providers:
          inbox: { kind: gate, capacity: 4, message_size: 64 }
        partitions:
          app:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB,  rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
            providers: { inbox: r }
          io:
            regions:
              - { name: code,  vaddr: 0x10000, paddr: 0x40000, size: 4KiB,  rights: rx }
              - { name: stack, vaddr: 0x20000, paddr: 0x50000, size: 16KiB, rights: rw }
            providers:
              inbox: sr
        nodes:
          - { name: n1, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [app, io], schedule: { major_frame: 1, windows: [] } }
          - { name: n2, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [io], schedule: { major_frame: 1, windows: [] } }
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:15: node n1: gate inbox can have one receiver, but partitions app and io both hold r',
      ]);
    });
  });

  describe('boot tasks', () => {
    const tasks = (list: string[], partition = ''): string => yaml`
      version: 1
      partitions:
        app:
          max_travelers: 2
          regions:
            - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB,  rights: rx }
            - { name: stack, vaddr: 0x20000, paddr: 0x20000, size: 16KiB, rights: rw }
        ${partition}
      nodes:
        - name: n1
          cpu: { word: 32, endian: little }
          memory: 1MiB
          partitions: [app]
          schedule: { major_frame: 1, windows: [] }
          tasks:
            ${list.join(`\n${' '.repeat(12)}`)}
    `;

    it('needs the program file to exist, relative to the cluster file', () => {
      expect(check(tasks(['- { partition: app, program: programs/missing.s }']))).to.deep.equal([
        `c.yaml:16: node n1: program programs/missing.s not found (looked in ${process.cwd()})`,
      ]);
    });

    it('refuses more travelers than max_travelers', () => {
      expect(check(tasks(['- { partition: app, program: ok.s, travelers: 3 }']))).to.deep.equal([
        'c.yaml:16: node n1: task in app has 3 travelers but max_travelers is 2',
      ]);
    });

    it('refuses more boot tasks than the partition has slots', () => {
      const list = ['- { partition: app, program: ok.s }', '- { partition: app, program: ok.s }'];
      expect(check(tasks(list))).to.deep.equal(['c.yaml:17: node n1: partition app has 1 slot but more boot tasks than that']);
    });

    it('refuses a task for a partition the node does not boot', () => {
      const io = 'io: { regions: [{ name: code, vaddr: 0, paddr: 0x80000, size: 4KiB, rights: rx }, { name: stack, vaddr: 0x1000, paddr: 0x81000, size: 16KiB, rights: rw }] }';
      expect(check(tasks(['- { partition: io, program: ok.s }'], io))).to.deep.equal([
        "c.yaml:16: node n1: task for partition io, which the node does not boot (add it to the node's partitions)",
      ]);
    });
  });

  describe('listen addresses', () => {
    it('must be host:port with a port up to 65535', () => {
      const text = yaml`
        version: 1
        nodes:
          - { name: n1, listen: localhost, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [] } }
          - { name: n2, listen: '127.0.0.1:70000', cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [] } }
          - { name: n3, listen: '[::1]:7000', cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [] } }
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:3: node n1: listen address "localhost" must be host:port with a port from 0 to 65535',
        'c.yaml:4: node n2: listen address "127.0.0.1:70000" must be host:port with a port from 0 to 65535',
      ]);
    });

    it('refuses two servers on one fixed port of one host, but not port 0', () => {
      const text = yaml`
        version: 1
        nodes:
          - { name: n1, listen: '127.0.0.1:7000', cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [] } }
          - { name: n2, listen: '127.0.0.1:0', cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [] } }
          - { name: n3, listen: '127.0.0.1:0', cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [] } }
          - { name: n4, listen: '127.0.0.2:7000', cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [] } }
        middleware:
          listen: 127.0.0.1:7000
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:8: the middleware listens on 127.0.0.1:7000, already taken by node n1 at line 3',
      ]);
    });
  });

  describe('metrics addresses', () => {
    it('must be host:port, at the line of the metrics key, for nodes and the middleware', () => {
      const text = yaml`
        version: 1
        nodes:
          - name: n1
            metrics: localhost
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions: []
            schedule: { major_frame: 1, windows: [] }
        middleware:
          listen: 127.0.0.1:0
          metrics: '127.0.0.1:99999'
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:4: node n1: metrics address "localhost" must be host:port with a port from 0 to 65535',
        'c.yaml:11: the middleware: metrics address "127.0.0.1:99999" must be host:port with a port from 0 to 65535',
      ]);
    });

    it('must be a string (the schema), and is kept when it is one', () => {
      expect(check(`version: 1\nnodes:\n  - { name: n1, metrics: 9100, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [] } }\n`)).to.deep.equal([
        'c.yaml:3: nodes[0].metrics: must be a string',
      ]);
      const ok = parseClusterText(`version: 1\nnodes:\n  - { name: n1, metrics: '127.0.0.1:9100', cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [] } }\n`, 'c.yaml');
      expect(ok.problems).to.deep.equal([]);
      expect(ok.config?.nodes[0]?.metrics).to.equal('127.0.0.1:9100');
    });

    it('refuses a metrics port another server or metrics endpoint of the host has, but not port 0', () => {
      const text = yaml`
        version: 1
        nodes:
          - { name: n1, listen: '127.0.0.1:7000', metrics: '127.0.0.1:0', cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [] } }
          - name: n2
            metrics: '127.0.0.1:7000'
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions: []
            schedule: { major_frame: 1, windows: [] }
          - { name: n3, metrics: '127.0.0.1:9100', cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [] } }
        middleware:
          metrics: 127.0.0.1:9100
      `;
      expect(check(text)).to.deep.equal([
        'c.yaml:5: node n2 serves metrics on 127.0.0.1:7000, already taken by node n1 at line 3',
        "c.yaml:12: the middleware serves metrics on 127.0.0.1:9100, already taken by node n3's metrics at line 10",
      ]);
    });
  });
});
