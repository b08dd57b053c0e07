// Issue 11 point 12 (last part): kfp SIGKILLed right after a step's success, before run.json heard of it, must not
// record that step as cancelled: `kfp runs get` shows it succeeded with its outputs, `kfp runs cancel` keeps it, and
// `--start-step` reuses them. The step's task folder holds its result (tasks/<key>/result.json) before the run
// record is written. The built CLI; needs `npm run build`.
import {execFileSync, spawn} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {binPath, runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir, withTmp} from '../helpers/tmp.js'

const K = suite('SIGKILL right after a step succeeded')

const YAML = `name: ks
steps:
  - name: make
    cache: false
  - name: use
    cache: false
    inputs: {msg: "\${{ steps.make.outputs.msg }}"}
`

/** `kfp run --runner process` in `dir` until a step SIGKILLs it (as a kill -9 from elsewhere would). */
async function runUntilKilled(dir: string): Promise<void> {
  const kfp = spawn(process.execPath, [binPath, 'run', '--runner', 'process'], {cwd: dir, env: {PATH: process.env.PATH, HOME: process.env.HOME}, stdio: 'ignore'})
  assert.is(await new Promise((r) => kfp.once('close', (_code, sig) => r(sig))), 'SIGKILL')
}

/** The one run of the project in `dir`: its id and its run.json. */
function onlyRun(dir: string): {id: string; file: string} {
  const id = readdirSync(path.join(dir, '.kfp', 'runs'))[0]
  return {id, file: path.join(dir, '.kfp', 'runs', id, 'run.json')}
}

/**
 * Runs YAML in `dir` until its second step SIGKILLs kfp, and leaves run.json as a kill before the last write leaves it:
 * the last run.json write before the kill had not yet covered the success of `make` (writes are coalesced and not
 * awaited), which only its result.json knows.
 */
async function killAfterMake(dir: string): Promise<{id: string; file: string; left: any}> {
  writeMiniProject(dir, YAML, {
    make: {outputs: ['msg'], script: 'printf made-before-kill > "$1"'},
    // The second step kills its kfp (its parent) for good, as a kill -9 from elsewhere would.
    use: {inputs: ['msg'], script: 'echo "got $1"; kill -9 $PPID; sleep 30'},
  })
  await runUntilKilled(dir)
  const {id, file} = onlyRun(dir)
  const left = JSON.parse(readFileSync(file, 'utf8'))
  assert.is(left.status, 'running')
  const make = left.tasks.find((t: any) => t.name === 'make')
  Object.assign(make, {status: 'running', pid: left.pid, outputs: {parameters: {}, artifacts: {}}})
  delete make.exitCode
  delete make.finishedAt
  writeFileSync(file, JSON.stringify(left))
  return {id, file, left}
}

K('the step reads back as succeeded with its outputs, and --start-step 2 reuses them', () =>
  withTmp('kfp-killsuccess-', async (dir) => {
    const {id} = await killAfterMake(dir)
    const get = await runCli(['runs', 'get', id, '--json'], {cwd: dir})
    assert.is(get.code, 0, get.stderr)
    const got = get.json.result.run
    assert.is(got.status, 'interrupted')
    const gm = got.tasks.find((t: any) => t.name === 'make')
    assert.is(gm.status, 'succeeded', JSON.stringify(gm))
    assert.is(gm.exitCode, 0)
    assert.equal(gm.outputs.parameters, {msg: 'made-before-kill'})
    assert.is(got.tasks.find((t: any) => t.name === 'use').status, 'cancelled')

    const cancel = await runCli(['runs', 'cancel', id, '--json'], {cwd: dir})
    assert.is(cancel.code, 0, cancel.stderr)
    assert.is(cancel.json.result.run.tasks.find((t: any) => t.name === 'make').status, 'succeeded')

    writeMiniProject(dir, YAML, {make: {outputs: ['msg'], script: 'printf rerun > "$1"'}, use: {inputs: ['msg'], script: 'echo "got $1"'}})
    const again = await runCli(['run', '--runner', 'process', '--start-step', '2', '--from-run', id], {cwd: dir})
    assert.is(again.code, 0, again.stderr)
    assert.match(again.stdout + again.stderr, 'got made-before-kill')
  }),
)

K('a cache hit right before the kill reads as cached, with the reused outputs', () =>
  withTmp('kfp-killcached-', async (dir) => {
    const yaml = YAML.replace('  - name: make\n    cache: false\n', '  - name: make\n')
    writeMiniProject(dir, yaml, {make: {outputs: ['msg'], script: 'printf made-once > "$1"'}, use: {inputs: ['msg'], script: 'echo "got $1"'}})
    const first = await runCli(['run', '--runner', 'process'], {cwd: dir})
    assert.is(first.code, 0, first.stderr)
    writeMiniProject(dir, yaml, {make: {outputs: ['msg'], script: 'printf made-once > "$1"'}, use: {inputs: ['msg'], script: 'echo "got $1"; kill -9 $PPID; sleep 30'}})
    await runUntilKilled(dir)
    const runs = await runCli(['runs', 'list', '--json'], {cwd: dir})
    const id = runs.json.result.runs.find((r: any) => r.status === 'interrupted').id
    const file = path.join(dir, '.kfp', 'runs', id, 'run.json')
    const rec = JSON.parse(readFileSync(file, 'utf8'))
    // `runs list` recorded the run as interrupted: put the record back to what the kill left.
    rec.status = 'running'
    const make = rec.tasks.find((t: any) => t.name === 'make')
    Object.assign(make, {status: 'running', outputs: {parameters: {}, artifacts: {}}})
    delete make.reusedFrom
    delete make.finishedAt
    writeFileSync(file, JSON.stringify(rec))

    const get = await runCli(['runs', 'get', id, '--json'], {cwd: dir})
    assert.is(get.code, 0, get.stderr)
    const gm = get.json.result.run.tasks.find((t: any) => t.name === 'make')
    assert.is(gm.status, 'cached', JSON.stringify(gm))
    assert.equal(gm.outputs.parameters, {msg: 'made-once'})
    assert.is(gm.reusedFrom.runId, runs.json.result.runs.find((r: any) => r.status === 'succeeded').id)
  }),
)

K('the first read records the repair in run.json once; later reads leave the file alone', () =>
  withTmp('kfp-killrepair-', async (dir) => {
    const {id, file, left} = await killAfterMake(dir)
    const first = await runCli(['runs', 'list', '--json'], {cwd: dir})
    assert.is(first.code, 0, first.stderr)
    assert.is(first.json.result.runs[0].status, 'interrupted')
    const written = readFileSync(file, 'utf8')
    const rec = JSON.parse(written)
    assert.is(rec.status, 'interrupted', 'run.json records the run as interrupted')
    const wm = rec.tasks.find((t: any) => t.name === 'make')
    assert.is(wm.status, 'succeeded', 'and the step result it had only in result.json')
    assert.equal(wm.outputs.parameters, {msg: 'made-before-kill'})
    assert.is(wm.pid, undefined)
    // The step that was running stays as last recorded (running, or pending when no write covered its start), its
    // process group with it for `kfp runs cancel`.
    const use = rec.tasks.find((t: any) => t.name === 'use')
    assert.is(use.status, left.tasks.find((t: any) => t.name === 'use').status)
    assert.ok(['running', 'pending'].includes(use.status), use.status)
    const mtime = statSync(file).mtimeMs

    const second = await runCli(['runs', 'list', '--json'], {cwd: dir})
    assert.is(second.code, 0, second.stderr)
    assert.equal(second.json.result.runs, first.json.result.runs)
    const get = await runCli(['runs', 'get', id, '--json'], {cwd: dir})
    assert.is(get.code, 0, get.stderr)
    assert.is(get.json.result.run.tasks.find((t: any) => t.name === 'use').status, 'cancelled')
    assert.is(readFileSync(file, 'utf8'), written, 'later reads do not repair again')
    assert.is(statSync(file).mtimeMs, mtime)

    const cancel = await runCli(['runs', 'cancel', id, '--json'], {cwd: dir})
    assert.is(cancel.code, 0, cancel.stderr)
    assert.is(JSON.parse(readFileSync(file, 'utf8')).status, 'cancelled')
    assert.is(cancel.json.result.run.tasks.find((t: any) => t.name === 'make').status, 'succeeded')
  }),
)

K('on a read-only disk the read shows the repair all the same, and writes nothing', async () => {
  const tmp = await tmpdir('kfp-killro-')
  const kfpDir = path.join(tmp.dir, '.kfp')
  mkdirSync(kfpDir)
  // A read-only file system needs a mount of its own (root with CAP_SYS_ADMIN, as here and in CI).
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', kfpDir], {stdio: 'ignore'})
  } catch {
    console.log('SKIPPED: a run read on a read-only disk: no tmpfs mount here (needs CAP_SYS_ADMIN)')
    console.log('KFP_TEST_SKIPPED=1')
    await tmp.cleanup()
    return
  }
  try {
    const {id, file} = await killAfterMake(tmp.dir)
    const before = readFileSync(file, 'utf8')
    execFileSync('mount', ['-o', 'remount,ro', kfpDir])
    const get = await runCli(['runs', 'get', id, '--json'], {cwd: tmp.dir})
    assert.is(get.code, 0, get.stderr)
    assert.is(get.json.result.run.status, 'interrupted')
    assert.is(get.json.result.run.tasks.find((t: any) => t.name === 'make').status, 'succeeded')
    assert.is(readFileSync(file, 'utf8'), before)
  } finally {
    execFileSync('umount', ['-l', kfpDir], {stdio: 'ignore'})
    await tmp.cleanup()
  }
})

// Inside a loop whose iterations are sub-DAGs of two steps, and a condition group (a sub-DAG) whose second step
// kills kfp. The steps' result.json files carry their records and those of their groups; the scheduler closes a
// group in the same turn as its last task ends, so one whose tasks all ended reads closed. The condition group
// really did not finish.
const NESTED = `name: ksn
params:
  go: {type: boolean, default: true}
steps:
  - group: each
    forEach: [x, y]
    steps:
      - name: make
        cache: false
        inputs: {v: "\${{ item }}"}
      - name: shout
        cache: false
        inputs: {m: "\${{ steps.make.outputs.msg }}"}
  - group: inner
    when: \${{ params.go }} == true
    steps:
      - name: deep
        cache: false
      - name: use
        cache: false
        after: [deep]
        inputs: {all: "\${{ steps.shout.outputs.loud }}"}
`
const nestedComponents = (use: string) => ({
  make: {inputs: ['v'], outputs: ['msg'], script: 'printf "made-$1" > "$2"'},
  shout: {inputs: ['m'], outputs: ['loud'], script: 'printf "$1!" > "$2"'},
  deep: {outputs: ['msg'], script: 'printf deep > "$1"'},
  use: {inputs: ['all:JsonArray'], script: use},
})

K('inside a loop and a sub-DAG: the steps, their iterations and the loop read as succeeded, the unfinished group as cancelled', () =>
  withTmp('kfp-killnested-', async (dir) => {
    writeMiniProject(dir, NESTED, nestedComponents('echo "got $1"; kill -9 $PPID; sleep 30'))
    await runUntilKilled(dir)
    const {id, file} = onlyRun(dir)
    // What a kill leaves when no run.json write came after the run's first one (writes are coalesced and paced, and
    // a loaded machine delays them): the root tasks pending, nothing inside the groups.
    const rec = JSON.parse(readFileSync(file, 'utf8'))
    rec.tasks = rec.tasks
      .filter((t: any) => t.parent === undefined)
      .map((t: any) => ({name: t.name, displayName: t.displayName, number: t.number, kind: t.kind, status: 'pending', outputs: {parameters: {}, artifacts: {}}}))
    writeFileSync(file, JSON.stringify(rec))

    const get = await runCli(['runs', 'get', id, '--json'], {cwd: dir})
    assert.is(get.code, 0, get.stderr)
    const got = get.json.result.run
    assert.is(got.status, 'interrupted')
    const status = Object.fromEntries(got.tasks.map((t: any) => [t.name, t.status]))
    const loop = got.tasks.find((t: any) => t.kind === 'loop')
    const group = got.tasks.find((t: any) => t.kind === 'dag')
    // The killing step: cancelled, or not in the record at all when no write covered its group's start of it.
    assert.ok([undefined, 'cancelled'].includes(status[`${group.name}/use`]), status[`${group.name}/use`])
    delete status[`${group.name}/use`]
    assert.equal(
      status,
      {
        [loop.name]: 'succeeded',
        [`${loop.name}[0]`]: 'succeeded',
        [`${loop.name}[1]`]: 'succeeded',
        [`${loop.name}[0]/make`]: 'succeeded',
        [`${loop.name}[1]/make`]: 'succeeded',
        [`${loop.name}[0]/shout`]: 'succeeded',
        [`${loop.name}[1]/shout`]: 'succeeded',
        [group.name]: 'cancelled',
        [`${group.name}/deep`]: 'succeeded',
      },
      JSON.stringify(got.tasks),
    )
    // The loop's collected output, as the scheduler collects it (in item order).
    assert.equal(Object.values(loop.outputs.parameters), [['made-x!', 'made-y!']])
    const shown = await runCli(['runs', 'get', id], {cwd: dir})
    assert.is(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, /shout\[1\]\s+succeeded/)
    assert.not.match(shown.stdout, /for-loop\S*\s+cancelled/)

    const cancel = await runCli(['runs', 'cancel', id, '--json'], {cwd: dir})
    assert.is(cancel.code, 0, cancel.stderr)
    const after = Object.fromEntries(cancel.json.result.run.tasks.map((t: any) => [t.name, t.status]))
    delete after[`${group.name}/use`]
    assert.equal(after, status, 'runs cancel keeps what ended')

    writeMiniProject(dir, NESTED, nestedComponents('echo "got $1"'))
    const again = await runCli(['run', '--runner', 'process', '--start-step', 'use', '--from-run', id], {cwd: dir})
    assert.is(again.code, 0, again.stderr)
    assert.match(again.stdout + again.stderr, 'got ["made-x!","made-y!"]')
  }),
)

// An importer's success, too, is in its task folder before the run record hears of it: the step after it kills kfp.
K('an importer that succeeded right before the kill reads as succeeded, with the artifact it imported', () =>
  withTmp('kfp-killimport-', async (dir) => {
    const data = path.join(dir, 'data.csv')
    writeFileSync(data, 'x\n1\n')
    writeMiniProject(dir, `name: ki\nsteps:\n  - name: use\n    cache: false\n    inputs: {data: {import: ${data}, type: Dataset}}\n`, {
      use: {inputs: ['data:Dataset'], script: 'cat "$1"; kill -9 $PPID; sleep 30'},
    })
    await runUntilKilled(dir)
    const {id, file} = onlyRun(dir)
    // What a kill leaves when the last run.json write before it had not covered the importer's success.
    const rec = JSON.parse(readFileSync(file, 'utf8'))
    const imp = rec.tasks.find((t: any) => /^importer/.test(t.name))
    Object.assign(imp, {status: 'running', outputs: {parameters: {}, artifacts: {}}})
    delete imp.finishedAt
    writeFileSync(file, JSON.stringify(rec))

    const get = await runCli(['runs', 'get', id, '--json'], {cwd: dir})
    assert.is(get.code, 0, get.stderr)
    const gi = get.json.result.run.tasks.find((t: any) => t.name === imp.name)
    assert.is(gi.status, 'succeeded', JSON.stringify(gi))
    assert.match(JSON.stringify(gi.outputs.artifacts), data)
  }),
)

K.run()
