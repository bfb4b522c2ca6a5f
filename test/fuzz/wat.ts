// The text format of a module, for reproducers (via the wabt npm package).
import wabtInit from 'wabt';

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Promise<Wabt> | null = null;

export async function wasmToText(bytes: Uint8Array): Promise<string> {
  wabt ??= wabtInit();
  const w = await wabt;
  // A fresh copy: wabt reads the whole underlying buffer of a view.
  const m = w.readWasm(new Uint8Array(bytes), {
    readDebugNames: true, reference_types: true, bulk_memory: true, multi_value: true, sign_extension: true,
    sat_float_to_int: true, mutable_globals: true, simd: true,
  });
  try {
    m.generateNames();
    m.applyNames();
    return m.toText({ foldExprs: false, inlineExport: false });
  } finally {
    m.destroy();
  }
}
