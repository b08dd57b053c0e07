// Issue 11 point 7: the disk fills DURING a step. kfp does not crash: it names the path and the cause (exit 5,
// FS_ERROR), stops the step (process group or container, removed), records the run as failed where it can still
// write, and says so when it cannot write run.json either; `kfp runs list/get/cancel` afterwards work.
// A real full file system: a small tmpfs mounted where kfp writes (root with CAP_SYS_ADMIN, as here and in CI).
// Without the privilege the log case uses /dev/full (every write gives ENOSPC) and the others print SKIPPED.
// The built CLI; needs `npm run build`.
import {execFileSync, spawn} from 'node:child_process'
import {closeSync, mkdirSync, openSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createDockerClient} from '../../src/clients/docker.js'
import {CONTAINER_LABEL} from '../../src/services/run/runners.js'
import {ensureBusyboxImage} from '../helpers/busybox-images.js'
import {binPath, runCli} from '../helpers/cli.js'
import {skipWithoutDocker} from '../helpers/docker.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {processesWith} from '../helpers/processes.js'
import {tmpdir} from '../helpers/tmp.js'

const D = suite('disk full during a step')

const RUN_ID = '20260101-000000-d15cf0'
/** A step that writes far more log than the disk holds (256 KiB), then waits: only kfp stopping it ends it soon. */
const yaml = (marker: string) => `name: full
steps:
  - name: big
    cache: false
    inputs: {tag: ${marker}}
  - name: after
    cache: false
    after: [big]
`
const components = {
  big: {inputs: ['tag'], script: 'i=0; while [ $i -lt 20000 ]; do echo "$1 line $i of a log that fills the disk, padded to some length"; i=$((i+1)); done; sleep 60'},
  after: {script: 'echo after'},
}

/** Mounts a tmpfs of `size` on `dir`; undefined when this machine does not allow it. */
function mountTmpfs(dir: string, size: string): (() => void) | undefined {
  mkdirSync(dir, {recursive: true})
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {stdio: 'ignore'})
  } catch {
    return undefined
  }
  return () => execFileSync('umount', ['-l', dir], {stdio: 'ignore'})
}

const noCrash = (out: string) => {
  assert.not.match(out, 'Unhandled')
  assert.not.match(out, /\n\s+at /, 'no stack trace')
  assert.not.match(out, 'bug in kfp')
}

D('process runner, the log fills the disk: exit 5 with the path, step stopped, run recorded failed', async () => {
  const tmp = await tmpdir('kfp-diskfull-')
  const marker = `diskfull-${process.pid}-p`
  const taskDir = path.join(tmp.dir, '.kfp', 'runs', RUN_ID, 'tasks', 'big')
  let unmount = mountTmpfs(taskDir, '256k')
  try {
    if (!unmount) {
      console.log('NOTE: no tmpfs mount here (needs CAP_SYS_ADMIN): the step log is a symlink to /dev/full instead')
      symlinkSync('/dev/full', path.join(taskDir, 'log.txt'))
    }
    writeMiniProject(tmp.dir, yaml(marker), components)
    const r = await runCli(['run', '--runner', 'process', '--run-id', RUN_ID], {cwd: tmp.dir})
    const log = path.join(taskDir, 'log.txt')
    assert.is(r.code, 5, r.stderr)
    assert.match(r.stderr, `Error: Run full-20260101-000000 (${RUN_ID}) failed: Cannot write ${log}: the disk is full (ENOSPC). The run was stopped and recorded as failed.`)
    assert.match(r.stderr, 'Free some space')
    assert.match(r.stderr, 'Code: FS_ERROR')
    noCrash(r.stderr)
    assert.equal(processesWith(marker), [], 'the step process was stopped')

    const get = await runCli(['runs', 'get', RUN_ID, '--json'], {cwd: tmp.dir})
    assert.is(get.code, 0, get.stderr)
    const run = get.json.result.run
    assert.is(run.status, 'failed')
    assert.match(run.message, `Cannot write ${log}: the disk is full (ENOSPC).`)
    const [big, after] = ['big', 'after'].map((n) => run.tasks.find((t: any) => t.name === n))
    assert.is(big.status, 'failed')
    assert.is(big.message, `Cannot write ${log}: the disk is full (ENOSPC). The step was stopped.`)
    assert.is(after.status, 'skipped')
    const cancel = await runCli(['runs', 'cancel', RUN_ID], {cwd: tmp.dir})
    assert.is(cancel.code, 0, cancel.stderr)
    assert.match(cancel.stdout + cancel.stderr, 'had already finished (failed)')
  } finally {
    unmount?.()
    unmount = undefined
    await tmp.cleanup()
  }
})

D('the whole .kfp fills: run.json cannot be written either; runs list/cancel/get afterwards', async () => {
  const tmp = await tmpdir('kfp-diskfull-')
  const marker = `diskfull-${process.pid}-r`
  const unmount = mountTmpfs(path.join(tmp.dir, '.kfp'), '256k')
  try {
    if (!unmount) {
      console.log('SKIPPED: the run record on a full disk: no tmpfs mount here (needs CAP_SYS_ADMIN)')
      console.log('KFP_TEST_SKIPPED=1')
      return
    }
    writeMiniProject(tmp.dir, yaml(marker), components)
    const r = await runCli(['run', '--runner', 'process', '--run-id', RUN_ID], {cwd: tmp.dir})
    const runDir = path.join(tmp.dir, '.kfp', 'runs', RUN_ID)
    assert.is(r.code, 5, r.stderr)
    assert.match(r.stderr, `failed: Cannot write ${path.join(runDir, 'tasks', 'big', 'log.txt')}: the disk is full (ENOSPC). The run was stopped;`)
    assert.match(r.stderr, `its record could not be written (Cannot write ${path.join(runDir, 'run.json')}: the disk is full (ENOSPC)), so \`kfp runs list\` shows it as interrupted until \`kfp runs cancel ${RUN_ID}\` records it.`)
    noCrash(r.stderr)
    assert.equal(processesWith(marker), [], 'the step process was stopped')

    const list = await runCli(['runs', 'list'], {cwd: tmp.dir})
    assert.is(list.code, 0, list.stderr)
    assert.match(list.stdout, new RegExp(`${RUN_ID}\\s+full-20260101-000000\\s+interrupted`))
    // Still full: the steps are stopped (none left here) but the record cannot be written; exit 5, not 1.
    const full = await runCli(['runs', 'cancel', RUN_ID], {cwd: tmp.dir})
    assert.is(full.code, 5, full.stderr)
    assert.match(full.stderr, `Could not record run full-20260101-000000 (${RUN_ID}) as cancelled: Cannot write ${path.join(runDir, 'run.json')}: the disk is full (ENOSPC).`)
    noCrash(full.stderr)
    // Space freed: cancel records it, get shows it.
    rmSync(path.join(runDir, 'tasks', 'big', 'log.txt'))
    const cancel = await runCli(['runs', 'cancel', RUN_ID], {cwd: tmp.dir})
    assert.is(cancel.code, 0, cancel.stderr)
    const get = await runCli(['runs', 'get', RUN_ID, '--json'], {cwd: tmp.dir})
    assert.is(get.code, 0, get.stderr)
    assert.is(get.json.result.run.status, 'cancelled')
  } finally {
    unmount?.()
    await tmp.cleanup()
  }
})

D("a step's outputs fill the disk: the step fails with its own error, kfp names the full folder, exit 5", async () => {
  const tmp = await tmpdir('kfp-diskfull-')
  const unmount = mountTmpfs(path.join(tmp.dir, '.kfp', 'pipeline-root'), '256k')
  try {
    if (!unmount) {
      console.log('SKIPPED: outputs on a full disk: no tmpfs mount here (needs CAP_SYS_ADMIN)')
      console.log('KFP_TEST_SKIPPED=1')
      return
    }
    writeMiniProject(tmp.dir, 'name: outs\nsteps:\n  - name: big\n    cache: false\n  - name: after\n    inputs: {d: "${{ steps.big.outputs.data }}"}\n', {
      big: {outputs: ['data:Dataset'], script: 'set -e; dd if=/dev/zero of="$1" bs=1k count=1000'},
      after: {inputs: ['d:Dataset'], script: 'ls -l "$1"'},
    })
    const r = await runCli(['run', '--runner', 'process', '--run-id', RUN_ID], {cwd: tmp.dir})
    const dir = path.join(tmp.dir, '.kfp', 'pipeline-root', 'outs', RUN_ID, 'big')
    assert.is(r.code, 5, r.stderr)
    assert.match(r.stdout + r.stderr, 'No space left on device')
    assert.match(r.stderr, `failed: The disk holding ${dir} is full (ENOSPC). The run was stopped and recorded as failed.`)
    noCrash(r.stderr)
    const get = await runCli(['runs', 'get', RUN_ID, '--json'], {cwd: tmp.dir})
    assert.is(get.code, 0, get.stderr)
    const big = get.json.result.run.tasks.find((t: any) => t.name === 'big')
    assert.is(big.status, 'failed')
    assert.is(big.message, `exited with code 1; the disk holding ${dir} is full (ENOSPC)`)
  } finally {
    unmount?.()
    await tmp.cleanup()
  }
})

D("an importer's log cannot be written: it fails with the path and the cause, the run stops, exit 5", async () => {
  const tmp = await tmpdir('kfp-diskfull-')
  try {
    const data = path.join(tmp.dir, 'data.csv')
    writeFileSync(data, 'x\n1\n')
    writeMiniProject(tmp.dir, `name: imp\nsteps:\n  - name: count\n    cache: false\n    inputs: {d: {import: ${data}, type: Dataset}}\n`, {count: {inputs: ['d:Dataset'], script: 'wc -l < "$1"'}})
    // Every write to /dev/full fails with ENOSPC, as on a full disk: the importer's log is the only file on it.
    const log = path.join(tmp.dir, '.kfp', 'runs', RUN_ID, 'tasks', 'importer', 'log.txt')
    mkdirSync(path.dirname(log), {recursive: true})
    symlinkSync('/dev/full', log)
    const r = await runCli(['run', '--runner', 'process', '--run-id', RUN_ID], {cwd: tmp.dir})
    assert.is(r.code, 5, r.stderr)
    assert.match(r.stderr, `failed: Cannot write ${log}: the disk is full (ENOSPC). The run was stopped and recorded as failed.`)
    noCrash(r.stderr)
    const get = await runCli(['runs', 'get', RUN_ID, '--json'], {cwd: tmp.dir})
    const status = Object.fromEntries(get.json.result.run.tasks.map((t: any) => [t.name, t.status]))
    assert.equal(status, {importer: 'failed', count: 'skipped'})
  } finally {
    await tmp.cleanup()
  }
})

D("kfp's own stdout on a full disk (> /dev/full): the run is recorded, exit 5 with the cause, no crash", async () => {
  const tmp = await tmpdir('kfp-diskfull-')
  try {
    writeMiniProject(tmp.dir, 'name: out\nsteps:\n  - name: a\n    cache: false\n', {a: {script: 'echo hello'}})
    const toFull = (args: string[]) =>
      new Promise<{code: number | null; stderr: string}>((resolve) => {
        const full = openSync('/dev/full', 'w')
        const child = spawn(process.execPath, [binPath, ...args], {cwd: tmp.dir, env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'}, stdio: ['ignore', full, 'pipe']})
        closeSync(full)
        let stderr = ''
        child.stderr!.on('data', (d) => (stderr += d))
        child.on('close', (code) => resolve({code, stderr}))
      })
    for (const args of [['run', '--runner', 'process'], ['runs', 'list'], ['runs', 'get', 'latest', '--json']]) {
      const r = await toFull(args)
      assert.is(r.code, 5, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, 'Error: Cannot write the results to standard output: the disk is full (ENOSPC).')
      noCrash(r.stderr)
    }
    const get = await runCli(['runs', 'get', 'latest', '--json'], {cwd: tmp.dir})
    assert.is(get.json.result.run.status, 'succeeded')
    // A command that failed keeps its own exit code.
    const missing = await toFull(['runs', 'get', 'nope'])
    assert.is(missing.code, 3, missing.stderr)
  } finally {
    await tmp.cleanup()
  }
})

D('Docker runner, the log fills the disk: exit 5, the container stopped and removed, run recorded failed', async () => {
  if (skipWithoutDocker('disk full under a Docker step')) return
  const tmp = await tmpdir('kfp-diskfull-')
  const taskDir = path.join(tmp.dir, '.kfp', 'runs', RUN_ID, 'tasks', 'big')
  const unmount = mountTmpfs(taskDir, '256k')
  try {
    if (!unmount) symlinkSync('/dev/full', path.join(taskDir, 'log.txt'))
    await ensureBusyboxImage({tag: 'kfp-test/busybox:latest'})
    writeMiniProject(tmp.dir, yaml('docker'), components)
    const r = await runCli(['run', '--runner', 'docker', '--run-id', RUN_ID], {cwd: tmp.dir})
    assert.is(r.code, 5, r.stderr)
    assert.match(r.stderr, `failed: Cannot write ${path.join(taskDir, 'log.txt')}: the disk is full (ENOSPC). The run was stopped and recorded as failed.`)
    noCrash(r.stderr)
    const docker = createDockerClient(process.env)
    assert.equal(await docker.listContainers(`${CONTAINER_LABEL}=${RUN_ID}`), [], 'no step container left')
    const get = await runCli(['runs', 'get', RUN_ID, '--json'], {cwd: tmp.dir})
    assert.is(get.code, 0, get.stderr)
    assert.is(get.json.result.run.status, 'failed')
    assert.is(get.json.result.run.tasks.find((t: any) => t.name === 'big').status, 'failed')
  } finally {
    unmount?.()
    await tmp.cleanup()
  }
})

D.run()
