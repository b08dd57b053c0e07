import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {cachingEnabled, taskCacheKey, type CacheKeyInput} from '../../../src/core/engine/cache.js'

const C = suite('core/engine cache keys (driver/cache.go getFingerPrint, where it makes sense locally)')
const base: CacheKeyInput = {
  container: {image: 'img:1', command: ['sh', '-c'], args: ["echo {{$.inputs.parameters['x']}}"], env: [{name: 'A', value: '1'}]},
  parameters: {x: 1},
  artifactDigests: {data: 'abc'},
  outputNames: ['Output'],
  outputTypes: {Output: 'NUMBER_INTEGER'},
  runner: 'docker',
}
const k0 = taskCacheKey(base)
const changes: Array<[string, Partial<CacheKeyInput>]> = [
  ['the image', {container: {...base.container, image: 'img:2'}}],
  ['the command', {container: {...base.container, command: ['bash', '-c']}}],
  ['the args as written', {container: {...base.container, args: ['echo']}}],
  ['the env', {container: {...base.container, env: [{name: 'A', value: '2'}]}}],
  ['an input value', {parameters: {x: 2}}],
  ['an input artifact content', {artifactDigests: {data: 'abd'}}],
  ['an output type (GenerateCacheKey outputParametersSpec)', {outputTypes: {Output: 'STRING'}}],
  ['the outputs', {outputNames: ['Other'], outputTypes: {Other: 'NUMBER_INTEGER'}}],
  ['the runner (Docker and a host process are two environments for one image string)', {runner: 'process'}],
]
for (const [what, change] of changes) C(`changes with ${what}`, () => assert.is.not(taskCacheKey({...base, ...change}), k0))
C('does not change with key order', () => {
  assert.is(taskCacheKey({...base, parameters: {y: 2, x: 1}}), taskCacheKey({...base, parameters: {x: 1, y: 2}}))
})
C("a task's own cacheKey replaces everything: sha256(componentRef name NUL cacheKey)", () => {
  const a = taskCacheKey({...base, irCacheKey: 'k', componentName: 'comp-a'})
  assert.is(a, taskCacheKey({...base, parameters: {x: 99}, irCacheKey: 'k', componentName: 'comp-a'}))
  assert.is.not(a, taskCacheKey({...base, irCacheKey: 'k', componentName: 'comp-b'}))
  // printf 'comp-a\0k' | sha256sum
  assert.is(a, '2b10540c1f74756403d267cc00d98aab831373d27d67e4f76f191497cdacb156')
})
C('cachingOptions: absent = enabled, {} (enableCache false dropped by proto3) = disabled', () => {
  assert.is(cachingEnabled(undefined), true)
  assert.is(cachingEnabled({}), false)
  assert.is(cachingEnabled({enableCache: true}), true)
})
C.run()
