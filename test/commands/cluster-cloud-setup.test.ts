import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
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
const setup = suite('kfp cloud setup')
setup.before.each(async () => {
  work = await tmpdir()
  writeFileSync(path.join(work.dir, 'kfp.yaml'), 'name: x\nregistry: us-central1-docker.pkg.dev/my-proj/kfp-images\ngcp: {project: my-proj, bucket: my-data}\n')
})
setup.after.each(async () => {
  await shims?.cleanup()
  await gcs?.close()
  shims = undefined
  gcs = undefined
  await work.cleanup()
})

setup('creates only what is missing and reports each resource', async () => {
  // Given one API enabled, no repository, no bucket
  shims = await createShims({
    gcloud: [
      {match: ['services', 'list'], stdout: 'container.googleapis.com\n'},
      {match: ['services', 'enable'], stderr: 'Operation finished successfully.\n'},
      {match: ['artifacts', 'repositories', 'describe'], exit: 1, stderr: 'ERROR: (gcloud.artifacts.repositories.describe) NOT_FOUND: Requested entity was not found.\n'},
      {match: ['artifacts', 'repositories', 'create'], stderr: 'Created repository [kfp-images].\n'},
    ],
  })
  gcs = await startGcsEmulator()
  // When
  const r = await runCli(['cloud', 'setup', '--json'], {cwd: work.dir, env: {PATH: shims.path('/usr/bin:/bin'), HOME: work.dir, STORAGE_EMULATOR_HOST: `${gcs.url}/storage/v1`}})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.equal(await shims.argvOf('gcloud'), [
    ['services', 'list', '--enabled', '--format=value(config.name)', '--project=my-proj'],
    ['services', 'enable', 'artifactregistry.googleapis.com', 'storage.googleapis.com', '--project=my-proj'],
    ['artifacts', 'repositories', 'describe', 'kfp-images', '--location=us-central1', '--project=my-proj', '--format=json'],
    ['artifacts', 'repositories', 'create', 'kfp-images', '--repository-format=docker', '--location=us-central1', '--project=my-proj', '--description=Images of kfp pipeline steps'],
  ])
  assert.equal(r.json.result.resources.map((x: any) => `${x.kind}:${x.name}:${x.action}`), [
    'api:container.googleapis.com:exists',
    'api:artifactregistry.googleapis.com:enabled',
    'api:storage.googleapis.com:enabled',
    'repository:kfp-images:created',
    'bucket:my-data:created',
  ])
  assert.ok(gcs.buckets.has('my-data'))
  // And a second run changes nothing in the bucket store
  const again = await runCli(['cloud', 'setup', '--json'], {cwd: work.dir, env: {PATH: shims.path('/usr/bin:/bin'), HOME: work.dir, STORAGE_EMULATOR_HOST: `${gcs.url}/storage/v1`}})
  assert.is(again.json.result.resources.find((x: any) => x.kind === 'bucket').action, 'exists')
})

setup('--dry-run prints a valid script and runs nothing', async () => {
  shims = await createShims({gcloud: []})
  const r = await runCli(['cloud', 'setup', '--dry-run', '--bucket', "o'brien data"], {cwd: work.dir, env: {PATH: shims.path('/usr/bin:/bin'), HOME: work.dir}})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^gcloud services enable container\.googleapis\.com artifactregistry\.googleapis\.com storage\.googleapis\.com --project=my-proj$/m)
  assert.match(r.stdout, /gcloud storage buckets create 'gs:\/\/o'\\''brien data'/)
  execFileSync('sh', ['-n'], {input: r.stdout})
  assert.equal(await shims.calls(), [])
})

setup.run()
