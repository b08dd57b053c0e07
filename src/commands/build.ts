import {Args, Flags} from '@oclif/core'
import {readSecretStdin} from '../lib/stdin.js'
import {BaseCommand} from '../base-command.js'
import {projectFlag} from '../flags.js'
import {CliError, EXIT} from '../lib/errors.js'
import {buildProject, type BuildEvent, type BuildImagesResult} from '../services/build/build.js'
import {createProgressLines} from '../ui/progress-lines.js'

export default class Build extends BaseCommand {
  static summary = "Build (and push) the Docker image of each step's component, skipping what has not changed."
  static description =
    'Builds components/<name>/ (its Dockerfile, the folder as context, .dockerignore honoured) through the Docker Engine API. ' +
    'Images are <registry>/<pipeline>-<component>:<content hash>; the hash covers the files, the Dockerfile and the build options, ' +
    'so an unchanged component is not rebuilt and a tag the registry already has is not pushed again. ' +
    'After --push the digest is recorded in .kfp/builds.json and `kfp compile` pins image@sha256:…. ' +
    'Registry credentials: --registry-username with --password-stdin, KFP_REGISTRY_USERNAME/KFP_REGISTRY_PASSWORD, ' +
    'or your Docker login (DOCKER_CONFIG or ~/.docker/config.json: auths, credsStore, credHelpers). DOCKER_HOST is honoured.'

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> preprocess --verbose',
    '<%= config.bin %> <%= command.id %> --all --push --latest',
    'echo "$REGISTRY_TOKEN" | <%= config.bin %> <%= command.id %> --push --registry-username ci --password-stdin --json',
  ]

  static strict = false
  // ignoreStdin: oclif would otherwise read a missing argument from stdin, swallowing --password-stdin.
  static args = {step: Args.string({description: 'Step names to build (default: every step).', required: false, ignoreStdin: true})}

  static flags = {
    project: projectFlag,
    all: Flags.boolean({summary: 'Build every step (the default when no step is named).'}),
    push: Flags.boolean({summary: 'Push the images to the registry of kfp.yaml and record their digests.'}),
    tag: Flags.string({summary: 'Extra tag besides the content hash (repeatable).', multiple: true, helpValue: 'TAG'}),
    'git-tag': Flags.boolean({summary: 'Also tag git-<short commit> (with -dirty when the work tree has changes).'}),
    latest: Flags.boolean({summary: 'Also tag latest.'}),
    'build-arg': Flags.string({summary: 'Build-time variable KEY=VALUE (repeatable); part of the content hash.', multiple: true, helpValue: 'KEY=VALUE'}),
    platform: Flags.string({summary: 'Target platform, e.g. linux/amd64.', helpValue: 'OS/ARCH'}),
    target: Flags.string({summary: 'Dockerfile stage to build.', helpValue: 'STAGE'}),
    'no-cache': Flags.boolean({summary: 'Rebuild even when the image exists, without Docker’s layer cache.'}),
    parallel: Flags.integer({summary: 'How many images to build at once.', default: 2, min: 1, helpValue: 'N'}),
    verbose: Flags.boolean({char: 'v', summary: 'Show the full build logs.'}),
    'registry-username': Flags.string({summary: 'Registry user name (the password comes from --password-stdin).', helpGroup: 'REGISTRY', helpValue: 'USER'}),
    'password-stdin': Flags.boolean({summary: 'Read the registry password or token from stdin.', helpGroup: 'REGISTRY', dependsOn: ['registry-username']}),
  }

  async run(): Promise<BuildImagesResult> {
    const {flags, argv} = await this.parse(Build)
    const steps = argv as string[]
    if (flags.all && steps.length) {
      throw new CliError('USAGE', 'Pass step names or --all, not both.', {exit: EXIT.USAGE, hints: [`kfp build ${steps.join(' ')}`, 'kfp build --all']})
    }
    if (flags['registry-username'] && !flags['password-stdin']) {
      throw new CliError('USAGE', '--registry-username needs --password-stdin (passwords are never taken as flags).', {
        exit: EXIT.USAGE,
        hints: ['echo "$TOKEN" | kfp build --push --registry-username USER --password-stdin'],
      })
    }
    const password = flags['password-stdin'] ? await readSecretStdin('echo "$TOKEN" | kfp build --push --registry-username USER --password-stdin') : undefined

    const json = this.jsonEnabled()
    const progress = json ? undefined : createProgressLines(this.interactiveProgress && !flags.verbose, (t) => process.stderr.write(t), process.stderr.columns || 100)
    const logs = new Map<string, string[]>()
    const onEvent = (e: BuildEvent) => {
      if (e.type === 'log') {
        const l = logs.get(e.component) ?? []
        l.push(e.line)
        logs.set(e.component, l)
        if (flags.verbose && progress) progress.log(`[${e.component}] ${e.line}`)
        return
      }
      if (!progress) return
      if (e.type === 'checking') progress.set(e.component, `${e.component}: checking`)
      else if (e.type === 'building') progress.set(e.component, `${e.component}: building ${e.image}`)
      else if (e.type === 'pushing') progress.set(e.component, `${e.component}: pushing ${e.image}${e.total ? ` ${mb(e.current)}/${mb(e.total)}` : ''}`)
      else if (e.type === 'done') {
        const r = e.result
        const what = r.skipped ? `${r.reason}` : 'built'
        progress.set(e.component, `${e.component}: ${r.image} ${what}${r.pushed ? ', pushed' : ''}${r.digest ? ` (${r.digest.slice(0, 19)})` : ''}`, r.skipped && !r.pushed ? 'skip' : 'ok')
      } else if (e.type === 'failed') {
        // A build of this image that failed says why on its line; a failure of the whole build (no daemon) says it once, below.
        const own = e.error.kfpCode === 'DOCKER_BUILD_FAILED' || e.error.kfpCode === 'IMAGE_PULL_FAILED'
        progress.set(e.component, `${e.component}: ${own ? e.error.message.split('\n')[0] : e.error.kfpCode}`, 'fail')
        // The build log goes to stderr once: the lines the error does not show already (it keeps the last ones).
        const shown = Number(e.error.data?.logShown ?? 0)
        const l = (logs.get(e.component) ?? []).slice(0, shown ? -shown : undefined)
        if (!flags.verbose && l.length && e.error.kfpCode === 'DOCKER_BUILD_FAILED') progress.log([`--- build log of ${e.component}${shown ? ` (the last ${shown} lines follow in the error)` : ''} ---`, ...l, '---'].join('\n'))
      }
    }
    let result: BuildImagesResult
    try {
      result = await buildProject(
        {
          cwd: this.ctx.cwd,
          project: flags.project,
          steps,
          push: flags.push,
          tags: flags.tag,
          gitTag: flags['git-tag'],
          latest: flags.latest,
          buildArgs: flags['build-arg'],
          platform: flags.platform,
          target: flags.target,
          noCache: flags['no-cache'],
          parallel: flags.parallel,
          credentials: flags['registry-username'] ? {username: flags['registry-username'], password, source: '--registry-username/--password-stdin'} : undefined,
          onEvent,
        },
        this.ctx,
      )
    } finally {
      progress?.stop()
    }
    for (const c of result.withoutDockerfile) this.info(`${c}: no Dockerfile, uses the image of its component.yaml`)
    if (result.images.length) {
      const rows = result.images.map((r) => [r.step, r.image, r.digest ?? '', r.skipped ? (r.pushed ? 'pushed' : r.reason) : r.pushed ? 'built, pushed' : 'built'])
      this.table(['step', 'image', 'digest', 'status'], rows, {keep: [0, 1]})
    } else if (!result.withoutDockerfile.length) this.info('Nothing to build: the pipeline has no steps.')
    return result
  }
}

function mb(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)}MB` : `${Math.round(n / 1024)}kB`
}

