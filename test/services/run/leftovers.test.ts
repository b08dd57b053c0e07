// What a killed kfp leaves behind: interrupted runs name their leftover steps, and stopLeftoverSteps (used by
// `kfp runs cancel`) stops real process groups and removes containers.
import {spawn} from 'node:child_process'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {DockerClient} from '../../../src/clients/docker.js'
import {processGroupAlive, processStartTime} from '../../../src/clients/process.js'
import type {RunRecord, TaskRecord} from '../../../src/core/engine/record.js'
import {withLiveness} from '../../../src/services/run/store.js'
import {stopLeftoverSteps} from '../../../src/services/runs/index.js'
import {CliError} from '../../../src/lib/errors.js'

function task(over: Partial<TaskRecord>): TaskRecord {
  return {name: 't', displayName: 't', number: 1, status: 'running', outputs: {parameters: {}, artifacts: {}}, ...over}
}

function rec(over: Partial<RunRecord>): RunRecord {
  return {
    version: 1,
    id: 'r1',
    name: 'n',
    experiment: 'Default',
    pipelineName: 'p',
    status: 'running',
    createdAt: new Date().toISOString(),
    heartbeatAt: new Date().toISOString(),
    pid: 999_999_999,
    runner: 'process',
    source: {kind: 'ir', file: '/x'},
    parameters: {},
    explicitParameters: {},
    spec: 'pipeline.json',
    pipelineRoot: '/r',
    tasks: [],
    ...over,
  }
}

/** A shell in its own process group with a background child, like a step. */
function startGroup(): number {
  const child = spawn('sh', ['-c', 'sleep 30 & wait'], {detached: true, stdio: 'ignore'})
  child.unref()
  return child.pid!
}

async function until(fn: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (fn()) return true
    await new Promise((r) => setTimeout(r, 25))
  }
  return fn()
}

const L = suite('services/run leftovers of a killed kfp')

L('an interrupted run names the step that may still be running and how to stop it', () => {
  // Given a run whose kfp process is gone, with a process step still alive and a container step
  const r = rec({tasks: [task({name: 'a', pid: 4242}), task({name: 'b', number: 2, containerId: 'abcdef0123456789'}), task({name: 'c', number: 3, status: 'pending'})]})
  // When
  const shown = withLiveness(r, (pid) => pid === 4242)
  // Then
  assert.is(shown.status, 'interrupted')
  assert.is(shown.message, 'The kfp process (pid 999999999) that ran this run stopped before it finished. Steps a, b may still be running: `kfp runs cancel r1` stops them.')
  assert.equal(
    shown.tasks.map((t) => `${t.name}:${t.status}:${t.message}`),
    [
      'a:cancelled:interrupted; its step process (group 4242) may still be running (`kfp runs cancel r1` stops it)',
      'b:cancelled:interrupted; its step container abcdef012345 may still be running (`kfp runs cancel r1` stops it)',
      'c:cancelled:interrupted',
    ],
  )
})

L('stops a recorded process group, and leaves alone one whose leader started at another time (a reused pid)', async () => {
  // Given two live step groups
  const mine = startGroup()
  const other = startGroup()
  try {
    await until(() => processStartTime(mine) !== undefined && processStartTime(other) !== undefined)
    const r = rec({
      tasks: [
        task({name: 'mine', pid: mine, processStart: processStartTime(mine)}),
        task({name: 'reused', number: 2, pid: other, processStart: '1'}),
        task({name: 'done', number: 3, status: 'succeeded', pid: other}),
      ],
    })
    // When
    const stopped = await stopLeftoverSteps(r, {env: {}})
    // Then only the matching group is stopped, with its background child
    assert.equal(stopped, [{task: 'mine', pid: mine}])
    assert.ok(await until(() => !processGroupAlive(mine)), 'group stopped')
    assert.ok(processGroupAlive(other), 'the other group is left alone')
  } finally {
    for (const g of [mine, other])
      try {
        process.kill(-g, 'SIGKILL')
      } catch {}
  }
})

function fakeDocker(o: {down?: boolean} = {}) {
  const calls: string[] = []
  const d = {
    async listContainers(label: string) {
      calls.push(`list ${label}`)
      if (o.down) throw new CliError('DOCKER_UNAVAILABLE', 'Cannot connect to the Docker daemon.')
      return [
        {id: 'c-recorded', labels: {'io.kfp-cli.run': 'r1', 'io.kfp-cli.task': 'a'}, state: 'running'},
        {id: 'c-unrecorded', labels: {'io.kfp-cli.run': 'r1', 'io.kfp-cli.task': 'b'}, state: 'created'},
      ]
    },
    async stopContainer(id: string) {
      calls.push(`stop ${id}`)
    },
    async removeContainer(id: string) {
      calls.push(`remove ${id}`)
    },
  } as unknown as DockerClient
  return {d, calls}
}

L('removes the recorded containers and any other container labelled with the run', async () => {
  // Given a Docker run killed while one container was recorded and another just created
  const {d, calls} = fakeDocker()
  const r = rec({runner: 'docker', tasks: [task({name: 'a', containerId: 'c-recorded'}), task({name: 'b', number: 2})]})
  // When
  const stopped = await stopLeftoverSteps(r, {env: {}, clients: {docker: async () => d}})
  // Then
  assert.equal(stopped, [
    {task: 'a', containerId: 'c-recorded'},
    {task: 'b', containerId: 'c-unrecorded'},
  ])
  assert.equal(calls, ['list io.kfp-cli.run=r1', 'stop c-recorded', 'remove c-recorded', 'stop c-unrecorded', 'remove c-unrecorded'])
})

L('says which containers may be left, and how to remove them, when Docker does not answer', async () => {
  const {d} = fakeDocker({down: true})
  const r = rec({runner: 'docker', tasks: [task({name: 'a', containerId: 'c-recorded-0123456'})]})
  try {
    await stopLeftoverSteps(r, {env: {}, clients: {docker: async () => d}})
    assert.unreachable()
  } catch (err) {
    const e = err as CliError & {kfpCode: string; hints: string[]}
    assert.is(e.kfpCode, 'DOCKER_UNAVAILABLE')
    assert.match(e.message, 'may have left step containers (c-recorded-0)')
    assert.match(e.hints.join('\n'), 'docker rm -f $(docker ps -aq --filter label=io.kfp-cli.run=r1)')
  }
})

L.run()
