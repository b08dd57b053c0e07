import {cp, readFile, writeFile} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot, runCli} from '../helpers/cli.js'
import {checkPipelineYaml, formatProblems} from '../helpers/proto.js'
import {tmpdir} from '../helpers/tmp.js'

// CLI-level: spawns the built kfp (run `npm run build` first).
const fixture = path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight')

const c = suite('kfp compile')
let dir = ''
let cleanup = async () => {}
c.before.each(async () => {
  const tmp = await tmpdir('kfp-compile-cli-')
  dir = path.join(tmp.dir, 'bw')
  cleanup = tmp.cleanup
  await cp(fixture, dir, {recursive: true})
})
c.after.each(() => cleanup())

c('writes pipeline.yaml: its path on stdout, a summary on stderr, exit 0; the file is strictly valid IR', async () => {
  // When
  const r = await runCli(['compile'], {cwd: dir})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, 'pipeline.yaml\n')
  assert.match(r.stderr, /Compiled babyweight: 4 steps, yaml, sha256 [0-9a-f]{12}/)
  const text = await readFile(path.join(dir, 'pipeline.yaml'), 'utf8')
  assert.ok(text.startsWith('# PIPELINE DEFINITION\n# Name: babyweight\n'))
  const problems = checkPipelineYaml(text)
  assert.is(problems.length, 0, formatProblems(problems))
})

c('--json returns the result envelope; the same project compiles to the same sha256 every time', async () => {
  // When
  const a = await runCli(['compile', '--json', '-o', 'out/p.tar.gz'], {cwd: dir})
  const b = await runCli(['compile', '--json', '--output', 'out/p.tar.gz'], {cwd: dir})
  // Then
  assert.is(a.code, 0, a.stderr)
  assert.is(a.json.status, 0)
  assert.equal(Object.keys(a.json.result).sort(), ['bytes', 'file', 'format', 'images', 'pipelineName', 'sha256', 'steps'])
  assert.is(a.json.result.file, path.join(dir, 'out', 'p.tar.gz'))
  assert.is(a.json.result.format, 'tar.gz')
  assert.is(a.json.result.steps, 4)
  assert.match(a.json.result.sha256, /^[0-9a-f]{64}$/)
  assert.is(b.json.result.sha256, a.json.result.sha256)
  assert.ok(existsSync(path.join(dir, 'out', 'p.tar.gz')))
  // No platform warning; the fixture's images were never built and pushed, which compile says per step.
  assert.equal(a.json.warnings.map((w: string) => w.replace(/:[0-9a-f]{16} /, ':TAG ')), ['preprocess', 'hypertrain', 'traintuned', 'deploy'].map((s) => `step ${s}: image localhost:5000/babyweight-${s}:TAG was never built and pushed for the current sources; a cluster cannot pull it. Build and push it: kfp build ${s} --push`))
})

c('--stdout prints the YAML and writes no file', async () => {
  // When
  const r = await runCli(['compile', '--stdout'], {cwd: dir})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.ok(r.stdout.startsWith('# PIPELINE DEFINITION\n'))
  assert.is(checkPipelineYaml(r.stdout).length, 0)
  assert.not.ok(existsSync(path.join(dir, 'pipeline.yaml')))
})

c('--project from another folder, and KFP_COMPILE_OUTPUT sets the output file', async () => {
  // When
  const r = await runCli(['compile', '--project', 'bw'], {cwd: path.dirname(dir), env: {KFP_COMPILE_OUTPUT: 'bw.zip'}})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, 'bw.zip\n')
  assert.ok(existsSync(path.join(path.dirname(dir), 'bw.zip')))
})

c('an unsupported -o extension exits 2 with a hint, in text and in --json', async () => {
  // When
  const r = await runCli(['compile', '-o', 'p.txt'], {cwd: dir})
  const j = await runCli(['compile', '-o', 'p.txt', '--json'], {cwd: dir})
  // Then
  assert.is(r.code, 2)
  assert.match(r.stderr, "Cannot tell the output format of 'p.txt'")
  assert.match(r.stderr, '.tar.gz')
  assert.is(j.code, 2)
  assert.is(j.json.status, 2)
  assert.is(j.json.error.code, 'USAGE')
})

c('no project: exit 3 with the hint to run kfp init', async () => {
  // When
  const r = await runCli(['compile'], {cwd: path.dirname(dir)})
  // Then
  assert.is(r.code, 3)
  assert.match(r.stderr, 'kfp init')
})

for (const initArgs of [['demo', '--yes'], ['bw2', '--example', 'babyweight', '--yes']]) {
  c(`a project made by \`kfp init ${initArgs.join(' ')}\` compiles to strictly valid IR`, async () => {
    // Given
    const parent = path.dirname(dir)
    const init = await runCli(['init', ...initArgs], {cwd: parent})
    assert.is(init.code, 0, init.stderr)
    // When
    const r = await runCli(['compile'], {cwd: path.join(parent, initArgs[0])})
    // Then
    assert.is(r.code, 0, r.stderr)
    const problems = checkPipelineYaml(await readFile(path.join(parent, initArgs[0], 'pipeline.yaml'), 'utf8'))
    assert.is(problems.length, 0, formatProblems(problems))
  })
}

const withGpu = (text: string) => text.replace('resources: {cpu: 1, memory: 2G}', 'resources: {cpu: 1, memory: 2G, accelerator: {type: NVIDIA_TESLA_T4}}')

c('a GPU model compiles for a KFP server: nvidia.com/gpu and the GKE node selector in the platform spec; --platform vertex keeps it', async () => {
  // Given
  const kfpYaml = path.join(dir, 'kfp.yaml')
  await writeFile(kfpYaml, withGpu(await readFile(kfpYaml, 'utf8')))
  // When
  const kfp = await runCli(['compile', '--stdout'], {cwd: dir})
  const vertex = await runCli(['compile', '--stdout', '--platform', 'vertex'], {cwd: dir})
  const json = await runCli(['compile', '-o', 'p.json'], {cwd: dir})
  // Then
  assert.is(kfp.code, 0, kfp.stderr)
  assert.match(kfp.stdout, /accelerator:\n\s+count: '1'\n\s+resourceCount: '1'\n\s+resourceType: nvidia.com\/gpu\n\s+type: nvidia.com\/gpu\n/)
  assert.match(kfp.stdout, /\n---\nplatforms:\n  kubernetes:\n    deploymentSpec:\n      executors:\n        exec-traintuned:\n          nodeSelector:\n            labels:\n              cloud.google.com\/gke-accelerator: nvidia-tesla-t4\n/)
  assert.equal(checkPipelineYaml(kfp.stdout), [], formatProblems(checkPipelineYaml(kfp.stdout)))
  assert.is(vertex.code, 0, vertex.stderr)
  assert.match(vertex.stdout, /resourceType: NVIDIA_TESLA_T4/)
  assert.not.match(vertex.stdout, /platforms:/)
  // JSON holds one document only (the SDK refuses the same).
  assert.is(json.code, 2, json.stderr)
  assert.match(json.stderr, /platform spec \(node selectors\), which only a YAML file can hold/)
})

c('a type no Kubernetes node offers is refused for a KFP server with file:line:col and the way out', async () => {
  // Given
  const kfpYaml = path.join(dir, 'kfp.yaml')
  await writeFile(kfpYaml, (await readFile(kfpYaml, 'utf8')).replace('resources: {cpu: 1, memory: 2G}', 'resources: {cpu: 1, memory: 2G, accelerator: {type: TPU_V3}}'))
  // When
  const r = await runCli(['compile', '--stdout'], {cwd: dir})
  // Then
  assert.is(r.code, 3, r.stderr)
  assert.match(r.stderr, /kfp\.yaml:\d+:\d+: step 'traintuned': accelerator type 'TPU_V3' is not a Kubernetes resource/)
  assert.match(r.stderr, /--platform vertex/)
})

c.run()
