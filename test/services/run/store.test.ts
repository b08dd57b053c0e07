import {mkdir, readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {RunRecord} from '../../../src/core/engine/record.js'
import {listRunRecords, lookupCacheEntry, resolveRun, withLiveness, writeCacheEntry, writeRun} from '../../../src/services/run/store.js'
import {tmpdir} from '../../helpers/tmp.js'

function rec(id: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    version: 1,
    id,
    name: `n-${id}`,
    experiment: 'Default',
    pipelineName: 'p',
    status: 'succeeded',
    createdAt: `2025-01-0${id}T00:00:00.000Z`,
    pid: process.pid,
    runner: 'process',
    source: {kind: 'ir', file: '/x'},
    parameters: {},
    explicitParameters: {},
    spec: 'pipeline.json',
    pipelineRoot: '/r',
    tasks: [{name: 't', displayName: 't', number: 1, status: 'running', outputs: {parameters: {}, artifacts: {}}}],
    ...over,
  }
}

let tmp: {dir: string; cleanup: () => Promise<void>}
const S = suite('services/run store')
S.before.each(async () => {
  tmp = await tmpdir()
})
S.after.each(async () => {
  await tmp.cleanup()
})

S('a running run whose process is gone (or whose heartbeat is stale) reads as interrupted', () => {
  const running = rec('1', {status: 'running', heartbeatAt: new Date().toISOString()})
  assert.is(withLiveness(running, () => true).status, 'running')
  const dead = withLiveness(running, () => false)
  assert.is(dead.status, 'interrupted')
  assert.is(dead.tasks[0].status, 'cancelled')
  const stale = withLiveness({...running, heartbeatAt: '2020-01-01T00:00:00Z'}, () => true)
  assert.is(stale.status, 'interrupted')
  assert.is(withLiveness(rec('2'), () => false).status, 'succeeded')
  // Recorded interrupted (the first reader wrote it back): its unfinished tasks read as cancelled, the owner's pid
  // is not asked about again.
  const asked: number[] = []
  const recorded = withLiveness({...running, status: 'interrupted'}, (pid) => (asked.push(pid), true))
  assert.is(recorded.status, 'interrupted')
  assert.is(recorded.tasks[0].status, 'cancelled')
  assert.equal(asked, [])
})

S('lists newest first, resolves latest, ids, unique prefixes and names; goes on past broken folders and names them', async () => {
  await writeRun(tmp.dir, rec('1'))
  await writeRun(tmp.dir, rec('2'))
  await mkdir(path.join(tmp.dir, 'runs', 'junk'), {recursive: true})
  await writeFile(path.join(tmp.dir, 'runs', 'junk', 'run.json'), '{broken')
  assert.equal((await listRunRecords(tmp.dir)).map((r) => r.id), ['2', '1'])
  assert.is((await resolveRun(tmp.dir, 'latest')).id, '2')
  assert.is((await resolveRun(tmp.dir, 'n-1')).id, '1')
  await resolveRun(tmp.dir, 'zzz').then(
    () => assert.unreachable(),
    (e: {kfpCode: string; hints: string[]}) => {
      assert.is(e.kfpCode, 'RUN_NOT_FOUND')
      assert.equal(e.hints, ['List runs with `kfp runs list`.', `Skipped 1 unusable run record: ${path.join(tmp.dir, 'runs', 'junk', 'run.json')}.`])
    },
  )
})

S('concurrent writes of one record never leave a partial file or temp files behind', async () => {
  await Promise.all(Array.from({length: 30}, (_, i) => writeRun(tmp.dir, rec('1', {name: `v${i}`, message: 'x'.repeat(5000)}))))
  const [r] = await listRunRecords(tmp.dir)
  assert.match(r.name, /^v\d+$/)
  assert.equal(await readdir(path.join(tmp.dir, 'runs', '1')), ['run.json'])
})

S('cache entries count only while their run and artifacts exist', async () => {
  await writeRun(tmp.dir, rec('1'))
  const art = path.join(tmp.dir, 'a.txt')
  await writeFile(art, 'x')
  const entry = {key: 'k', runId: '1', runName: 'n-1', task: 't', outputs: {parameters: {v: 1}, artifacts: {a: {uri: art}}}, createdAt: 'now'}
  await writeCacheEntry(tmp.dir, entry)
  assert.equal(await lookupCacheEntry(tmp.dir, 'k'), entry)
  await writeCacheEntry(tmp.dir, {...entry, key: 'k2', runId: 'gone'})
  assert.is(await lookupCacheEntry(tmp.dir, 'k2'), undefined)
  await writeCacheEntry(tmp.dir, {...entry, key: 'k3', outputs: {parameters: {}, artifacts: {a: {uri: art + '.missing'}}}})
  assert.is(await lookupCacheEntry(tmp.dir, 'k3'), undefined)
})

S.run()
