import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {startGcsEmulator, type GcsEmulator} from '../helpers/gcs-emulator.js'
import {createShims, type Shims} from '../helpers/shims.js'
import {tmpdir} from '../helpers/tmp.js'

let shims: Shims | undefined
let gcs: GcsEmulator | undefined
let work: {dir: string; cleanup: () => Promise<void>}
const init = suite('kfp init --cloud-setup')
init.before.each(async () => {
  work = await tmpdir()
})
init.after.each(async () => {
  await shims?.cleanup()
  await gcs?.close()
  shims = undefined
  gcs = undefined
  await work.cleanup()
})

init('creates the bucket and enables the APIs of the new project after writing it', async () => {
  // Given no API enabled and no bucket
  shims = await createShims({gcloud: [{match: ['services', 'list'], stdout: ''}, {match: ['services', 'enable'], stderr: 'Operation finished successfully.\n'}]})
  gcs = await startGcsEmulator()
  const env = {PATH: shims.path('/usr/bin:/bin'), HOME: work.dir, STORAGE_EMULATOR_HOST: `${gcs.url}/storage/v1`}
  // When
  const r = await runCli(
    ['init', 'bw', '--example', 'babyweight', '--yes', '--gcp-project', 'my-proj-123', '--bucket', 'my-proj-data', '--cloud-setup', '--json'],
    {cwd: work.dir, env},
  )
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.ok(r.json.result.files.includes('kfp.yaml'))
  assert.equal(await shims.argvOf('gcloud'), [
    ['services', 'list', '--enabled', '--format=value(config.name)', '--project=my-proj-123'],
    ['services', 'enable', 'container.googleapis.com', 'artifactregistry.googleapis.com', 'storage.googleapis.com', '--project=my-proj-123'],
  ])
  assert.ok(gcs.buckets.has('my-proj-data'))
  assert.equal(
    r.json.result.cloud.resources.filter((x: {kind: string}) => x.kind === 'bucket'),
    [{kind: 'bucket', name: 'my-proj-data', action: 'created'}],
  )
  assert.is(path.basename(r.json.result.dir), 'bw')
})

init('without --cloud-setup and without a terminal nothing in the cloud is touched', async () => {
  // Given
  shims = await createShims({gcloud: []})
  // When
  const r = await runCli(['init', 'demo', '--yes', '--gcp-project', 'my-proj-123', '--json'], {cwd: work.dir, env: {PATH: shims.path('/usr/bin:/bin'), HOME: work.dir}})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.equal(await shims.calls(), [])
  assert.is(r.json.result.cloud, undefined)
})

init.run()
