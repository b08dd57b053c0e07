import {cpSync, existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {createHash} from 'node:crypto'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync, inflateRawSync} from 'node:zlib'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {compileProject} from '../../src/services/compile.js'
import {isCliError} from '../../src/lib/errors.js'
import {checkPipelineSpec, checkPipelineYaml, formatProblems} from '../helpers/proto.js'
import {tmpdir} from '../helpers/tmp.js'

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'projects', 'babyweight')
const ctx = {env: {} as Record<string, string | undefined>}

/** The single entry of a ustar archive: name and content (enough for what kfp writes). */
function untarOne(tar: Buffer): {name: string; content: string; mtime: number; mode: number} {
  const header = tar.subarray(0, 512)
  const field = (off: number, len: number) => header.subarray(off, off + len).toString('utf8').replace(/\0.*$/s, '').trim()
  const size = Number.parseInt(field(124, 12), 8)
  return {
    name: field(0, 100),
    content: tar.subarray(512, 512 + size).toString('utf8'),
    mtime: Number.parseInt(field(136, 12), 8),
    mode: Number.parseInt(field(100, 8), 8),
  }
}

/** The first entry of a zip file (local file header + deflated data). */
function unzipOne(zip: Buffer): {name: string; content: string} {
  assert.is(zip.readUInt32LE(0), 0x04034b50, 'not a zip local file header')
  const method = zip.readUInt16LE(8)
  const compressedSize = zip.readUInt32LE(18)
  const nameLen = zip.readUInt16LE(26)
  const extraLen = zip.readUInt16LE(28)
  const name = zip.subarray(30, 30 + nameLen).toString('utf8')
  const start = 30 + nameLen + extraLen
  // yazl streams entries with a data descriptor (sizes 0 in the local header); fall back to the central directory.
  let size = compressedSize
  if (size === 0) {
    const cd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    size = zip.readUInt32LE(cd + 20)
  }
  const data = zip.subarray(start, start + size)
  return {name, content: (method === 8 ? inflateRawSync(data) : data).toString('utf8')}
}

let dir = ''
let cleanup = async () => {}
const svc = suite('compileProject (babyweight fixture in a temp folder)')

svc.before.each(async () => {
  const t = await tmpdir('kfp-compile-')
  dir = path.join(t.dir, 'bw')
  cpSync(FIXTURE, dir, {recursive: true})
  cleanup = t.cleanup
})
svc.after.each(async () => cleanup())

svc('writes pipeline.yaml in the project root by default; the file is strictly valid and what the result describes', async () => {
  // When
  const r = await compileProject({cwd: path.join(dir, 'components')}, ctx)
  // Then
  const file = path.join(dir, 'pipeline.yaml')
  assert.is(r.file, file)
  assert.is(r.format, 'yaml')
  assert.is(r.pipelineName, 'babyweight')
  assert.is(r.steps, 4)
  const text = readFileSync(file, 'utf8')
  assert.is(r.sha256, createHash('sha256').update(text).digest('hex'))
  assert.is(r.bytes, Buffer.byteLength(text))
  assert.ok(text.startsWith('# PIPELINE DEFINITION\n# Name: babyweight\n'))
  const problems = checkPipelineYaml(text)
  assert.is(problems.length, 0, formatProblems(problems))
  assert.equal(parse(text), JSON.parse(JSON.stringify(r.spec)))
  // and no temp file is left behind by the atomic write
  assert.equal(readdirSync(dir).filter((f) => f.includes('pipeline.yaml')), ['pipeline.yaml'])
})

svc('the babyweight IR wires each step output to the next and asks 2G / 1 CPU for traintuned', async () => {
  // When
  const {spec} = await compileProject({cwd: dir, write: false}, ctx)
  // Then
  const tasks = spec.root.dag!.tasks
  assert.equal(tasks.hypertrain.inputs!.parameters!.bucket, {taskOutputParameter: {outputParameterKey: 'bucket', producerTask: 'preprocess'}})
  assert.equal(tasks.traintuned.dependentTasks, ['hypertrain', 'preprocess'])
  assert.equal(tasks.deploy.inputs!.parameters!.modeldir, {taskOutputParameter: {outputParameterKey: 'train', producerTask: 'traintuned'}})
  assert.equal(tasks.preprocess.inputs!.parameters!.start_year, {componentInputParameter: 'startYear'})
  const res = spec.deploymentSpec.executors['exec-traintuned'].container!.resources!
  assert.equal([res.resourceCpuRequest, res.cpuRequest, res.resourceMemoryRequest, res.memoryRequest], ['1', 1, '2G', 2])
  assert.equal(spec.root.inputDefinitions!.parameters!.startYear, {parameterType: 'NUMBER_INTEGER', defaultValue: 2000, isOptional: true, description: 'First year of data'})
  assert.is(checkPipelineSpec(spec).length, 0, formatProblems(checkPipelineSpec(spec)))
})

svc('write: false writes nothing and returns what the local engine needs', async () => {
  // When
  const r = await compileProject({cwd: dir, write: false}, ctx)
  // Then
  assert.not.ok(existsSync(path.join(dir, 'pipeline.yaml')))
  assert.is(r.file, undefined)
  assert.is(r.project.name, 'babyweight')
  assert.equal(r.taskOfStep, {preprocess: 'preprocess', hypertrain: 'hypertrain', traintuned: 'traintuned', deploy: 'deploy'})
  assert.is(r.componentOfStep.deploy, 'comp-deploy')
  assert.is(r.executorOfComponent['comp-deploy'], 'exec-deploy')
  assert.match(r.spec.sdkVersion, /^kfp-cli-\d+\.\d+\.\d+/)
  assert.type(r.images.preprocess, 'string')
})

svc('-o relative to the cwd; .tar.gz holds pipeline.yaml, byte-identical on every compile', async () => {
  // When
  const a = await compileProject({cwd: dir, output: 'dist/bw.tar.gz'}, ctx)
  const first = readFileSync(path.join(dir, 'dist', 'bw.tar.gz'))
  const b = await compileProject({cwd: dir, output: 'dist/bw.tar.gz'}, ctx)
  const second = readFileSync(path.join(dir, 'dist', 'bw.tar.gz'))
  // Then
  assert.is(a.file, path.join(dir, 'dist', 'bw.tar.gz'))
  assert.is(a.format, 'tar.gz')
  assert.ok(first.equals(second), 'tar.gz differs between two compiles')
  assert.is(a.sha256, b.sha256)
  const entry = untarOne(gunzipSync(first))
  assert.is(entry.name, 'pipeline.yaml')
  assert.is(entry.content, a.yaml)
  assert.is(entry.mode, 0o644)
  assert.is(entry.mtime, Date.UTC(1980, 0, 1) / 1000)
})

svc('.tgz is a tar.gz too', async () => {
  const r = await compileProject({cwd: dir, output: 'p.tgz'}, ctx)
  assert.is(r.format, 'tar.gz')
  assert.is(untarOne(gunzipSync(readFileSync(path.join(dir, 'p.tgz')))).content, r.yaml)
})

svc('.zip holds pipeline.yaml, byte-identical across compiles and time zones', async () => {
  // When
  const tz = process.env.TZ
  let first: Buffer
  let r
  try {
    process.env.TZ = 'Pacific/Auckland'
    r = await compileProject({cwd: dir, output: 'p.zip'}, ctx)
    first = readFileSync(path.join(dir, 'p.zip'))
    process.env.TZ = 'America/Los_Angeles'
    await compileProject({cwd: dir, output: 'p.zip'}, ctx)
  } finally {
    if (tz === undefined) delete process.env.TZ
    else process.env.TZ = tz
  }
  const second = readFileSync(path.join(dir, 'p.zip'))
  // Then
  assert.is(r.format, 'zip')
  assert.ok(first.equals(second), 'zip differs between two compiles')
  const entry = unzipOne(second)
  assert.is(entry.name, 'pipeline.yaml')
  assert.is(entry.content, r.yaml)
})

svc('.json writes the spec as JSON (valid too)', async () => {
  // When
  const r = await compileProject({cwd: dir, output: 'p.json'}, ctx)
  // Then
  const json = JSON.parse(readFileSync(path.join(dir, 'p.json'), 'utf8'))
  assert.is(r.format, 'json')
  assert.equal(json, JSON.parse(JSON.stringify(r.spec)))
  assert.is(checkPipelineSpec(json).length, 0)
})

svc('an output extension kfp cannot write is a usage error (exit 2) with the formats in the hint', async () => {
  // When
  let err: unknown
  try {
    await compileProject({cwd: dir, output: 'pipeline.txt'}, ctx)
  } catch (error) {
    err = error
  }
  // Then
  assert.ok(isCliError(err))
  assert.is(err.exitCode, 2)
  assert.match(err.message, "Cannot tell the output format of 'pipeline.txt'")
  assert.match(err.hints.join(' '), '.tar.gz')
  assert.not.ok(existsSync(path.join(dir, 'pipeline.txt')))
})

svc('an invalid project fails with the loader error (exit 3) and writes nothing', async () => {
  // Given a typo in a step reference
  const file = path.join(dir, 'kfp.yaml')
  writeFileSync(file, readFileSync(file, 'utf8').replace('steps.preprocess.outputs.bucket }}\n  - name: traintuned', 'steps.preprocess.outputs.buckt }}\n  - name: traintuned'))
  // When
  let err: unknown
  try {
    await compileProject({cwd: dir}, ctx)
  } catch (error) {
    err = error
  }
  // Then
  assert.ok(isCliError(err))
  assert.is(err.exitCode, 3)
  assert.match(err.message, 'buckt')
  assert.not.ok(existsSync(path.join(dir, 'pipeline.yaml')))
})

svc.run()
