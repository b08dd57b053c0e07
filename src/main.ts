import {execute} from '@oclif/core/execute'

/** Entry point used by bin/run.js: runs the CLI rooted at the package folder. */
export async function main(binUrl: string): Promise<void> {
  await execute({dir: binUrl})
}
