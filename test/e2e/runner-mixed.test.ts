// A run whose steps ran partly in Docker and partly as host processes (--runner auto with an image not built) is
// recorded as such, and the cache key covers the runner: a result computed on the host is not reused by a Docker
// run of the step (and the other way round), which kfp run --dry-run explains. Real Docker daemon, FROM-scratch
// busybox images (issue 12 items 9/10).
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {writeBusyboxProjectFiles} from '../helpers/build-fixtures.js'
import {runCli} from '../helpers/cli.js'
import {dockerAvailable, skipWithoutDocker} from '../helpers/docker.js'
import {tmpdir} from '../helpers/tmp.js'

const M = suite('mixed Docker / host-process runs: recorded honestly; the runner is in the cache key')
let tmp: {dir: string; cleanup: () => Promise<void>}
let name: string
const registry = 'localhost:5999/kfp-runner-mixed'

M.before(async () => {
  tmp = await tmpdir('kfp-runner-mixed-')
  name = `rm${process.pid}${Math.floor(Math.random() * 1e6)}`
  await writeBusyboxProjectFiles(tmp.dir, name, ['a', 'b'], registry)
  for (const c of ['a', 'b']) writeFileSync(path.join(tmp.dir, 'components', c, 'main.sh'), `echo "${c} runs in $(pwd)"\n`)
})
M.after(async () => {
  // Without a daemon (the tests were SKIPPED) there is no image to remove, and `docker images` fails.
  if (dockerAvailable()) {
    const ids = execFileSync('docker', ['images', '-q', '--filter', `reference=${registry}/${name}-*`], {encoding: 'utf8'}).trim().split('\n').filter(Boolean)
    if (ids.length) execFileSync('docker', ['rmi', '-f', ...new Set(ids)], {stdio: 'ignore'})
  }
  await tmp.cleanup()
})

const byStep = (plan: {steps: Array<{step: string; action: string; reasons: string[]}>}) => Object.fromEntries(plan.steps.map((s) => [s.step, s]))

if (!skipWithoutDocker('mixed runner', 2)) {
  M('auto with one image built: the run is mixed, each step says how it ran, runs get names the host steps', async () => {
    // Given a first run with nothing built: both steps on the host
    const host = await runCli(['run', '--json'], {cwd: tmp.dir})
    assert.is(host.code, 0, host.stderr)
    assert.is(host.json.result.run.runner, 'process')
    assert.equal(host.json.result.run.tasks.map((t: {name: string; runner: string}) => [t.name, t.runner]), [['a', 'process'], ['b', 'process']])
    // When a is built and the run made again (auto)
    assert.is((await runCli(['build', 'a'], {cwd: tmp.dir})).code, 0)
    const plan = await runCli(['run', '--dry-run', '--json'], {cwd: tmp.dir})
    assert.is(plan.code, 0, plan.stderr)
    assert.is(plan.json.result.runner, 'mixed')
    // Then the dry run says a misses the cache because it now runs in Docker; b stays cached (still on the host)
    assert.equal(byStep(plan.json.result).a.action, 'run')
    assert.equal(byStep(plan.json.result).a.reasons, ['the runner changed: host process → Docker'])
    assert.equal(byStep(plan.json.result).b.action, 'cached')
    const mixed = await runCli(['run'], {cwd: tmp.dir})
    assert.is(mixed.code, 0, mixed.stderr)
    assert.match(mixed.stderr, '[a] a runs in /app', 'a really ran, in its image, instead of reusing the host result')
    assert.match(mixed.stderr, 'on the mixed runner (Docker and the host)')
    const rec = (await runCli(['runs', 'get', 'latest', '--json'], {cwd: tmp.dir})).json.result.run
    assert.is(rec.runner, 'mixed')
    assert.equal(rec.tasks.map((t: {name: string; status: string; runner: string}) => [t.name, t.status, t.runner]), [
      ['a', 'succeeded', 'docker'],
      ['b', 'cached', 'process'],
    ])
    const get = await runCli(['runs', 'get', 'latest'], {cwd: tmp.dir})
    assert.match(get.stdout, 'mixed runner (Docker; host processes: b)')
    const list = await runCli(['runs', 'list', '--json'], {cwd: tmp.dir})
    assert.equal(list.json.result.runs.map((r: {runner: string}) => r.runner), ['mixed', 'process'])
  })

  M('--runner process after a Docker run: the host result of the first run is reused, the Docker one is not', async () => {
    const plan = await runCli(['run', '--runner', 'process', '--dry-run', '--json'], {cwd: tmp.dir})
    assert.is(plan.code, 0, plan.stderr)
    assert.is(plan.json.result.runner, 'process')
    const a = byStep(plan.json.result).a as {action: string; fromRun?: {name: string}}
    assert.is(a.action, 'cached')
    const first = (await runCli(['runs', 'list', '--json'], {cwd: tmp.dir})).json.result.runs.at(-1)
    assert.equal(a.fromRun, {id: first.id, name: first.name}, 'the host-process result of the first run, not the Docker one')
  })
}

M.run()
