// Original file: proto/migvisor/v1/container.proto

export const Endian = {
  ENDIAN_UNSPECIFIED: 'ENDIAN_UNSPECIFIED',
  ENDIAN_LITTLE: 'ENDIAN_LITTLE',
  ENDIAN_BIG: 'ENDIAN_BIG',
} as const;

export type Endian =
  | 'ENDIAN_UNSPECIFIED'
  | 0
  | 'ENDIAN_LITTLE'
  | 1
  | 'ENDIAN_BIG'
  | 2

export type Endian__Output = typeof Endian[keyof typeof Endian]
