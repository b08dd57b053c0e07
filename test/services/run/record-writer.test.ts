import {readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {RunRecord} from '../../../src/core/engine/record.js'
import {RecordWriter} from '../../../src/services/run/execute.js'
import {tmpdir} from '../../helpers/tmp.js'

function rec(): RunRecord {
  return {
    version: 1,
    id: 'r1',
    name: 'n',
    experiment: 'Default',
    pipelineName: 'p',
    status: 'running',
    createdAt: '2025-01-01T00:00:00.000Z',
    pid: process.pid,
    runner: 'process',
    source: {kind: 'ir', file: '/x'},
    parameters: {},
    explicitParameters: {},
    spec: 'pipeline.json',
    pipelineRoot: '/r',
    tasks: [],
  }
}

let tmp: {dir: string; cleanup: () => Promise<void>}
const W = suite('services/run RecordWriter')
W.before.each(async () => {
  tmp = await tmpdir()
})
W.after.each(async () => {
  await tmp.cleanup()
})

W('a burst of changes ends with the latest state on disk, and a reader meanwhile only ever sees whole records', async () => {
  // Given a writer and a reader polling the file
  const file = path.join(tmp.dir, 'runs', 'r1', 'run.json')
  const r = rec()
  const w = new RecordWriter(file, r)
  let reading = true
  let reads = 0
  const reader = (async () => {
    while (reading) {
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch {
        continue
      }
      const seen = JSON.parse(text) as RunRecord // throws on a partial file
      assert.ok(seen.message === undefined || /^m\d+ x+$/.test(seen.message))
      reads++
    }
  })()
  // When the record changes 200 times without waiting
  const saves: Array<Promise<void>> = []
  for (let i = 0; i < 200; i++) {
    r.message = `m${i} ${'x'.repeat(20_000)}`
    saves.push(w.save({durable: i % 50 === 0}))
    if (i % 20 === 0) await new Promise((res) => setImmediate(res))
  }
  await Promise.all(saves)
  reading = false
  await reader
  // Then every save resolved, the file holds the last state, and the reader read whole records
  assert.is(JSON.parse(await readFile(file, 'utf8')).message.slice(0, 5), 'm199 ')
  assert.ok(reads > 0)
})

W('a durable save resolves once the file holds that state; later changes are not lost', async () => {
  const file = path.join(tmp.dir, 'run.json')
  const r = rec()
  const w = new RecordWriter(file, r)
  // When
  r.status = 'succeeded'
  const durable = w.save({durable: true})
  r.message = 'after'
  const later = w.save()
  await durable
  // Then the durable state is on disk
  const onDisk = JSON.parse(await readFile(file, 'utf8'))
  assert.is(onDisk.status, 'succeeded')
  await later
  assert.is(JSON.parse(await readFile(file, 'utf8')).message, 'after')
})

W('a failing write is reported and does not hang the run', async () => {
  // Given a record path below a regular file
  await writeFile(path.join(tmp.dir, 'blocker'), 'x')
  const errors: string[] = []
  const w = new RecordWriter(path.join(tmp.dir, 'blocker', 'run.json'), rec(), (e) => errors.push(e.message))
  // When / Then
  await w.save({durable: true})
  await w.save()
  assert.is(errors.length, 2)
  assert.match(errors[0], 'ENOTDIR')
  // The last error stays until a write succeeds: what executeRun reports as the run's recordError.
  assert.is((w.lastError as NodeJS.ErrnoException).code, 'ENOTDIR')
  assert.is((w.lastError as NodeJS.ErrnoException).path, path.join(tmp.dir, 'blocker', 'run.json'), 'names the record, not its temp file')
})

W('a write that succeeds after a failed one clears lastError', async () => {
  const dir = path.join(tmp.dir, 'later')
  await writeFile(dir, 'x')
  const w = new RecordWriter(path.join(dir, 'run.json'), rec())
  await w.save()
  assert.ok(w.lastError)
  await rm(dir)
  await w.save()
  assert.is(w.lastError, undefined)
})

W.run()
