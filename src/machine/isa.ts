/**
 * The migvisor instruction set (MV): one table shared by the assembler, the CPU's
 * translator and the disassembler, so the three can never disagree.
 *
 * Every instruction is a 32-bit word stored in the node's byte order:
 *
 *     31            16 15   12 11    8 7      0
 *    +----------------+-------+-------+--------+
 *    |  imm16 / rt    |  rs   |  rd   | opcode |   R and I formats
 *    +----------------+-------+-------+--------+
 *    |        off24 (signed words)    | opcode |   J format (pc-relative)
 *    +--------------------------------+--------+
 *
 * `li`/`liu` are followed by a 32-bit immediate word, `liw` (64-bit nodes only) by a
 * 64-bit one. Opcode 0x00 is illegal, so running into zeroed memory faults.
 * Registers r0..r15; r15 is the stack pointer `sp`.
 */

/** How an instruction's operands are encoded. */
export type Format =
  | 'none' // no operands
  | 'rrr' // rd, rs, rt
  | 'rr' // rd, rs
  | 'rri' // rd, rs, imm16
  | 'ri32' // rd, imm32 (extension word)
  | 'ri64' // rd, imm64 (extension words)
  | 'cmp' // rs, rt
  | 'cmpi' // rs, imm16
  | 'mem' // rd, [rs + imm16]
  | 'r' // rd
  | 'rs' // rs (jump/call through register)
  | 'j' // label (off24)
  | 'sys'; // imm16 system call number

/** One instruction of the table. */
export interface OpInfo {
  readonly mnemonic: string;
  readonly opcode: number;
  readonly format: Format;
  /** Only valid on 64-bit nodes. */
  readonly only64?: boolean;
  /** Ends a translated block (changes control flow or traps). */
  readonly endsBlock?: boolean;
}

const ops: OpInfo[] = [
  { mnemonic: 'nop', opcode: 0x01, format: 'none' },
  // Register arithmetic: rd = rs OP rt
  { mnemonic: 'add', opcode: 0x10, format: 'rrr' },
  { mnemonic: 'sub', opcode: 0x11, format: 'rrr' },
  { mnemonic: 'mul', opcode: 0x12, format: 'rrr' },
  { mnemonic: 'div', opcode: 0x13, format: 'rrr' },
  { mnemonic: 'divu', opcode: 0x14, format: 'rrr' },
  { mnemonic: 'rem', opcode: 0x15, format: 'rrr' },
  { mnemonic: 'remu', opcode: 0x16, format: 'rrr' },
  { mnemonic: 'and', opcode: 0x17, format: 'rrr' },
  { mnemonic: 'or', opcode: 0x18, format: 'rrr' },
  { mnemonic: 'xor', opcode: 0x19, format: 'rrr' },
  { mnemonic: 'shl', opcode: 0x1a, format: 'rrr' },
  { mnemonic: 'shr', opcode: 0x1b, format: 'rrr' },
  { mnemonic: 'sar', opcode: 0x1c, format: 'rrr' },
  { mnemonic: 'mov', opcode: 0x1d, format: 'rr' },
  { mnemonic: 'not', opcode: 0x1e, format: 'rr' },
  { mnemonic: 'neg', opcode: 0x1f, format: 'rr' },
  // Immediate arithmetic: rd = rs OP sext(imm16)
  { mnemonic: 'addi', opcode: 0x20, format: 'rri' },
  { mnemonic: 'muli', opcode: 0x22, format: 'rri' },
  { mnemonic: 'andi', opcode: 0x27, format: 'rri' },
  { mnemonic: 'ori', opcode: 0x28, format: 'rri' },
  { mnemonic: 'xori', opcode: 0x29, format: 'rri' },
  { mnemonic: 'shli', opcode: 0x2a, format: 'rri' },
  { mnemonic: 'shri', opcode: 0x2b, format: 'rri' },
  { mnemonic: 'sari', opcode: 0x2c, format: 'rri' },
  // Load immediate (extension words follow)
  { mnemonic: 'li', opcode: 0x30, format: 'ri32' },
  { mnemonic: 'liu', opcode: 0x31, format: 'ri32' },
  { mnemonic: 'liw', opcode: 0x32, format: 'ri64', only64: true },
  // Compare: flags from rs - rt (tst: from rs & rt)
  { mnemonic: 'cmp', opcode: 0x38, format: 'cmp' },
  { mnemonic: 'cmpi', opcode: 0x39, format: 'cmpi' },
  { mnemonic: 'tst', opcode: 0x3a, format: 'cmp' },
  // Loads: rd = mem[rs + imm16]
  { mnemonic: 'ldb', opcode: 0x40, format: 'mem' },
  { mnemonic: 'ldbs', opcode: 0x41, format: 'mem' },
  { mnemonic: 'ldh', opcode: 0x42, format: 'mem' },
  { mnemonic: 'ldhs', opcode: 0x43, format: 'mem' },
  { mnemonic: 'ldw', opcode: 0x44, format: 'mem' },
  { mnemonic: 'ldws', opcode: 0x45, format: 'mem' },
  { mnemonic: 'ldd', opcode: 0x46, format: 'mem', only64: true },
  // Stores: mem[rs + imm16] = rd
  { mnemonic: 'stb', opcode: 0x48, format: 'mem' },
  { mnemonic: 'sth', opcode: 0x49, format: 'mem' },
  { mnemonic: 'stw', opcode: 0x4a, format: 'mem' },
  { mnemonic: 'std', opcode: 0x4b, format: 'mem', only64: true },
  // Stack (word-sized)
  { mnemonic: 'push', opcode: 0x50, format: 'r' },
  { mnemonic: 'pop', opcode: 0x51, format: 'r' },
  // Control flow (pc-relative, in instruction words)
  { mnemonic: 'b', opcode: 0x60, format: 'j', endsBlock: true },
  { mnemonic: 'beq', opcode: 0x61, format: 'j', endsBlock: true },
  { mnemonic: 'bne', opcode: 0x62, format: 'j', endsBlock: true },
  { mnemonic: 'blt', opcode: 0x63, format: 'j', endsBlock: true },
  { mnemonic: 'bge', opcode: 0x64, format: 'j', endsBlock: true },
  { mnemonic: 'bgt', opcode: 0x65, format: 'j', endsBlock: true },
  { mnemonic: 'ble', opcode: 0x66, format: 'j', endsBlock: true },
  { mnemonic: 'blo', opcode: 0x67, format: 'j', endsBlock: true },
  { mnemonic: 'bhs', opcode: 0x68, format: 'j', endsBlock: true },
  { mnemonic: 'bhi', opcode: 0x69, format: 'j', endsBlock: true },
  { mnemonic: 'bls', opcode: 0x6a, format: 'j', endsBlock: true },
  { mnemonic: 'call', opcode: 0x70, format: 'j', endsBlock: true },
  { mnemonic: 'callr', opcode: 0x71, format: 'rs', endsBlock: true },
  { mnemonic: 'ret', opcode: 0x72, format: 'none', endsBlock: true },
  { mnemonic: 'jr', opcode: 0x73, format: 'rs', endsBlock: true },
  { mnemonic: 'sys', opcode: 0x7f, format: 'sys', endsBlock: true },
];

/** Instructions by mnemonic. */
export const OPS: ReadonlyMap<string, OpInfo> = new Map(ops.map((o) => [o.mnemonic, o]));
/** Instructions by opcode (undefined: illegal). */
export const OPCODES: readonly (OpInfo | undefined)[] = (() => {
  const t: (OpInfo | undefined)[] = new Array(256).fill(undefined);
  for (const o of ops) t[o.opcode] = o;
  return t;
})();

/** Flag bits of the `flags` register. */
export const Flag = { N: 8, Z: 4, C: 2, V: 1 } as const;

/** General registers r0..r15. */
export const REGISTER_COUNT = 16;
/** The stack pointer's register number. */
export const SP = 15;

/** Byte length of an instruction with the given format. */
export function instructionLength(format: Format): number {
  return format === 'ri32' ? 8 : format === 'ri64' ? 12 : 4;
}

/** System call numbers (the `sys` immediate). Arguments in r0..r3, result in r0. */
export const Sys = {
  exit: 0,
  puts: 1,
  putn: 2,
  putc: 3,
  yield: 4,
  sleep: 5,
  tick: 6,
  self: 7,
  gate_send: 8,
  gate_sendw: 9,
  gate_recv: 10,
  gate_tryrecv: 11,
  open: 12,
  read: 13,
  write: 14,
  close: 15,
  // The health monitor and partition modes (README "Health monitor", "Partition modes").
  hm_raise: 16,
  hm_handler: 17,
  hm_checkpoint: 18,
  deadline: 19,
  partition_status: 20,
  partition_set_mode: 21,
  // Sampling ports and schedule plans (README, "Sampling ports", "Schedule plans").
  port_write: 24,
  port_read: 25,
  plan_switch: 26,
} as const;
/** A system call's name. */
export type SysName = keyof typeof Sys;
/** Every system call name. */
export const SYS_NAMES: readonly string[] = Object.keys(Sys);

/** An R-format word: opcode, rd, rs, rt. */
export function encodeR(op: number, rd: number, rs: number, rt: number): number {
  return (op | (rd << 8) | (rs << 12) | (rt << 16)) >>> 0;
}
/** An I-format word: opcode, rd, rs, imm16. */
export function encodeI(op: number, rd: number, rs: number, imm16: number): number {
  return (op | (rd << 8) | (rs << 12) | ((imm16 & 0xffff) << 16)) >>> 0;
}
/** A J-format word: opcode and a signed word offset. */
export function encodeJ(op: number, off24: number): number {
  return (op | ((off24 & 0xffffff) << 8)) >>> 0;
}

/** An instruction word taken apart. */
export interface Decoded {
  readonly op: OpInfo | undefined;
  readonly opcode: number;
  readonly rd: number;
  readonly rs: number;
  readonly rt: number;
  /** Sign-extended 16-bit immediate. */
  readonly imm: number;
  /** Sign-extended 24-bit word offset. */
  readonly off: number;
}

/** Takes an instruction word apart (the fields of every format). */
export function decode(word: number): Decoded {
  const opcode = word & 0xff;
  return {
    op: OPCODES[opcode],
    opcode,
    rd: (word >>> 8) & 0xf,
    rs: (word >>> 12) & 0xf,
    rt: (word >>> 16) & 0xf,
    imm: word >> 16,
    off: word >> 8,
  };
}
