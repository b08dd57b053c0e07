import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {cachingEnabled, taskCacheKey} from '../../../src/core/engine/cache.js'
import {dockerResources, parseCpu, parseMemory} from '../../../src/core/engine/resources.js'
import {loadIr} from './helpers.js'

const R = suite('core/engine resources')

R('parses Kubernetes quantities', () => {
  assert.is(parseMemory('14Gi'), 14 * 2 ** 30)
  assert.is(parseMemory('2G'), 2e9)
  assert.is(parseMemory('512Mi'), 512 * 2 ** 20)
  assert.is(parseMemory('lots'), undefined)
  assert.is(parseCpu('500m'), 0.5)
  assert.is(parseCpu('2'), 2)
})

R('maps the golden resource spec to Docker limits, capping CPUs at the host and warning about accelerators', () => {
  // Given the trainer of pipeline_with_resource_spec (cpu 2..4, memory 4Gi..14Gi, a TPU)
  const res = loadIr('pipeline_with_resource_spec').deploymentSpec.executors['exec-trainer'].container!.resources
  // When on a 2-CPU machine
  const d = dockerResources(res, 2)
  // Then
  assert.is(d.memoryBytes, 14 * 2 ** 30)
  assert.is(d.memoryReservationBytes, 4 * 2 ** 30)
  assert.is(d.nanoCpus, 2e9)
  assert.is(d.cpuShares, 2048)
  assert.equal(d.warnings, ["CPU limit 4 is more than this machine's 2 CPUs; using 2.", 'accelerator tpu-v3 x1 is ignored on the local engine.'])
  assert.equal(dockerResources({resourceCpuLimit: '500m', resourceMemoryLimit: '2G'}, 8), {memoryBytes: 2e9, nanoCpus: 5e8, warnings: []})
})

const C = suite('core/engine cache')

C('keys change with image, args and inputs, not with key order', () => {
  const container = {image: 'i', command: ['sh'], args: ['a']}
  const k = taskCacheKey({container, parameters: {a: 1, b: 2}, artifactDigests: {}, outputNames: ['x']})
  assert.is(k, taskCacheKey({container, parameters: {b: 2, a: 1}, artifactDigests: {}, outputNames: ['x']}))
  assert.is.not(k, taskCacheKey({container: {...container, image: 'j'}, parameters: {a: 1, b: 2}, artifactDigests: {}, outputNames: ['x']}))
  assert.is.not(k, taskCacheKey({container: {...container, args: ['b']}, parameters: {a: 1, b: 2}, artifactDigests: {}, outputNames: ['x']}))
  assert.is.not(k, taskCacheKey({container, parameters: {a: 1, b: 3}, artifactDigests: {}, outputNames: ['x']}))
  assert.is.not(k, taskCacheKey({container, parameters: {a: 1, b: 2}, artifactDigests: {d: 'x'}, outputNames: ['x']}))
})

C('cachingOptions {} (proto3 dropped false) disables caching', () => {
  assert.is(cachingEnabled({enableCache: true}), true)
  assert.is(cachingEnabled({}), false)
  assert.is(cachingEnabled(undefined), true)
})

R.run()
C.run()
