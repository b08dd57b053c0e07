// kfp run --build and the runner choice on the built CLI against the real Docker daemon: a FROM-scratch busybox
// project whose steps print where they run (/app in their image, the component folder on the host).
import {execFileSync} from 'node:child_process'
import {appendFileSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {writeBusyboxProjectFiles} from '../helpers/build-fixtures.js'
import {runCli} from '../helpers/cli.js'
import {skipWithoutDocker} from '../helpers/docker.js'
import {tmpdir} from '../helpers/tmp.js'

const B = suite('kfp run --build / --runner / targets.local.runner')
let tmp: {dir: string; cleanup: () => Promise<void>}
let name: string
const registry = 'localhost:5999/kfp-run-build'

function removeImages(): void {
  const ids = execFileSync('docker', ['images', '-q', '--filter', `reference=${registry}/${name}-*`], {encoding: 'utf8'}).trim().split('\n').filter(Boolean)
  if (ids.length) execFileSync('docker', ['rmi', '-f', ...new Set(ids)], {stdio: 'ignore'})
}

B.before.each(async () => {
  tmp = await tmpdir('kfp-run-build-')
  name = `rb${process.pid}${Math.floor(Math.random() * 1e6)}`
  await writeBusyboxProjectFiles(tmp.dir, name, ['a', 'b'], registry)
  for (const c of ['a', 'b']) writeFileSync(path.join(tmp.dir, 'components', c, 'main.sh'), `echo "${c} runs in $(pwd)"\n`)
})
B.after.each(async () => {
  removeImages()
  await tmp.cleanup()
})

/** Where each step ran, from its log line. */
function where(stderr: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of stderr.matchAll(/\[(\w+)\] \w+ runs in (\S+)/g)) out[m[1]] = m[2] === '/app' ? 'docker' : 'host'
  return out
}

if (!skipWithoutDocker('kfp run --build', 3)) {
  B('auto names the steps whose images are not built and runs them on the host; --runner docker refuses with the kfp build command; --build builds what changed and runs in Docker', async () => {
    // Given a project nothing of which is built: auto runs both steps on the host and says so in one line
    const first = await runCli(['run'], {cwd: tmp.dir})
    assert.is(first.code, 0, first.stderr)
    assert.equal(where(first.stderr), {a: 'host', b: 'host'})
    const lines = first.stderr.split('\n').filter((l) => l.includes('host process'))
    assert.is(lines.length, 1, first.stderr)
    assert.match(lines[0], 'Steps 1. a, 2. b run as host processes: their images are not built (`kfp run --build` or `kfp build a b` runs them in Docker')
    // When the Docker runner is asked for: it refuses before running anything, naming the build command (exit 3)
    const forced = await runCli(['run', '--runner', 'docker'], {cwd: tmp.dir})
    assert.is(forced.code, 3, forced.stderr)
    assert.match(forced.stderr, `The Docker runner needs the images of steps 1. a, 2. b, which are not built: ${registry}/${name}-a:`)
    assert.match(forced.stderr, 'kfp build a b')
    // When one image is built: that step runs in Docker, the other on the host, and the line names only that one
    assert.is((await runCli(['build', 'a'], {cwd: tmp.dir})).code, 0)
    const mixed = await runCli(['run', '--no-cache'], {cwd: tmp.dir})
    assert.is(mixed.code, 0, mixed.stderr)
    assert.equal(where(mixed.stderr), {a: 'docker', b: 'host'})
    assert.equal(mixed.stderr.split('\n').filter((l) => l.includes('host process')).length, 1)
    // (--json carries the same line among its warnings)
    const js = await runCli(['run', '--json'], {cwd: tmp.dir})
    assert.equal(js.json.warnings.filter((w: string) => w.includes('host process')), [
      'Step 2. b runs as a host process: its image is not built (`kfp run --build` or `kfp build b` runs it in Docker; --runner process runs every step on the host).',
    ])
    // When run with --build: b is built, a found up to date, and both run in Docker without a warning
    const built = await runCli(['run', '--build', '--no-cache'], {cwd: tmp.dir})
    assert.is(built.code, 0, built.stderr)
    assert.match(built.stderr, /✔ b: image built \(localhost:5999\/kfp-run-build\/rb\d+-b:/)
    assert.match(built.stderr, /↺ a: image up to date/)
    assert.not.match(built.stderr, 'host process')
    assert.equal(where(built.stderr), {a: 'docker', b: 'docker'})
    // And after a change to b, --build rebuilds only b
    appendFileSync(path.join(tmp.dir, 'components', 'b', 'main.sh'), 'echo changed\n')
    const again = await runCli(['run', '--build'], {cwd: tmp.dir})
    assert.is(again.code, 0, again.stderr)
    assert.match(again.stderr, '↺ a: image up to date')
    assert.match(again.stderr, '✔ b: image built')
    assert.match(again.stderr, '[b] changed')
  })

  B('targets.local.runner pins the runner; --runner wins over the pin', async () => {
    // Given kfp.yaml pins the local target to Docker and nothing is built
    appendFileSync(path.join(tmp.dir, 'kfp.yaml'), 'targets:\n  local: {type: local, runner: docker}\n')
    const pinned = await runCli(['run'], {cwd: tmp.dir})
    // Then the run refuses, naming the pin
    assert.is(pinned.code, 3, pinned.stderr)
    assert.match(pinned.stderr, 'The Docker runner (targets.local.runner: docker) needs the images of steps 1. a, 2. b')
    // And --runner auto on the command line wins
    const flag = await runCli(['run', '--runner', 'auto'], {cwd: tmp.dir})
    assert.is(flag.code, 0, flag.stderr)
    assert.equal(where(flag.stderr), {a: 'host', b: 'host'})
    // And KFP_RUNNER too
    const env = await runCli(['run', '--json'], {cwd: tmp.dir, env: {KFP_RUNNER: 'process'}})
    assert.is(env.code, 0, env.stderr)
    assert.is(env.json.result.run.runner, 'process')
    // And a process pin runs everything on the host without a word
    writeFileSync(path.join(tmp.dir, 'kfp.yaml'), readFileSync(path.join(tmp.dir, 'kfp.yaml'), 'utf8').replace('runner: docker', 'runner: process'))
    const proc = await runCli(['run'], {cwd: tmp.dir})
    assert.is(proc.code, 0, proc.stderr)
    assert.not.match(proc.stderr, 'host process')
  })

  B('bad pins and flag combinations: file:line:col for kfp.yaml, usage errors for flags', async () => {
    appendFileSync(path.join(tmp.dir, 'kfp.yaml'), 'targets:\n  local: {type: local, runner: podman}\n  prod: {type: kfp, endpoint: http://x, runner: docker}\n')
    const v = await runCli(['validate'], {cwd: tmp.dir})
    assert.is(v.code, 3, v.stderr)
    assert.match(v.stderr, /kfp\.yaml:\d+:\d+/)
    assert.match(v.stderr, 'podman')
    assert.match(v.stderr, "target 'prod' is a KFP server: runner: only applies to local targets")
    writeFileSync(path.join(tmp.dir, 'kfp.yaml'), readFileSync(path.join(tmp.dir, 'kfp.yaml'), 'utf8').replace(/targets:[\s\S]*$/, ''))
    const combo = await runCli(['run', '--build', '--runner', 'process'], {cwd: tmp.dir})
    assert.is(combo.code, 2)
    assert.match(combo.stderr, '--build runs the steps in Docker; it cannot be combined with --runner process.')
    const file = await runCli(['run', '--build', '--local', path.join(tmp.dir, 'nothing.yaml')], {cwd: tmp.dir})
    assert.is(file.code, 2)
    assert.match(file.stderr, '--build builds the images of a project')
  })
}

B.run()
