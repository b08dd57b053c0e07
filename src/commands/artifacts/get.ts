import {createReadStream} from 'node:fs'
import {pipeline} from 'node:stream/promises'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {artifactRef, projectFlag} from '../../flags.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {copyArtifact, findArtifact, type GetArtifactResult} from '../../services/artifacts/local.js'
import {getServerArtifact} from '../../services/artifacts/remote.js'
import {serverArtifactInfo} from '../../services/artifacts/server-view.js'
import {resolveTarget} from '../../services/target/resolve.js'

export default class ArtifactsGet extends BaseCommand {
  static summary = "Copy one artifact of a run's step to a path (-o), or print a file artifact to stdout."
  static description =
    'Without -o a file artifact is written to stdout as it is (pipe it: `kfp artifacts get latest train model > model.bin`); a folder artifact needs -o. -o never overwrites an existing path unless --force.'
  static examples = [
    '<%= config.bin %> <%= command.id %> latest train metrics',
    '<%= config.bin %> <%= command.id %> latest 2 model -o ./model',
  ]
  static args = artifactRef.args
  static flags = {
    project: projectFlag,
    output: Flags.string({char: 'o', summary: 'Copy the artifact (file or folder) to this path.', helpValue: 'PATH'}),
    force: Flags.boolean({summary: 'With -o: overwrite what is there.'}),
    target: artifactRef.target,
    namespace: artifactRef.namespace,
  }

  async run(): Promise<GetArtifactResult> {
    const {args, flags} = await this.parse(ArtifactsGet)
    const t = await resolveTarget({target: flags.target}, this.ctx)
    if (t.type === 'kfp') {
      // A server run: located through ML Metadata, read from its pipeline root with your credentials (gs://, minio://, s3://).
      if (this.jsonEnabled() && !flags.output) {
        throw new CliError('USAGE', '--json prints no file content: pass -o PATH to copy it.', {exit: EXIT.USAGE, hints: [`kfp artifacts get ${args.run} ${args.step} ${args.name} -o ./${args.name}`]})
      }
      const got = await getServerArtifact({target: flags.target, run: args.run, step: args.step, name: args.name}, this.ctx)
      const {data} = got
      const artifact = serverArtifactInfo(got.artifact)
      if (flags.output) {
        const {writeFile, stat} = await import('node:fs/promises')
        const out = (await import('node:path')).resolve(this.ctx.cwd, flags.output)
        if (!flags.force && (await stat(out).then(() => true, () => false))) {
          throw new CliError('FILE_EXISTS', `${flags.output} exists; pass --force to overwrite it.`, {exit: EXIT.USAGE})
        }
        await writeFile(out, data)
        this.out(out)
        return {artifact, written: out}
      }
      await new Promise<void>((resolve, reject) => process.stdout.write(data, (e) => (e ? reject(e) : resolve())))
      return {artifact}
    }
    const {artifact} = await findArtifact({cwd: this.ctx.cwd, project: flags.project, run: args.run, step: args.step, name: args.name}, this.ctx)
    if (flags.output) {
      const written = await copyArtifact(artifact, flags.output, {cwd: this.ctx.cwd, force: flags.force})
      this.out(written)
      return {artifact, written}
    }
    if (artifact.kind === 'folder' || this.jsonEnabled()) {
      throw new CliError('USAGE', `${artifact.kind === 'folder' ? `Artifact ${artifact.name} is a folder` : '--json prints no file content'}: pass -o PATH to copy it.`, {
        exit: EXIT.USAGE,
        hints: [`kfp artifacts get ${args.run} ${args.step} ${args.name} -o ./${artifact.name}`],
      })
    }
    await pipeline(createReadStream(artifact.path!), process.stdout, {end: false})
    return {artifact}
  }
}
