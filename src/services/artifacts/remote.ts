// Artifacts of runs on a KFP server come from ML Metadata and the run's pipeline root (gs:// or minio/S3), which
// helper remote-mlmd's services provide (src/clients/mlmd*.ts, src/services/remote/*). Until they are wired here,
// the artifacts commands say so for server targets instead of guessing.
import {CliError, EXIT} from '../../lib/errors.js'

export function serverArtifactsNotYet(target: string): CliError {
  return new CliError('SERVER_UNSUPPORTED', `kfp artifacts does not read runs on a KFP server yet (target '${target}'); it reads local runs.`, {
    exit: EXIT.USAGE,
    hints: ['Open the run in the KFP UI (kfp runs get RUN --target NAME prints its URL) to see its artifacts.', 'Local runs: kfp artifacts list RUN --target local'],
  })
}
