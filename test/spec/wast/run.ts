// Runs a .wast script through the converter (./convert.ts) and the JSON runner (../runner.ts),
// merging the converter's skipped and unconvertible commands into the runner's results.

import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { describeError, runParsedScript, type CommandResult, type Engine, type RunOptions, type ScriptResult } from '../runner.js';
import type { Command } from '../script.js';
import { convertWast, type SkipCategory, type Wabt } from './convert.js';

export interface WastResult extends ScriptResult {
  /** Every skipped command with its category (runner skips: `runner`). */
  skips: { key: string; type: string; category: SkipCategory | 'runner'; detail: string }[];
}

/** Reads, converts and runs the .wast script at `wastPath`; results are keyed `<file>.wast:<line>`. */
export function runWast(engine: Engine, wabt: Wabt, wastPath: string, options: RunOptions = {}): WastResult {
  const file = basename(wastPath);
  const label = options.label ?? file;
  const out: WastResult = { label, results: [], passed: 0, failed: 0, skipped: 0, skips: [] };
  let converted;
  try {
    converted = convertWast(readFileSync(wastPath, 'utf8'), wabt, { file });
  } catch (e) {
    const key = `${label}:0`;
    out.results.push({ key, line: 0, type: 'script', status: 'failed', reason: `${key} script: ${describeError(e)}` });
    out.failed = 1;
    return out;
  }

  const commands: Command[] = [];
  const others: CommandResult[] = [];
  for (const item of converted.items) {
    if (item.kind === 'command') {
      commands.push(item.command);
      continue;
    }
    const key = `${label}:${item.line}`;
    if (item.kind === 'skip') {
      others.push({ key, line: item.line, type: item.type, status: 'skipped', reason: `${key} ${item.type}: ${item.category}: ${item.detail}` });
      out.skips.push({ key, type: item.type, category: item.category, detail: item.detail });
    } else {
      others.push({ key, line: item.line, type: item.type, status: 'failed', reason: `${key} ${item.type}: cannot convert: ${item.reason}` });
    }
  }

  const run = runParsedScript(
    engine,
    { source_filename: converted.source_filename, commands },
    dirname(wastPath),
    label,
    { ...options, label, modules: converted.modules },
  );
  for (const r of run.results) {
    if (r.status === 'skipped') {
      const detail = (r.reason ?? '').replace(`${r.key} ${r.type}: `, '');
      out.skips.push({ key: r.key, type: r.type, category: 'runner', detail });
    }
  }
  // In script order (stable: commands on one line keep their order).
  out.results = [...run.results, ...others].sort((a, b) => a.line - b.line);
  out.skips.sort((a, b) => Number(a.key.split(':').pop()) - Number(b.key.split(':').pop()));
  for (const r of out.results) out[r.status]++;
  return out;
}
