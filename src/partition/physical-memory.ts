/**
 * A node's physical memory: one fixed buffer, sliced into partitions at boot.
 * Views are created once; the CPU's loads and stores go through the DataView.
 */
export class PhysicalMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;

  constructor(readonly size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
}
