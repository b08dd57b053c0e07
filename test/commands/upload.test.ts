import YAML from 'yaml'
import {cp, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot, runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {checkPipelineSpec, formatProblems} from '../helpers/proto.js'
import {tmpdir} from '../helpers/tmp.js'

const fixture = path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight')
const up = suite('kfp upload (CLI, fake KFP server)')
let server: FakeKfpServer
let dir: string
let cleanup: () => Promise<void>
up.before.each(async () => {
  server = await startFakeKfp({token: 'sekret-token-9'})
  const tmp = await tmpdir('kfp-upload-cli-')
  dir = path.join(tmp.dir, 'bw')
  cleanup = tmp.cleanup
  await cp(fixture, dir, {recursive: true})
})
up.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await cleanup()
})
const env = (extra: Record<string, string> = {}) => ({HOME: dir, KFP_CONFIG_DIR: path.join(dir, '.cfg'), KFP_ENDPOINT: server.url, KFP_TOKEN: 'sekret-token-9', ...extra})
const uploads = () => server.requests.filter((r) => r.method === 'POST' && /\/pipelines\/upload/.test(r.path))

up('compiles the project and creates the pipeline; a second upload of the same content adds no version', async () => {
  // When
  const first = await runCli(['upload', '--json'], {cwd: dir, env: env()})
  const second = await runCli(['upload'], {cwd: dir, env: env()})
  // Then
  assert.is(first.code, 0, first.stderr)
  const r = first.json.result
  assert.is(r.created, 'pipeline')
  assert.is(r.pipelineName, 'babyweight')
  assert.match(r.versionName, /^[0-9a-f]{12}$/)
  assert.is(second.code, 0, second.stderr)
  assert.match(second.stdout, `Unchanged: already uploaded as babyweight ${r.versionName}`)
  assert.is(server.pipelines.size, 1)
  assert.is(server.versions.size, 1)
  assert.is(uploads().length, 1)
  assert.is(uploads()[0].filename, 'babyweight.yaml')
  assert.not.match(first.stdout + first.stderr + second.stdout + second.stderr, /sekret-token-9/)
})

up("the uploaded spec runs each step's command as written (no shell wrapper, no extra artifact) and is strictly valid IR", async () => {
  // When
  const r = await runCli(['upload'], {cwd: dir, env: env()})
  const compiled = await runCli(['compile', '--stdout'], {cwd: dir, env: env()})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.is(compiled.code, 0, compiled.stderr)
  const spec = [...server.versions.values()][0].pipeline_spec
  assert.equal(spec.deploymentSpec, YAML.parseAllDocuments(compiled.stdout)[0].toJS().deploymentSpec)
  assert.equal(spec.components, YAML.parseAllDocuments(compiled.stdout)[0].toJS().components)
  assert.not.match(JSON.stringify(spec), /kfp_outputs|kfp-record-outputs/)
  const problems = checkPipelineSpec(spec)
  assert.is(problems.length, 0, formatProblems(problems))
})

up('a changed project adds a version to the same pipeline; --version names it', async () => {
  // Given
  await runCli(['upload'], {cwd: dir, env: env()})
  const file = path.join(dir, 'kfp.yaml')
  await writeFile(file, (await readFile(file, 'utf8')).replace('default: 2000', 'default: 2001'))
  // When
  const r = await runCli(['upload', '--version', 'v2', '--json'], {cwd: dir, env: env()})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.is(r.json.result.created, 'version')
  assert.is(r.json.result.versionName, 'v2')
  assert.is(server.pipelines.size, 1)
  assert.is(server.versions.size, 2)
})

up('a refused token exits 4 and names the credential to configure', async () => {
  // When
  const r = await runCli(['upload', '--json'], {cwd: dir, env: env({KFP_TOKEN: 'wrong'})})
  // Then
  assert.is(r.code, 4)
  assert.is(r.json.error.code, 'SERVER_AUTH')
  assert.match(r.json.error.message, /KFP_TOKEN/)
  assert.not.match(r.stdout + r.stderr, /wrong|sekret-token-9/)
  assert.is(server.pipelines.size, 0)
})

up('a login page instead of JSON exits 4 with SERVER_NOT_JSON and the cookie / IAP hints', async () => {
  // Given
  server.inject({kind: 'login', match: /healthz/})
  // When
  const r = await runCli(['upload'], {cwd: dir, env: env()})
  // Then
  assert.is(r.code, 4)
  assert.match(r.stderr, /login page or redirect/)
  assert.match(r.stderr, /--cookie-file/)
  assert.match(r.stderr, /print-identity-token/)
})

up('503 answers are retried and the upload then succeeds (once)', async () => {
  // Given
  server.inject({kind: '503', match: /GET .*healthz/, times: 2})
  // When
  const r = await runCli(['upload'], {cwd: dir, env: env()})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^Created pipeline with version babyweight /)
  assert.match(r.stderr, /retrying/)
  assert.is(uploads().length, 1)
})

up('a file argument is uploaded as it is (an SDK-compiled file keeps its bytes)', async () => {
  // Given
  const compiled = await runCli(['compile', '-o', 'out.yaml'], {cwd: dir, env: env()})
  assert.is(compiled.code, 0, compiled.stderr)
  // When
  const r = await runCli(['upload', 'out.yaml', '--name', 'bw-file', '--json'], {cwd: dir, env: env()})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.is(r.json.result.pipelineName, 'bw-file')
  assert.is(uploads().at(-1)!.filename, 'bw-file.yaml')
  const spec = [...server.versions.values()][0].pipeline_spec
  assert.not.ok(spec.components['comp-preprocess'].outputDefinitions.artifacts?.kfp_outputs)
})

up.run()
