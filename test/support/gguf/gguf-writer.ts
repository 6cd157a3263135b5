/**
 * A minimal GGUF v3 writer: metadata and F32 tensors, enough to build tiny models for tests.
 * Layout: header, metadata key/values, tensor infos, padding to the alignment, then the tensors' data (each aligned).
 */
interface Scalars {
  u32: number;
  i32: number;
  f32: number;
  bool: boolean;
  string: string;
}
type Scalar = keyof Scalars;

export type GgufValue =
  { [T in Scalar]: { type: T; value: Scalars[T] } }[Scalar] | { [T in Scalar]: { type: 'array'; of: T; value: Array<Scalars[T]> } }[Scalar];

export interface GgufTensor {
  name: string;
  /** ggml order: the innermost (contiguous) dimension first. */
  dims: number[];
  data: Float32Array;
}

const ALIGNMENT = 32;
const TYPE = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;
const GGML_F32 = 0;

class ByteWriter {
  private chunks: Buffer[] = [];
  length = 0;

  push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number): void {
    this.fixed(4, (b) => b.writeUInt32LE(value));
  }
  i32(value: number): void {
    this.fixed(4, (b) => b.writeInt32LE(value));
  }
  u64(value: number): void {
    this.fixed(8, (b) => b.writeBigUInt64LE(BigInt(value)));
  }
  f32(value: number): void {
    this.fixed(4, (b) => b.writeFloatLE(value));
  }
  bool(value: boolean): void {
    this.fixed(1, (b) => b.writeUInt8(value ? 1 : 0));
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad(): void {
    const extra = (ALIGNMENT - (this.length % ALIGNMENT)) % ALIGNMENT;
    if (extra) this.push(Buffer.alloc(extra));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
  private fixed(size: number, write: (buffer: Buffer) => void): void {
    const buffer = Buffer.alloc(size);
    write(buffer);
    this.push(buffer);
  }
}

function writeScalar(out: ByteWriter, type: Scalar, value: Scalars[Scalar]): void {
  (out[type] as (value: Scalars[Scalar]) => void).call(out, value);
}

function writeValue(out: ByteWriter, value: GgufValue): void {
  if (value.type === 'array') {
    out.u32(TYPE.array);
    out.u32(TYPE[value.of]);
    out.u64(value.value.length);
    for (const item of value.value) writeScalar(out, value.of, item);
  } else {
    out.u32(TYPE[value.type]);
    writeScalar(out, value.type, value.value);
  }
}

export function encodeGguf(metadata: Array<[string, GgufValue]>, tensors: GgufTensor[]): Buffer {
  const out = new ByteWriter();
  out.push(Buffer.from('GGUF', 'ascii'));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(metadata.length);
  for (const [key, value] of metadata) {
    out.string(key);
    writeValue(out, value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    const elements = tensor.dims.reduce((a, b) => a * b, 1);
    if (elements !== tensor.data.length) throw new Error(`tensor ${tensor.name}: dims hold ${elements} values, data has ${tensor.data.length}`);
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(dim);
    out.u32(GGML_F32);
    out.u64(offset);
    offset += Math.ceil((elements * 4) / ALIGNMENT) * ALIGNMENT;
  }
  out.pad();
  for (const tensor of tensors) {
    out.push(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    out.pad();
  }
  return out.toBuffer();
}
