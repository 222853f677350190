/**
 * Runs the built CLI as test/helpers/cli.ts runCli does, under GNU time when the machine has it,
 * for the CPU seconds (user + system, all threads) of the job: steadier than wall time on a busy
 * machine.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { cliPath, collect, runCli, type RunResult } from '../test/helpers/cli.ts';

const TIME = '/usr/bin/time';

export async function runTimed(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ r: RunResult; cpuSeconds: number | null }> {
  if (!existsSync(TIME)) return { r: await runCli(args, env), cpuSeconds: null };
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  clean.PATH = `${path.dirname(process.execPath)}:${clean.PATH ?? ''}`;
  const argv = ['-f', 'bench-cpu %U %S', cliPath, ...args];
  const r = await collect(spawn(TIME, argv, { env: clean, stdio: ['ignore', 'pipe', 'pipe'] }));
  const m = /bench-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  r.stderr = r.stderr.replace(/^.*bench-cpu .*$\n?/m, '');
  return { r, cpuSeconds: m ? Math.round((Number(m[1]) + Number(m[2])) * 100) / 100 : null };
}
