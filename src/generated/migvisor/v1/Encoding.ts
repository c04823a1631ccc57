// Original file: proto/migvisor/v1/container.proto

export const Encoding = {
  ENCODING_NONE: 'ENCODING_NONE',
  ENCODING_DEFLATE: 'ENCODING_DEFLATE',
  ENCODING_BROTLI: 'ENCODING_BROTLI',
} as const;

export type Encoding =
  | 'ENCODING_NONE'
  | 0
  | 'ENCODING_DEFLATE'
  | 1
  | 'ENCODING_BROTLI'
  | 2

export type Encoding__Output = typeof Encoding[keyof typeof Encoding]
