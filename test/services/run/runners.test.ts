import {existsSync} from 'node:fs'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {ContainerSpec, DockerClient} from '../../../src/clients/docker.js'
import {createDockerRunner, createProcessRunner, type TaskJob} from '../../../src/services/run/runners.js'
import {tmpdir} from '../../helpers/tmp.js'

async function unexpected(): Promise<never> {
  throw new Error('unexpected Docker call')
}

/** In-memory DockerClient recording calls; `exitCode`/`failStart`/`hang` shape the container's behaviour. */
function fakeDocker(opts: {exitCode?: number; failStart?: boolean; hang?: boolean} = {}) {
  const calls: string[] = []
  const created: ContainerSpec[] = []
  let release: (code: number) => void = () => {}
  const d: DockerClient = {
    async ping() {},
    async imageExists(ref) {
      calls.push(`exists ${ref}`)
      return ref !== 'missing:1'
    },
    async pull(ref, onProgress) {
      calls.push(`pull ${ref}`)
      onProgress?.({status: 'Downloading', id: 'layer1', progress: '[==>  ]'})
    },
    async createContainer(spec) {
      created.push(spec)
      calls.push('create')
      return 'c1'
    },
    async startContainer() {
      calls.push('start')
      if (opts.failStart) throw new Error('start failed')
    },
    async followLogs(_id, onData) {
      onData(Buffer.from('hello\n'), 'stdout')
    },
    async waitContainer() {
      calls.push('wait')
      if (opts.hang) return new Promise<number>((r) => (release = r))
      return opts.exitCode ?? 0
    },
    async stopContainer() {
      calls.push('stop')
      release(137)
    },
    async removeContainer(id) {
      calls.push(`remove ${id}`)
    },
    async copyFileFrom() {
      return Buffer.from('')
    },
    async listContainers() {
      return []
    },
    // Build methods (kfp build) are not used by the runner.
    inspectImage: unexpected,
    buildImage: unexpected,
    tagImage: unexpected,
    pushImage: unexpected,
  }
  return {d, calls, created}
}

const job: TaskJob = {
  runId: 'r1',
  task: 'train',
  image: 'img:1',
  command: ['sh', '-c', 'echo hi'],
  args: ['a1'],
  env: {KFP_PIPELINE_ROOT: '/p'},
  resources: {resourceMemoryLimit: '2G', resourceCpuLimit: '1'},
  mounts: ['/state', '/state'],
}

const D = suite('services/run Docker runner (fake daemon)')

D('creates the container with command as entrypoint, args as cmd, env, mounts at the same path, limits and labels; removes it', async () => {
  const {d, calls, created} = fakeDocker()
  const out: string[] = []
  const r = await createDockerRunner(d, 2).run(job, {signal: new AbortController().signal, onData: (c) => void out.push(c.toString())})
  assert.equal(r, {exitCode: 0, aborted: false})
  assert.equal(created[0], {
    image: 'img:1',
    entrypoint: ['sh', '-c', 'echo hi'],
    cmd: ['a1'],
    env: {KFP_PIPELINE_ROOT: '/p'},
    binds: [{host: '/state', container: '/state'}],
    memoryBytes: 2e9,
    memoryReservationBytes: undefined,
    nanoCpus: 1e9,
    cpuShares: undefined,
    labels: {'io.kfp-cli.run': 'r1', 'io.kfp-cli.task': 'train'},
  })
  assert.equal(out, ['hello\n'])
  assert.equal(calls, ['create', 'start', 'wait', 'remove c1'])
})

D('keeps the image entrypoint when the IR has no command', async () => {
  const {d, created} = fakeDocker()
  await createDockerRunner(d, 2).run({...job, command: []}, {signal: new AbortController().signal, onData: () => {}})
  assert.is(created[0].entrypoint, undefined)
  assert.equal(created[0].cmd, ['a1'])
})

D('removes the container when starting fails', async () => {
  const {d, calls} = fakeDocker({failStart: true})
  await createDockerRunner(d, 2)
    .run(job, {signal: new AbortController().signal, onData: () => {}})
    .then(() => assert.unreachable(), (e: Error) => assert.is(e.message, 'start failed'))
  assert.equal(calls, ['create', 'start', 'remove c1'])
})

D('on abort stops and removes the container and reports aborted', async () => {
  const {d, calls} = fakeDocker({hang: true})
  const ac = new AbortController()
  const p = createDockerRunner(d, 2).run(job, {signal: ac.signal, onData: () => {}})
  await new Promise((r) => setTimeout(r, 20))
  ac.abort()
  assert.equal(await p, {exitCode: 137, aborted: true})
  assert.equal(calls, ['create', 'start', 'wait', 'stop', 'remove c1'])
})

D('uses local images and pulls only missing ones, reporting progress', async () => {
  const {d, calls} = fakeDocker()
  const events: string[] = []
  await createDockerRunner(d, 2).prepare(['img:1', 'missing:1', 'img:1'], (image, p) => events.push(`${image} ${p.status}`))
  assert.equal(calls, ['exists img:1', 'exists missing:1', 'pull missing:1'])
  assert.equal(events, ['img:1 present', 'missing:1 pulling', 'missing:1 Downloading', 'missing:1 pulled'])
})

const P = suite('services/run process runner')

P('runs command + args with the job env in the given folder; a temp folder otherwise', async () => {
  const t = await tmpdir()
  try {
    const out: string[] = []
    const r = await createProcessRunner(process.env).run(
      {...job, command: ['sh', '-c', 'echo "$0 $KFP_PIPELINE_ROOT $(pwd)"'], args: ['arg0'], cwd: t.dir},
      {signal: new AbortController().signal, onData: (c) => void out.push(c.toString())},
    )
    assert.equal(r, {exitCode: 0, aborted: false})
    assert.is(out.join(''), `arg0 /p ${t.dir}\n`)
    const out2: string[] = []
    const runner = createProcessRunner(process.env)
    await runner.run({...job, command: ['pwd'], args: []}, {signal: new AbortController().signal, onData: (c) => void out2.push(c.toString())})
    assert.match(out2.join(''), /kfp-step-/)
    // And the temp folder is gone once the runner is disposed
    await runner.dispose?.()
    assert.not.ok(existsSync(out2.join('').trim()))
  } finally {
    await t.cleanup()
  }
})

P('abort kills the whole process group', async () => {
  const ac = new AbortController()
  const started = Date.now()
  const p = createProcessRunner(process.env).run(
    {...job, command: ['sh', '-c', 'sleep 30 & sleep 30; wait'], args: []},
    {signal: ac.signal, onData: () => {}},
  )
  setTimeout(() => ac.abort(), 200)
  const r = await p
  assert.is(r.aborted, true)
  assert.ok(Date.now() - started < 5000)
})

P('a missing program is TOOL_NOT_FOUND', async () => {
  await createProcessRunner(process.env)
    .run({...job, command: ['no-such-program-kfp'], args: []}, {signal: new AbortController().signal, onData: () => {}})
    .then(() => assert.unreachable(), (e: {kfpCode: string; message: string}) => {
      assert.is(e.kfpCode, 'TOOL_NOT_FOUND')
      assert.match(e.message, 'no-such-program-kfp is not installed')
    })
})

D.run()
P.run()
