import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { ConfigFileError, checkClusterFile, loadCluster, parseClusterText, parseSize } from '../../src/config/load.ts';
import { SourceErrors } from '../../src/common/errors.ts';

const DEFAULT_FILE = 'config/cluster.yaml';
const anyProgram = { fileExists: () => true };

/** Strips the indentation of a template literal so line 1 is the line after the backtick. */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const indent = Math.min(...text.split('\n').filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

function problems(text: string): string[] {
  return parseClusterText(text, 'c.yaml', anyProgram).problems.map((p) => p.message);
}

/** A valid cluster; tests below break one thing in it at a known line. */
const VALID = yaml`
  version: 1
  providers:
    logs: { kind: file, path: 'logs/{node}' }
  partitions:
    app:
      regions:
        - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx }
        - { name: stack, vaddr: 0x30000, paddr: 0x30000, size: 16KiB, rights: rw }
      providers: { logs: rw }
  nodes:
    - name: n1
      cpu: { word: 32, endian: little }
      memory: 1MiB
      partitions: [app]
      schedule:
        major_frame: 10
        windows:
          - { partition: app, start: 0, duration: 10 }
`;

function replaceLine(text: string, line: number, replacement: string): string {
  const lines = text.split('\n');
  lines[line - 1] = replacement;
  return lines.join('\n');
}

describe('cluster config loading', () => {
  describe('the default cluster (config/cluster.yaml)', () => {
    it('passes every check apart from boot-task programs', () => {
      expect(checkClusterFile(DEFAULT_FILE, anyProgram).problems.map((p) => p.message)).to.deep.equal([]);
    });

    it('loads with zero problems, programs included', function () {
      // The example programs are written by the assembler work; until they exist this cannot pass.
      if (!existsSync('config/programs/counter.s')) this.skip();
      expect(checkClusterFile(DEFAULT_FILE).problems.map((p) => p.message)).to.deep.equal([]);
    });

    it('is normalised: sizes in bytes, defaults filled, partitions resolved on each node', () => {
      const { config } = checkClusterFile(DEFAULT_FILE, anyProgram);
      expect(config).to.not.equal(undefined);
      if (!config) return;
      expect(config.file).to.equal(resolve(DEFAULT_FILE));
      expect(config.dir).to.equal(resolve('config'));
      expect(config.nodes.map((n) => n.name)).to.deep.equal(['field-a', 'field-b', 'field-c']);

      const [a, b, c] = config.nodes;
      expect(c?.cpu).to.deep.equal({ word: 64, endian: 'big', pageSize: 4096, instructionsPerTick: 4000 });
      expect(c?.memory).to.equal(32 * 1024 * 1024);
      expect(c?.compression).to.deep.equal(['none', 'deflate']);
      expect(c?.tasks).to.deep.equal([]);
      expect(c?.evacuateTo).to.deep.equal([]);
      expect(c?.partitions.map((p) => p.name)).to.deep.equal(['ctrl']);
      expect(a?.partitions.map((p) => p.name)).to.deep.equal(['ctrl', 'sensor']);
      expect(a?.evacuateTo).to.deep.equal(['field-b']);
      expect(a?.schedule.majorFrame).to.equal(10);
      expect(a?.schedule.windows.map((w) => [w.partition, w.start, w.duration, w.line])).to.deep.equal([
        ['ctrl', 0, 6, 53],
        ['sensor', 6, 2, 54],
      ]);
      expect(a?.tasks).to.deep.equal([
        { partition: 'ctrl', program: resolve('config/programs/counter.s'), travelers: 1, priority: 10, line: 56 },
      ]);
      // One shared definition: the MigPartition is the same object on every node.
      expect(a?.partitions[0]).to.equal(config.partitions.get('ctrl'));
      expect(b?.partitions[0]).to.equal(c?.partitions[0]);

      const ctrl = config.partitions.get('ctrl');
      expect(ctrl).to.include({ name: 'ctrl', migratable: true, slots: 2, maxTravelers: 4, stackPerTraveler: 16384, line: 21 });
      expect(ctrl?.regions.find((r) => r.name === 'data')).to.deep.equal({
        name: 'data',
        vaddr: 0x100000,
        paddr: 0x200000,
        size: 262144,
        rights: { r: true, w: true, x: false },
        rightsText: 'rw',
        line: 28,
      });
      expect(ctrl?.providers).to.deep.equal([
        { provider: 'logs', rights: 'rw', line: 31 },
        { provider: 'inbox', rights: 'r', line: 32 },
      ]);
      const sensor = config.partitions.get('sensor');
      expect(sensor).to.include({ migratable: false, slots: 1, maxTravelers: 4, stackPerTraveler: 4096 });

      expect(config.providers.get('logs')).to.deep.equal({
        kind: 'file',
        name: 'logs',
        path: resolve('var/files/{node}/logs'),
        line: 11,
      });
      expect(config.providers.get('inbox')).to.deep.equal({ kind: 'gate', name: 'inbox', capacity: 16, messageSize: 64, line: 14 });
      expect(config.middleware).to.deep.equal({ listen: '127.0.0.1:0', store: 'file://../var/store', retention: [], line: 86 });
    });
  });

  describe('parseSize', () => {
    it('reads integers, hex and binary units', () => {
      expect(parseSize(4096)).to.equal(4096);
      expect(parseSize('4096')).to.equal(4096);
      expect(parseSize('0x1000')).to.equal(4096);
      expect(parseSize('512B')).to.equal(512);
      expect(parseSize('64KiB')).to.equal(65536);
      expect(parseSize('16MiB')).to.equal(16 * 1024 * 1024);
      expect(parseSize('1GiB')).to.equal(2 ** 30);
      expect(parseSize('64 KiB')).to.equal(65536);
    });

    it('treats K, KB, M, MB, G and GB as binary multiples', () => {
      expect(parseSize('4K')).to.equal(4096);
      expect(parseSize('4KB')).to.equal(4096);
      expect(parseSize('2M')).to.equal(2 * 1024 * 1024);
      expect(parseSize('1MB')).to.equal(1024 * 1024);
      expect(parseSize('1G')).to.equal(2 ** 30);
      expect(parseSize('1GB')).to.equal(2 ** 30);
    });

    it('refuses anything else', () => {
      for (const bad of [-1, 1.5, '', '12QiB', '1.5MiB', 'KiB', '-4', null, undefined, true, {}, '99999999999GiB']) {
        expect(parseSize(bad), String(bad)).to.equal(undefined);
      }
    });
  });

  describe('YAML syntax', () => {
    it('reports a syntax error with its line and stops there', () => {
      const text = yaml`
        version: 1
        nodes:
          - name: [unclosed
        bogus: 5
      `;
      const found = parseClusterText(text, 'c.yaml').problems;
      expect(found.length).to.be.greaterThan(0);
      expect(found[0]?.message).to.match(/^c\.yaml:\d+: YAML syntax error: \S/);
      // Nothing from the schema (unknown property "bogus") after a syntax error.
      expect(found.map((p) => p.message).join('\n')).to.not.include('bogus');
    });

    it('refuses UTF-16 or binary bytes in one problem, at the line of the first NUL', () => {
      const utf16 = Buffer.from('\ufeffversion: 1\nnodes: []\n', 'utf16le').toString('utf8');
      expect(parseClusterText(utf16, 'c.yaml').problems.map((p) => p.message)).to.deep.equal(['c.yaml:1: a NUL byte: this is not YAML text (UTF-16, or a binary file?)']);
      expect(parseClusterText('version: 1\n# fine\nnodes: [\u0000]\n', 'c.yaml').problems.map((p) => p.message)).to.deep.equal([
        'c.yaml:3: a NUL byte: this is not YAML text (UTF-16, or a binary file?)',
      ]);
    });

    it('says a file nested too deeply to parse is that, not a stack overflow', () => {
      const [first, ...rest] = parseClusterText(`version: 1\nnodes: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, 'c.yaml').problems;
      expect(first?.message).to.equal('c.yaml:2: YAML syntax error: nested too deeply to parse');
      expect(rest).to.deep.equal([]);
    });

    it('points a bad indentation at its line', () => {
      const text = 'version: 1\nnodes:\n  - name: a\n   cpu: x\n';
      const [first] = parseClusterText(text, 'c.yaml').problems;
      expect(first?.line).to.equal(4);
      expect(first?.detail).to.match(/^YAML syntax error: /);
    });

    it('reports a duplicate key with both lines and carries on', () => {
      const text = yaml`
        version: 1
        partitions:
          app: { regions: [] }
          app: { regions: [] }
        nodes: 5
      `;
      expect(problems(text)).to.include.members([
        'c.yaml:4: partitions: duplicate key "app" (first at line 3)',
        'c.yaml:5: nodes: must be a list',
      ]);
    });
  });

  describe('schema errors', () => {
    it('accepts the small valid cluster used below', () => {
      expect(problems(VALID)).to.deep.equal([]);
    });

    it('names a bad enum value at its line', () => {
      const text = replaceLine(VALID, 12, '    cpu: { word: 16, endian: little }');
      expect(problems(text)).to.deep.equal(['c.yaml:12: nodes[0].cpu.word: must be 32 or 64']);
    });

    it('names an unknown property at its key', () => {
      const text = replaceLine(
        VALID,
        8,
        '      - { name: stack, vaddr: 0x30000, paddr: 0x30000, size: 16KiB, rights: rw, perms: rw }',
      );
      expect(problems(text)).to.deep.equal(['c.yaml:8: partitions.app.regions[1]: unknown property "perms"']);
    });

    it('suggests the property that was probably meant', () => {
      const text = replaceLine(VALID, 13, '    memroy: 1MiB');
      expect(problems(text)).to.deep.equal([
        'c.yaml:11: nodes[0]: missing required property "memory"',
        'c.yaml:13: nodes[0]: unknown property "memroy" (did you mean "memory"?)',
      ]);
    });

    it('explains what a size looks like', () => {
      const text = replaceLine(VALID, 13, '    memory: 1.5MiB');
      expect(problems(text)).to.deep.equal([
        'c.yaml:13: nodes[0].memory: must be a size: a non-negative integer or a string such as 4096, 64KiB or 16MiB',
      ]);
    });

    it('checks the version', () => {
      expect(problems(replaceLine(VALID, 1, 'version: 2'))).to.deep.equal(['c.yaml:1: version: must be 1']);
    });

    it('tells file and gate providers apart by kind', () => {
      expect(problems(replaceLine(VALID, 3, '  logs: { kind: gate, capacity: 0, message_size: 8 }'))).to.deep.equal([
        'c.yaml:3: providers.logs.capacity: must be at least 1',
      ]);
      expect(problems(replaceLine(VALID, 3, '  logs: { kind: pipe, path: x }'))).to.deep.equal([
        'c.yaml:3: providers.logs.kind: must be "file", "gate" or "sampling"',
      ]);
    });

    it('reports the errors inside an inline partition definition', () => {
      const text = replaceLine(VALID, 14, '    partitions: [app, { name: io, regions: [], slots: 0 }]');
      expect(problems(text)).to.deep.equal([
        'c.yaml:14: nodes[0].partitions[1].regions: must have at least 1 item',
        'c.yaml:14: nodes[0].partitions[1].slots: must be at least 1',
      ]);
    });

    it('says what a node partitions entry may be', () => {
      const text = replaceLine(VALID, 14, '    partitions: [app, 5]');
      expect(problems(text)).to.deep.equal([
        'c.yaml:14: nodes[0].partitions[1]: must be a partition name or an inline partition definition',
      ]);
    });

    it('refuses a middleware store that is neither file:// nor etcd://', () => {
      const text = `${VALID}middleware: { store: 's3://bucket' }\n`;
      expect(problems(text)).to.deep.equal(['c.yaml:19: middleware.store: must be file://PATH, etcd://HOST:PORT or etcds://HOST:PORT']);
    });

    it('refuses an archive key in the middleware section, naming where it goes instead', () => {
      const text = `${VALID}middleware:\n  store: etcd://127.0.0.1:2379\n  key: 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n  key_file: /etc/k\n`;
      expect(problems(text)).to.deep.equal([
        'c.yaml:21: middleware.key: an archive key never goes in the cluster file (whoever reads the file could open the archive); give it to middleware start with --key-file FILE or MIGVISOR_ARCHIVE_KEY',
        'c.yaml:22: middleware.key_file: an archive key never goes in the cluster file (whoever reads the file could open the archive); give it to middleware start with --key-file FILE or MIGVISOR_ARCHIVE_KEY',
      ]);
    });

    it('takes chunks on NATS with replicas beside an etcd store, and refuses them beside a file store', () => {
      const ok = `${VALID}middleware: { store: 'etcd://127.0.0.1:2379', chunks: 'nats://127.0.0.1:4222,127.0.0.1:4223', chunk_replicas: 3 }\n`;
      expect(problems(ok)).to.deep.equal([]);
      const bad = `${VALID}middleware: { store: 'file://var/s', chunks: 'nats://127.0.0.1:4222', chunk_replicas: 7 }\n`;
      expect(problems(bad)).to.deep.equal(['c.yaml:19: middleware.chunk_replicas: must be at most 5']);
      const file = `${VALID}middleware: { store: 'file://var/s', chunks: 'nats://127.0.0.1:4222' }\n`;
      expect(problems(file)).to.deep.equal(['c.yaml:19: middleware.chunks: a chunk engine needs an etcd:// or etcds:// store for the catalog, not file://var/s']);
    });

    it('takes tls:// chunks, or chunks beside etcds://, only with a tls: section (NATS over TLS uses its certificates)', () => {
      const tlsChunks = `${VALID}middleware: { store: 'etcd://127.0.0.1:2379', chunks: 'tls://127.0.0.1:4222' }\n`;
      expect(problems(tlsChunks)).to.deep.equal([
        "c.yaml:19: middleware.chunks: tls://127.0.0.1:4222 beside etcd://127.0.0.1:2379 is spoken over TLS, which needs the cluster file's tls: section",
      ]);
      const secureStore = `${VALID}middleware: { store: 'etcds://127.0.0.1:2379', chunks: 'nats://127.0.0.1:4222' }\n`;
      expect(problems(secureStore)).to.deep.equal(["c.yaml:19: middleware.store: etcds:// needs a tls: section (the CA and the middleware's certificate)"]);
    });

    it('refuses sizes the model cannot hold', () => {
      const text = replaceLine(VALID, 13, '    memory: 99999999999GiB');
      expect(problems(text)).to.deep.equal(['c.yaml:13: nodes[0].memory: 99999999999GiB is too large']);
    });

    it('refuses a zero-sized region', () => {
      const text = replaceLine(VALID, 7, '      - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 0, rights: rx }');
      expect(problems(text)).to.deep.equal(['c.yaml:7: partitions.app.regions[0].size: must be at least 1 byte']);
    });
  });

  describe('malformed documents', () => {
    const cases: [string, string][] = [
      ['an empty file', ''],
      ['a scalar', 'hello'],
      ['a list', '- 1\n- 2'],
      ['nodes: 5', 'version: 1\nnodes: 5'],
      ['partitions: []', 'version: 1\npartitions: []\nnodes: []'],
      ['regions: [null]', 'version: 1\npartitions:\n  p: { regions: [null] }\nnodes: [{ name: n, partitions: [p] }]'],
      ['nodes: [null]', 'version: 1\nnodes: [null, ~, 3]'],
      ['a node with every field wrong', 'version: 1\nnodes:\n  - { name: 1, cpu: 2, memory: x, partitions: 3, schedule: 4, tasks: 5, evacuate_to: 6 }'],
      ['windows that are not maps', 'version: 1\nnodes:\n  - { name: n, cpu: { word: 32, endian: big }, memory: 1MiB, partitions: [], schedule: { major_frame: 1, windows: [1, null] } }'],
      ['providers: null', 'version: 1\nproviders:\npartitions:\nnodes:\n'],
      ['a partition granted a missing provider map', 'version: 1\npartitions:\n  p: { regions: [{}], providers: [] }\nnodes: [{}]'],
    ];
    for (const [name, text] of cases) {
      it(`reports problems, not exceptions, for ${name}`, () => {
        const result = parseClusterText(text, 'c.yaml');
        expect(result.config).to.equal(undefined);
        expect(result.problems.length).to.be.greaterThan(0);
        for (const p of result.problems) expect(p.line).to.be.greaterThan(0);
      });
    }

    it('explains an empty file', () => {
      expect(problems('')).to.deep.equal(['c.yaml:1: the file must hold a YAML mapping with at least version and nodes']);
    });

    it('does not report references to parts that failed the schema', () => {
      const text = replaceLine(VALID, 7, '      - { name: code,  vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: rx, bad: 1 }');
      // app failed the schema, so the node's reference to it and its window are not "unknown partition".
      expect(problems(text)).to.deep.equal(['c.yaml:7: partitions.app.regions[0]: unknown property "bad"']);
    });
  });

  describe('problem lists', () => {
    it('are sorted by line, then message, without duplicates', () => {
      const text = yaml`
        version: 1
        bogus: 1
        partitions:
          app:
            regions:
              - { name: code, vaddr: 0x10000, paddr: 0x10000, size: 4KiB, rights: wx }
        nodes:
          - name: a
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions: [app]
            schedule: { major_frame: 1, windows: [] }
          - name: b
            cpu: { word: 32, endian: little }
            memory: 1MiB
            partitions: [app]
            schedule: { major_frame: 1, windows: [] }
      `;
      const found = parseClusterText(text, 'c.yaml', anyProgram).problems;
      const lines = found.map((p) => p.line);
      expect(lines).to.deep.equal([...lines].sort((x, y) => x - y));
      const keys = found.map((p) => p.message);
      expect(new Set(keys).size).to.equal(keys.length);
      expect(keys).to.include('c.yaml:2: unknown property "bogus"');
      // One W^X message for the shared definition, not one per node.
      expect(keys.filter((m) => m.includes('W^X'))).to.have.length(1);
    });
  });

  describe('files', () => {
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'migvisor-config-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('resolves relative paths against the cluster file folder', () => {
      const file = join(dir, 'c.yaml');
      writeFileSync(join(dir, 'p.s'), 'halt\n');
      writeFileSync(file, `${VALID}    tasks: [{ partition: app, program: p.s }]\n`);
      const config = loadCluster(file);
      expect(config.dir).to.equal(dir);
      expect(config.nodes[0]?.tasks[0]?.program).to.equal(join(dir, 'p.s'));
      expect(config.providers.get('logs')).to.include({ path: join(dir, 'logs/{node}') });
    });

    it('loadCluster throws SourceErrors listing every problem', () => {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, replaceLine(replaceLine(VALID, 1, 'version: 3'), 12, '    cpu: { word: 16, endian: little }'));
      try {
        loadCluster(file);
        expect.fail('loadCluster accepted an invalid file');
      } catch (e: unknown) {
        expect(e).to.be.instanceOf(SourceErrors);
        expect((e as SourceErrors).problems.map((p) => `${p.line}: ${p.detail}`)).to.deep.equal([
          '1: version: must be 1',
          '12: nodes[0].cpu.word: must be 32 or 64',
        ]);
        expect((e as SourceErrors).problems[0]?.file).to.equal(file);
      }
    });

    it('checkClusterFile throws ConfigFileError for a missing file', () => {
      expect(() => checkClusterFile(join(dir, 'missing.yaml'))).to.throw(ConfigFileError, /^cannot read .*missing\.yaml: no such file$/);
    });
  });
});
