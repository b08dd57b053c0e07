import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createObjectStore, parseGsUri} from '../../src/clients/gcs.js'
import {isCliError} from '../../src/lib/errors.js'
import {startGcsEmulator, type GcsEmulator} from '../helpers/gcs-emulator.js'

const gcs = suite('clients/gcs: ObjectStore over @google-cloud/storage against the GCS emulator')
let emu: GcsEmulator
gcs.before.each(async () => {
  emu = await startGcsEmulator({pageSize: 2, buckets: ['my-bucket']})
})
gcs.after.each(async () => {
  await emu.close()
})

gcs('writeText then readText round-trips through a multipart upload and a media download', async () => {
  // Given
  const store = await createObjectStore({}, {apiEndpoint: emu.url})
  // When
  await store.writeText('gs://my-bucket/a/b.json', '{"outputs": {"x": "é"}}')
  const back = await store.readText('gs://my-bucket/a/b.json')
  // Then
  assert.is(back, '{"outputs": {"x": "é"}}')
  assert.is(emu.text('my-bucket', 'a/b.json'), '{"outputs": {"x": "é"}}')
  assert.ok(emu.requests.some((r) => r.method === 'POST' && r.path === '/upload/storage/v1/b/my-bucket/o' && r.query.uploadType === 'multipart'))
  assert.ok(emu.requests.some((r) => r.method === 'GET' && r.path === '/storage/v1/b/my-bucket/o/a%2Fb.json' && r.query.alt === 'media'))
})

gcs('STORAGE_EMULATOR_HOST alone points the store at the emulator', async () => {
  // Given
  emu.put('my-bucket', 'k.txt', 'hello')
  // When
  const store = await createObjectStore({STORAGE_EMULATOR_HOST: emu.url})
  // Then
  assert.is(await store.readText('gs://my-bucket/k.txt'), 'hello')
})

gcs('list pages through pageToken and keeps to the prefix; a missing object reads as undefined', async () => {
  // Given five objects under the prefix (pages of two) and one outside it
  for (const n of ['r/1', 'r/2', 'r/3', 'r/sub/4', 'r/sub/5', 'other/6']) emu.put('my-bucket', n, n)
  const store = await createObjectStore({}, {apiEndpoint: emu.url})
  // When
  const names = await store.list('gs://my-bucket/r/')
  // Then
  assert.equal(names.sort(), ['gs://my-bucket/r/1', 'gs://my-bucket/r/2', 'gs://my-bucket/r/3', 'gs://my-bucket/r/sub/4', 'gs://my-bucket/r/sub/5'])
  assert.ok(emu.requests.filter((r) => r.path === '/storage/v1/b/my-bucket/o').length >= 3, 'expected several pages')
  assert.ok(emu.requests.some((r) => r.query.pageToken === '2'))
  assert.is(await store.readText('gs://my-bucket/r/none'), undefined)
})

gcs('403 is GCS_FORBIDDEN (exit 4) with the credential to fix; a missing bucket on list is GCS_NOT_FOUND', async () => {
  // Given
  const store = await createObjectStore({}, {apiEndpoint: emu.url})
  emu.failNext(403, /GET \/storage\/v1\/b\/my-bucket\/o/)
  // When
  let err: unknown
  try {
    await store.list('gs://my-bucket/x/')
  } catch (error) {
    err = error
  }
  // Then
  assert.ok(isCliError(err))
  assert.is(err.kfpCode, 'GCS_FORBIDDEN')
  assert.is(err.exitCode, 4)
  assert.ok(err.hints.some((h) => h.includes('gcloud auth application-default login')))
  // When
  let err2: unknown
  try {
    await store.list('gs://nope/x/')
  } catch (error) {
    err2 = error
  }
  // Then
  assert.ok(isCliError(err2))
  assert.is(err2.kfpCode, 'GCS_NOT_FOUND')
})

gcs('the emulator takes resumable uploads and serves metadata as the library expects', async () => {
  // Given
  const {Storage} = await import('@google-cloud/storage')
  const storage = new Storage({apiEndpoint: emu.url, projectId: 'test'})
  const big = 'x'.repeat(300_000)
  // When
  await storage.bucket('my-bucket').file('big.txt').save(big, {resumable: true, contentType: 'text/plain'})
  const [meta] = await storage.bucket('my-bucket').file('big.txt').getMetadata()
  const [data] = await storage.bucket('my-bucket').file('big.txt').download()
  const [exists] = await storage.bucket('my-bucket').file('nope').exists()
  // (and in chunks: 308 Resume Incomplete until the last one)
  await storage.bucket('my-bucket').file('chunked.txt').save(big, {resumable: true, chunkSize: 256 * 1024})
  // Then
  assert.is(emu.text('my-bucket', 'big.txt'), big)
  assert.ok(emu.requests.some((r) => r.method === 'PUT' && r.query.uploadType === 'resumable'))
  assert.is(meta.size, '300000')
  assert.is(meta.contentType, 'text/plain')
  assert.is(data.toString(), big)
  assert.is(exists, false)
  assert.is(emu.text('my-bucket', 'chunked.txt'), big)
})

gcs('parseGsUri splits bucket and object, and rejects other schemes as a usage error', () => {
  assert.equal(parseGsUri('gs://b/p/q.json'), {bucket: 'b', name: 'p/q.json'})
  assert.equal(parseGsUri('gs://b'), {bucket: 'b', name: ''})
  try {
    parseGsUri('s3://b/x')
    assert.unreachable()
  } catch (error) {
    assert.ok(isCliError(error))
    assert.is(error.exitCode, 2)
  }
})

gcs.run()
