import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {compilePipeline, planAccelerator, renderPipelineYaml} from '../../../src/core/compile/index.js'
import {isCliError} from '../../../src/lib/errors.js'
import {checkPipelineYaml, formatProblems} from '../../helpers/proto.js'
import {everythingProject, resourceSpecProject} from './projects.js'

const plan = suite('planAccelerator: what a type becomes per platform')

const cases: Array<[string, 'kfp' | 'vertex' | undefined, string | null, Record<string, string> | undefined]> = [
  // Vertex GPU names → the resource the NVIDIA device plugin advertises, plus the GKE model label (lowercase, '-').
  ['NVIDIA_TESLA_T4', 'kfp', 'nvidia.com/gpu', {'cloud.google.com/gke-accelerator': 'nvidia-tesla-t4'}],
  ['NVIDIA_L4', 'kfp', 'nvidia.com/gpu', {'cloud.google.com/gke-accelerator': 'nvidia-l4'}],
  ['NVIDIA_A100_80GB', 'kfp', 'nvidia.com/gpu', {'cloud.google.com/gke-accelerator': 'nvidia-a100-80gb'}],
  // A GKE label value is taken as the label.
  ['nvidia-tesla-t4', 'kfp', 'nvidia.com/gpu', {'cloud.google.com/gke-accelerator': 'nvidia-tesla-t4'}],
  // Kubernetes resource names stay, with no selector.
  ['nvidia.com/gpu', 'kfp', 'nvidia.com/gpu', undefined],
  ['google.com/tpu', 'kfp', 'google.com/tpu', undefined],
  // Not a Kubernetes resource and no known GPU model: refused for KFP.
  ['TPU_V3', 'kfp', null, undefined],
  ['tpu-v3', 'kfp', null, undefined],
  // Vertex and no platform: as written.
  ['NVIDIA_TESLA_T4', 'vertex', 'NVIDIA_TESLA_T4', undefined],
  ['tpu-v3', undefined, 'tpu-v3', undefined],
]
for (const [type, platform, resource, selector] of cases) {
  plan(`${type} on ${platform ?? 'no platform'} → ${resource ?? 'refused'}`, () => {
    const p = planAccelerator(type, platform)
    if (resource === null) {
      assert.is(p.ok, false)
      if (!p.ok) assert.match(p.hint, /nvidia\.com\/gpu/)
      return
    }
    assert.equal(p, {ok: true, resourceType: resource, ...(selector ? {nodeSelector: selector} : {})})
  })
}
plan.run()

const compile = suite('compilePipeline platform kfp: resource and node selector in the PlatformSpec')

compile('a GPU model becomes nvidia.com/gpu in both accelerator forms and a node selector for that executor only', () => {
  const p = everythingProject() // train: accelerator nvidia-tesla-t4 x2
  const r = compilePipeline(p, {images: {}, platform: 'kfp'})
  assert.equal(r.spec.deploymentSpec.executors['exec-train'].container!.resources!.accelerator, {
    count: '2',
    resourceCount: '2',
    resourceType: 'nvidia.com/gpu',
    type: 'nvidia.com/gpu',
  })
  assert.equal(r.platformSpec, {
    platforms: {kubernetes: {deploymentSpec: {executors: {'exec-train': {nodeSelector: {labels: {'cloud.google.com/gke-accelerator': 'nvidia-tesla-t4'}}}}}}},
  })
})

compile('the YAML has the PlatformSpec as a second document, strictly valid against kubernetes_executor_config.proto', () => {
  const r = compilePipeline(everythingProject(), {images: {}, platform: 'kfp'})
  const text = renderPipelineYaml(r.spec, r.platformSpec)
  // As kfp-kubernetes' snapshot (kubernetes_platform/python/test/snapshot/data/node_selector.yaml) lays it out.
  assert.match(
    text,
    /\n---\nplatforms:\n  kubernetes:\n    deploymentSpec:\n      executors:\n        exec-train:\n          nodeSelector:\n            labels:\n              cloud.google.com\/gke-accelerator: nvidia-tesla-t4\n$/,
  )
  const problems = checkPipelineYaml(text)
  assert.equal(problems, [], formatProblems(problems))
})

compile('vertex and no platform keep the type and write no PlatformSpec', () => {
  for (const platform of ['vertex', undefined] as const) {
    const r = compilePipeline(everythingProject(), {images: {}, ...(platform ? {platform} : {})})
    assert.is(r.spec.deploymentSpec.executors['exec-train'].container!.resources!.accelerator!.resourceType, 'nvidia-tesla-t4')
    assert.is(r.platformSpec, undefined)
    assert.not.match(renderPipelineYaml(r.spec, r.platformSpec), /---/)
  }
})

compile('a type a KFP server cannot schedule is a compile error naming the step, with the hint', () => {
  try {
    compilePipeline(resourceSpecProject(), {images: {}, platform: 'kfp'}) // accelerator tpu-v3
    assert.unreachable('expected an error')
  } catch (error) {
    assert.ok(isCliError(error))
    assert.is(error.kfpCode, 'COMPILE_FAILED')
    assert.match(error.message, /accelerator type 'tpu-v3' is not a Kubernetes resource/)
    assert.match(error.hints.join('\n'), /--platform vertex/)
  }
})
compile.run()
