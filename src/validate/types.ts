// Value types as small integers, for the validator's operand stack.
import type { ValType } from '../binary/module.js';

/** A type code: 0 is the spec algorithm's "Unknown" (any type, in unreachable code). */
export type TypeCode = number;

export const UNKNOWN = 0;
export const I32 = 1;
export const I64 = 2;
export const F32 = 3;
export const F64 = 4;
export const V128 = 5;
export const FUNCREF = 6;
export const EXTERNREF = 7;

const codeOf: Record<ValType, TypeCode> = {
  i32: I32, i64: I64, f32: F32, f64: F64, v128: V128, funcref: FUNCREF, externref: EXTERNREF,
};

const names = ['unknown', 'i32', 'i64', 'f32', 'f64', 'v128', 'funcref', 'externref'];

export function typeName(t: TypeCode): string {
  return names[t] ?? `type ${t}`;
}

/** Numeric or vector: what an untyped `select` accepts. */
export function isNumOrVec(t: TypeCode): boolean {
  return t >= I32 && t <= V128;
}

export function isRef(t: TypeCode): boolean {
  return t === FUNCREF || t === EXTERNREF;
}

/** The code of a value type. */
export function typeCode(t: ValType): TypeCode {
  return codeOf[t];
}

/** The codes of a list of value types. */
export function typeCodes(ts: readonly ValType[]): Uint8Array {
  const out = new Uint8Array(ts.length);
  for (let i = 0; i < ts.length; i++) out[i] = codeOf[ts[i]];
  return out;
}

export function sameTypes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const EMPTY: Uint8Array = new Uint8Array(0);
/** One-element type lists, by code, so single-result block types allocate nothing. */
export const SINGLE: readonly Uint8Array[] = names.map((_, i) => Uint8Array.of(i));
