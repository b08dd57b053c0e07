import {execute} from '@oclif/core/execute'
import {guardClosedPipes} from './lib/stdout-guard.js'

/** Entry point used by bin/run.js: runs the CLI rooted at the package folder. */
export async function main(binUrl: string): Promise<void> {
  // Before oclif: help (`kfp --help`, `kfp`, `kfp runs`) and `kfp --version` are printed by oclif itself, without a
  // kfp command (whose init relabels the guard), and a full disk under them is exit 5 too (lib/stdout-guard.ts).
  guardClosedPipes(process.argv[2] === '--version' ? 'the version' : 'the help')
  await execute({dir: binUrl})
}
