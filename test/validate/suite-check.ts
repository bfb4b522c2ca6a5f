// Decodes and validates every binary module of the spec testsuite's JSON scripts and lists
// the ones wrongly accepted or rejected.
//   node dist/test/validate/suite-check.js [suite dir …] [--messages] [--verbose]
// Default suite: /work/shared/spec-tests/core. `--messages` also lists assert_invalid modules
// rejected with a message that does not start with the script's text.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModule } from '../../src/binary/decode.js';
import { CompileError } from '../../src/runtime/errors.js';
import { validateModule } from '../../src/validate/index.js';

interface Command { type: string; line: number; filename?: string; module_type?: string; text?: string }

const args = process.argv.slice(2);
const showMessages = args.includes('--messages');
const verbose = args.includes('--verbose');
const dirs = args.filter((a) => !a.startsWith('--'));
if (dirs.length === 0) dirs.push('/work/shared/spec-tests/core');

type Outcome = { ok: true } | { ok: false; stage: 'decode' | 'validate'; error: unknown };

function check(bytes: Uint8Array): Outcome {
  let m;
  try {
    m = decodeModule(bytes);
  } catch (error) {
    return { ok: false, stage: 'decode', error };
  }
  try {
    validateModule(m);
  } catch (error) {
    return { ok: false, stage: 'validate', error };
  }
  return { ok: true };
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

let checked = 0;
let wronglyAccepted = 0;
let wronglyRejected = 0;
let internalErrors = 0;
let messageMismatches = 0;
const started = Date.now();

for (const dir of dirs) {
  for (const name of readdirSync(dir).sort()) {
    const json = join(dir, name, `${name}.json`);
    if (!existsSync(json)) continue;
    const script = JSON.parse(readFileSync(json, 'utf8')) as { commands: Command[] };
    for (const c of script.commands) {
      if (c.filename === undefined || !c.filename.endsWith('.wasm')) continue;
      if (c.module_type !== undefined && c.module_type !== 'binary') continue;
      const mustAccept = c.type === 'module' || c.type === 'assert_unlinkable' || c.type === 'assert_uninstantiable';
      const mustReject = c.type === 'assert_invalid' || c.type === 'assert_malformed';
      if (!mustAccept && !mustReject) continue;
      checked++;
      const where = `${name}/${c.filename} (line ${c.line}, ${c.type}${c.text ? ` "${c.text}"` : ''})`;
      const outcome = check(new Uint8Array(readFileSync(join(dir, name, c.filename))));
      if (!outcome.ok) {
        if (!(outcome.error instanceof CompileError)) {
          internalErrors++;
          console.log(`INTERNAL  ${where}: ${outcome.stage}: ${describe(outcome.error)}`);
          if (verbose && outcome.error instanceof Error) console.log(outcome.error.stack);
          continue;
        }
      }
      if (mustAccept && !outcome.ok) {
        wronglyRejected++;
        console.log(`REJECTED  ${where}: ${outcome.stage}: ${describe(outcome.error)}`);
      } else if (mustReject && outcome.ok) {
        wronglyAccepted++;
        console.log(`ACCEPTED  ${where}`);
      } else if (!outcome.ok && c.type === 'assert_invalid' && c.text !== undefined) {
        const message = (outcome.error as Error).message;
        if (!message.startsWith(c.text)) {
          messageMismatches++;
          if (showMessages) console.log(`MESSAGE   ${where}: ${outcome.stage}: ${message}`);
        }
      } else if (verbose && !outcome.ok) {
        console.log(`ok        ${where}: ${outcome.stage}: ${(outcome.error as Error).message}`);
      }
    }
  }
}

console.log(`\nmodules checked: ${checked}`);
console.log(`wrongly accepted: ${wronglyAccepted}`);
console.log(`wrongly rejected: ${wronglyRejected}`);
console.log(`internal errors (not CompileError): ${internalErrors}`);
console.log(`assert_invalid rejected with another message: ${messageMismatches}`);
console.log(`time: ${Date.now() - started} ms`);
process.exitCode = wronglyAccepted + wronglyRejected + internalErrors === 0 ? 0 : 1;
