import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DEFAULT_KFP_VERSION, clusterScopedUrl, compareVersions, deployPlan, envUrl, installedKfpVersion, parseDeployments} from '../../../src/core/cluster/kfp.js'

const kfp = suite('kfp manifests')

const dep = (name: string, ready: number, replicas = 1, image = `ghcr.io/kubeflow/kfp-${name}:2.4.0`, available?: boolean) => ({
  metadata: {name},
  spec: {replicas, template: {spec: {containers: [{image}]}}},
  status: {readyReplicas: ready, conditions: available === undefined ? [] : [{type: 'Available', status: available ? 'True' : 'False'}]},
})

kfp('manifest URLs are pinned to the version', () => {
  assert.is(clusterScopedUrl('2.15.0'), 'github.com/kubeflow/pipelines/manifests/kustomize/cluster-scoped-resources?ref=2.15.0')
  assert.is(envUrl('gcp', '2.4.0'), 'github.com/kubeflow/pipelines/manifests/kustomize/env/gcp?ref=2.4.0')
  assert.match(DEFAULT_KFP_VERSION, /^2\.\d+\.\d+$/)
})

kfp('deploy plan: CRDs, wait established, env, wait deployments', () => {
  const plan = deployPlan('2.15.0', 'platform-agnostic', 600)
  assert.equal(plan.map((s) => s.cmd.args), [
    ['apply', '-k', clusterScopedUrl('2.15.0')],
    ['wait', '--for', 'condition=established', '--timeout=60s', 'crd/applications.app.k8s.io'],
    ['apply', '-k', envUrl('platform-agnostic', '2.15.0')],
    ['wait', '--for=condition=available', '--timeout=600s', 'deployment', '--all', '-n', 'kubeflow'],
  ])
})

kfp('parseDeployments reads readiness, sorted by name', () => {
  const rows = parseDeployments({items: [dep('workflow-controller', 0), dep('ml-pipeline', 1, 1, 'x/api-server:2.4.0', true), dep('cache', 1, 2)]})
  assert.equal(rows.map((r) => [r.name, r.ready, r.desired, r.available]), [
    ['cache', 1, 2, false],
    ['ml-pipeline', 1, 1, true],
    ['workflow-controller', 0, 1, false],
  ])
})

kfp('installed version is the ml-pipeline image tag', () => {
  assert.is(installedKfpVersion(parseDeployments({items: [dep('ml-pipeline', 1, 1, 'registry:5000/kfp/api-server:2.14.3@sha256:abc')]})), '2.14.3')
  assert.is(installedKfpVersion(parseDeployments({items: [dep('ml-pipeline', 1, 1, 'registry:5000/kfp/api-server')]})), undefined)
  assert.is(installedKfpVersion([]), undefined)
})

kfp('compareVersions orders releases numerically', () => {
  assert.ok(compareVersions('2.15.0', '2.4.0') > 0)
  assert.ok(compareVersions('2.4.0', '2.15.0') < 0)
  assert.is(compareVersions('2.5.0', '2.5.0'), 0)
  assert.ok(compareVersions('2.5.0-rc.1', '2.5.0') < 0)
})

kfp.run()
