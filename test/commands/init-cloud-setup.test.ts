import {readFile} from 'node:fs/promises'
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

init('creates the bucket, the Artifact Registry repository of the registry and enables the APIs after writing the project', async () => {
  // Given no API enabled, no repository and no bucket
  shims = await createShims({
    gcloud: [
      {match: ['services', 'list'], stdout: ''},
      {match: ['services', 'enable'], stderr: 'Operation finished successfully.\n'},
      // gcloud's own wording for a missing repository (artifacts repositories describe).
      {match: ['artifacts', 'repositories', 'describe'], exit: 1, stderr: 'ERROR: (gcloud.artifacts.repositories.describe) NOT_FOUND: Requested entity was not found.\n'},
      {match: ['artifacts', 'repositories', 'create'], stderr: 'Created repository [kfp].\n'},
    ],
  })
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
    ['artifacts', 'repositories', 'describe', 'kfp', '--location=us-central1', '--project=my-proj-123', '--format=json'],
    ['artifacts', 'repositories', 'create', 'kfp', '--repository-format=docker', '--location=us-central1', '--project=my-proj-123', '--description=Images of kfp pipeline steps'],
  ])
  assert.equal(r.json.result.cloud.resources.find((x: {kind: string}) => x.kind === 'repository'), {kind: 'repository', name: 'kfp', action: 'created'})
  assert.match(await readFile(path.join(work.dir, 'bw', 'kfp.yaml'), 'utf8'), /^registry: us-central1-docker\.pkg\.dev\/my-proj-123\/kfp$/m)
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
